// POST /v1/completions (legacy) on top of POST /api/generate: one native call per prompt and
// choice, replies as text_completion objects and chunks. Cases follow ollama-api.md §2.2, §3.1
// and §3.5 where they agree with DESIGN §4.

#include "ollama_proxy/openai/completions.hpp"

#include "openai_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using test::contains;
using test::IsInvalidRequest;
using test::kDone;
using test::sse_events;
using test::Step;
using test::StreamRun;
using test::thrown_api_error;
using test::with_null_usage;

const Envelope kEnvelope{"cmpl-fixed", 1700000000, "test-model"};

CompletionRequest translate(const std::string& body, const ModelDefaultsTable& defaults = {}) {
    return translate_completion_request(json::parse(body), defaults);
}

std::optional<ApiError> refusal(const std::string& body) {
    return thrown_api_error([&] { translate(body); });
}

// ==== request ===============================================================================

TEST(CompletionRequest, CompletionsHandler) {
    // "completions handler" (§3.5.1) and TestFromCompleteRequest_Basic (§3.1.4). Departs in
    // what is not sent: Ollama adds frequency_penalty 0, presence_penalty 0 and top_p 1.0,
    // overriding the Modelfile; unset fields are left to the model here.
    const CompletionRequest request = translate(R"({"model":"test-model","prompt":"Hello",
        "temperature":0.8,"stop":["\n","stop"],"suffix":"suffix"})");
    ASSERT_EQ(request.natives.size(), 1u);
    EXPECT_EQ(request.natives[0], json::parse(R"({"model":"test-model","prompt":"Hello",
        "options":{"temperature":0.8,"stop":["\n","stop"]},"suffix":"suffix","stream":false})"));
    EXPECT_EQ(request.echoes, std::vector<std::string>{""});
    EXPECT_EQ(request.model, "test-model");
    EXPECT_FALSE(request.stream);
    EXPECT_FALSE(request.include_usage);
}

TEST(CompletionRequest, CompletionsHandlerStreamWithUsage) {
    // "completions handler stream" and "... stream with usage" (§3.5.2, §3.5.3).
    const CompletionRequest stream =
        translate(R"({"model":"test-model","prompt":"Hello","stream":true})");
    EXPECT_EQ(stream.natives[0],
              json::parse(R"({"model":"test-model","prompt":"Hello","stream":true})"));
    EXPECT_TRUE(stream.stream);
    const CompletionRequest usage = translate(R"({"model":"test-model","prompt":"Hello",
        "stream":true,"stream_options":{"include_usage":true}})");
    EXPECT_EQ(usage.natives, stream.natives);
    EXPECT_TRUE(usage.include_usage);
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","prompt":"x",
        "stream_options":{"include_usage":true}})"),
                                 "stream_options", "invalid_value"));
}

TEST(CompletionRequest, ErrorForwardingForANonStringStop) {
    // "completions handler error forwarding" (§3.5.4): temperature null is absent, stop [1,2]
    // is a 400.
    EXPECT_TRUE(IsInvalidRequest(
        refusal(R"({"model":"test-model","prompt":"Hello","temperature":null,"stop":[1,2]})"),
        "stop", "invalid_type"));
}

TEST(CompletionRequest, SamplingAndSuffix) {
    const CompletionRequest request = translate(R"({"model":"m","prompt":"p","max_tokens":16,
        "seed":7,"top_p":0,"suffix":"","stop":"\n\n"})");
    // top_p 0 is kept (Ollama turns it into 1.0); an empty suffix is not sent.
    EXPECT_EQ(request.natives[0], json::parse(R"({"model":"m","prompt":"p","stream":false,
        "options":{"num_predict":16,"seed":7,"top_p":0.0,"stop":["\n\n"]}})"));
}

TEST(CompletionRequest, Logprobs) {
    // TestFromCompleteRequest_WithLogprobs (§3.1.10): logprobs N → logprobs + top_logprobs N.
    const json native = translate(R"({"model":"m","prompt":"p","logprobs":5})").natives[0];
    EXPECT_EQ(native["logprobs"], true);
    EXPECT_EQ(native["top_logprobs"], 5);
    EXPECT_FALSE(
        translate(R"({"model":"m","prompt":"p","logprobs":0})").natives[0].contains("logprobs"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","prompt":"p","logprobs":6})"), "logprobs",
                                 "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","prompt":"p","logprobs":true})"),
                                 "logprobs", "invalid_type"));
}

TEST(CompletionRequest, PromptArraysAndNMakeOneCallPerChoiceInPromptOrder) {
    // Departs from Ollama, which refuses a prompt array and ignores n (§2.2). OpenAI: the n
    // completions of each prompt together, in prompt order (openai-api.md §4).
    const CompletionRequest request =
        translate(R"({"model":"m","prompt":["a","b"],"n":2,"echo":true})");
    ASSERT_EQ(request.natives.size(), 4u);
    const char* prompts[] = {"a", "a", "b", "b"};
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(request.natives[i],
                  json({{"model", "m"}, {"prompt", prompts[i]}, {"stream", false}}))
            << i;
    }
    EXPECT_EQ(request.echoes, (std::vector<std::string>{"a", "a", "b", "b"}));
    EXPECT_EQ(request.per_prompt, 2u);
    // Without echo every choice starts empty.
    EXPECT_EQ(translate(R"({"model":"m","prompt":["a","b"]})").echoes,
              (std::vector<std::string>{"", ""}));
}

TEST(CompletionRequest, PromptErrors) {
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"model":"m"})"), "prompt", "missing_required_parameter"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"model":"m","prompt":[]})"), "prompt", "invalid_type"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","prompt":5})"), "prompt", "invalid_type"));
    // Token prompts cannot be sent to Ollama, which takes text.
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","prompt":[1,2,3]})"), "prompt",
                                 "unsupported_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","prompt":[[1,2]]})"), "prompt",
                                 "unsupported_value"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"prompt":"x"})"), "model", "missing_required_parameter"));
}

TEST(CompletionRequest, ChoiceLimits) {
    json body{{"model", "m"}, {"prompt", json(std::vector<std::string>(64, "p"))}, {"n", 2}};
    EXPECT_EQ(translate_completion_request(body, {}).natives.size(), 128u);
    body["n"] = 3;
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([&] { translate_completion_request(body, {}); }),
                                 "n", "invalid_value"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"model":"m","prompt":"p","n":0})"), "n", "invalid_value"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"model":"m","prompt":"p","n":129})"), "n", "invalid_value"));
}

TEST(CompletionRequest, WhatCannotBeHonouredIsRefused) {
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","prompt":"p","best_of":3})"), "best_of",
                                 "unsupported_parameter"));
    EXPECT_NO_THROW(translate(R"({"model":"m","prompt":"p","best_of":2,"n":2})"));
    EXPECT_NO_THROW(translate(R"({"model":"m","prompt":"p","best_of":1})"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","prompt":"p","best_of":21})"), "best_of",
                                 "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","prompt":"p","logit_bias":{"1":5}})"),
                                 "logit_bias", "unsupported_parameter"));
}

TEST(CompletionRequest, OllamaExtrasAndModelDefaults) {
    const ModelDefaultsTable defaults{{"*", {json::parse(R"({"num_ctx":4096})"), nullptr}}};
    const CompletionRequest request =
        translate(R"({"model":"m","prompt":"p","options":{"raw":1},"keep_alive":-1})", defaults);
    EXPECT_EQ(request.natives[0], json::parse(R"({"model":"m","prompt":"p","stream":false,
        "options":{"raw":1,"num_ctx":4096},"keep_alive":-1})"));
}

// ==== non-streaming reply ===================================================================

std::string complete(const std::vector<std::string>& replies,
                     const std::vector<std::string>& echoes) {
    std::vector<json> parsed;
    for (const auto& reply : replies)
        parsed.push_back(json::parse(reply));
    return text_completion(parsed, echoes, kEnvelope);
}

TEST(TextCompletion, OneChoiceWithUsage) {
    // §2.2: native thinking is dropped. `logprobs: null` is always there (required by OpenAI).
    const json out = json::parse(complete({R"({"model":"test-model","response":"Hi there",
        "thinking":"hmm","done":true,"done_reason":"stop","prompt_eval_count":5,
        "eval_count":7})"},
                                          {""}));
    EXPECT_EQ(out, json::parse(R"({"id":"cmpl-fixed","object":"text_completion",
        "created":1700000000,"model":"test-model","choices":[{"text":"Hi there","index":0,
        "logprobs":null,"finish_reason":"stop"}],
        "usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}})"));
}

TEST(TextCompletion, EchoLengthAndSeveralChoices) {
    const json out = json::parse(
        complete({R"({"response":" world","done":true,"done_reason":"length","eval_count":1})",
                  R"({"response":"!","done":true,"done_reason":"unload","eval_count":1})"},
                 {"Hello", "Hey"}));
    ASSERT_EQ(out["choices"].size(), 2u);
    EXPECT_EQ(out["choices"][0], json::parse(R"({"text":"Hello world","index":0,
        "logprobs":null,"finish_reason":"length"})"));
    // OpenAI's legacy finish_reason is stop, length or content_filter.
    EXPECT_EQ(out["choices"][1], json::parse(R"({"text":"Hey!","index":1,"logprobs":null,
        "finish_reason":"stop"})"));
    EXPECT_EQ(out["usage"]["completion_tokens"], 2);
}

TEST(TextCompletion, UsageCountsEachPromptOnceWhateverN) {
    // Two prompts with n = 2: four native calls, but each prompt's tokens count once (OpenAI
    // bills the prompt, not the number of samples), and every completion counts.
    std::vector<json> replies;
    for (const int prompt : {3, 3, 5, 5})
        replies.push_back(
            {{"response", "x"}, {"done", true}, {"prompt_eval_count", prompt}, {"eval_count", 1}});
    const json out = json::parse(text_completion(replies, {"", "", "", ""}, kEnvelope, 2));
    EXPECT_EQ(out["usage"], json::parse(R"({"prompt_tokens":8,"completion_tokens":4,
        "total_tokens":12})"));
}

TEST(TextCompletion, LegacyLogprobsOffsetsStartAfterTheEcho) {
    // Departs from Ollama, which never returns completion logprobs (§2.2).
    const json out = json::parse(complete({R"({"response":" there!","done":true,"logprobs":[
        {"token":" there","logprob":-0.3,"top_logprobs":[{"token":" there","logprob":-0.3},
                                                         {"token":" world","logprob":-1.5}]},
        {"token":"!","logprob":-0.1}]})"},
                                          {"Hello"}));
    EXPECT_EQ(out["choices"][0]["logprobs"], json::parse(R"({"tokens":[" there","!"],
        "token_logprobs":[-0.3,-0.1],"top_logprobs":[{" there":-0.3," world":-1.5},{}],
        "text_offset":[5,11]})"));
}

// ==== streaming reply =======================================================================

json chunk(const std::string& text, const json& finish = nullptr, std::size_t index = 0,
           const json& logprobs = nullptr) {
    json choice = json::object();
    choice["text"] = text;
    choice["index"] = index;
    choice["logprobs"] = logprobs;
    choice["finish_reason"] = finish;
    return test::stream_event(kEnvelope, "text_completion", choice);
}

json usage_chunk(int prompt, int completion) {
    return test::usage_event(kEnvelope, "text_completion", prompt, completion);
}

StreamRun run_completion(const std::vector<std::vector<std::string>>& choices,
                         bool include_usage = false, std::vector<std::string> echoes = {},
                         bool finish = true) {
    const auto stream = make_completion_stream(kEnvelope, include_usage, std::move(echoes));
    return test::run_lines(*stream, choices, finish);
}

TEST(CompletionStream, TextChunksThenAFinishChunkThenDone) {
    // §2.2: the done line gives the chunk with finish_reason and empty text. One `created`
    // for the whole stream (Ollama stamps each chunk with the time it was made).
    const StreamRun run = run_completion({{
        R"({"model":"test-model","created_at":"2023-11-14T22:13:20Z","response":"Hel",
            "done":false})",
        R"({"model":"test-model","created_at":"2023-11-14T22:13:21Z","response":"lo",
            "done":false})",
        R"({"model":"test-model","created_at":"2023-11-14T22:13:22Z","response":"",
            "done":true,"done_reason":"stop","prompt_eval_count":2,"eval_count":2})",
    }});
    EXPECT_EQ(run.steps, (std::vector<Step>{Step::more, Step::more, Step::choice_done}));
    const std::vector<json> expected{chunk("Hel"), chunk("lo"), chunk("", "stop"), kDone};
    EXPECT_EQ(sse_events(run.sse), expected);
}

TEST(CompletionStream, TextOnTheDoneLineComesBeforeTheFinishChunk) {
    const std::vector<json> events = sse_events(
        run_completion({{R"({"response":"end","done":true,"done_reason":"length"})"}}).sse);
    const std::vector<json> expected{chunk("end"), chunk("", "length"), kDone};
    EXPECT_EQ(events, expected);
}

TEST(CompletionStream, UsageChunkWithIncludeUsage) {
    // Departs from Ollama, which puts zero usage on every chunk (§2.2): OpenAI sends
    // "usage": null on them and the real usage on one last chunk with no choices.
    const std::vector<json> events =
        sse_events(run_completion({{R"({"response":"Hi","done":false})",
                                    R"({"response":"","done":true,"done_reason":"stop",
                             "prompt_eval_count":3,"eval_count":1})"}},
                                  true)
                       .sse);
    const std::vector<json> expected{with_null_usage(chunk("Hi")),
                                     with_null_usage(chunk("", "stop")), usage_chunk(3, 1), kDone};
    EXPECT_EQ(events, expected);
}

TEST(CompletionStream, EchoPrefixesTheFirstChunkOfEachChoice) {
    const StreamRun run =
        run_completion({{R"({"response":"","done":false})", R"({"response":" A","done":false})",
                         R"({"response":"","done":true,"done_reason":"stop","eval_count":1})"},
                        {R"({"response":" B","done":true,"done_reason":"stop","eval_count":1})"}},
                       true, {"Q1", "Q2"});
    const std::vector<json> expected{
        with_null_usage(chunk("Q1")),
        with_null_usage(chunk(" A")),
        with_null_usage(chunk("", "stop")),
        with_null_usage(chunk("Q2 B", nullptr, 1)),
        with_null_usage(chunk("", "stop", 1)),
        usage_chunk(0, 2),
        kDone,
    };
    EXPECT_EQ(sse_events(run.sse), expected);
}

TEST(CompletionStream, LogprobsOffsetsCountTheEchoedPrompt) {
    // The first chunk's text is the echo plus the response, so its text_offset starts after the
    // echo, as in the non-streaming reply (LegacyLogprobsOffsetsStartAfterTheEcho).
    const std::vector<json> events =
        sse_events(run_completion({{R"({"response":" there","done":false,"logprobs":[
                             {"token":" there","logprob":-0.3}]})",
                                    R"({"response":"!","done":true,"done_reason":"stop","logprobs":[
                             {"token":"!","logprob":-0.1}]})"}},
                                  false, {"Hello"})
                       .sse);
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[0], chunk("Hello there", nullptr, 0, json::parse(R"({"tokens":[" there"],
        "token_logprobs":[-0.3],"top_logprobs":[{}],"text_offset":[5]})")));
    EXPECT_EQ(events[1], chunk("!", nullptr, 0, json::parse(R"({"tokens":["!"],
        "token_logprobs":[-0.1],"top_logprobs":[{}],"text_offset":[11]})")));
    EXPECT_EQ(events[2], chunk("", "stop"));
}

TEST(CompletionStream, LogprobsOffsetsWithoutEchoAdvanceWithTheText) {
    const std::vector<json> events = sse_events(
        run_completion({{R"({"response":"ab","done":false,"logprobs":[{"token":"a","logprob":-1},
                             {"token":"b","logprob":-2,"top_logprobs":[{"token":"b","logprob":-2},
                             {"token":"c","logprob":-3}]}]})",
                         R"({"response":"c","done":false,"logprobs":[
                             {"token":"c","logprob":-0.5}]})"}},
                       false, {}, false)
            .sse);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0]["choices"][0]["logprobs"], json::parse(R"({"tokens":["a","b"],
        "token_logprobs":[-1.0,-2.0],"top_logprobs":[{},{"b":-2.0,"c":-3.0}],
        "text_offset":[0,1]})"));
    EXPECT_EQ(events[1]["choices"][0]["logprobs"]["text_offset"], json::parse("[2]"));
}

TEST(CompletionStream, MidStreamErrorLineBecomesAnErrorEventAndNoDone) {
    // Departs from Ollama, which sends an empty text chunk with "model":"" (§2.0).
    const StreamRun run =
        run_completion({{R"({"response":"a","done":false})", R"({"error":"out of memory"})"}});
    EXPECT_EQ(run.steps, (std::vector<Step>{Step::more, Step::failed}));
    const std::vector<json> expected{
        chunk("a"),
        json::parse(R"({"error":{"message":"remote Ollama failed during generation: out of )"
                    R"(memory","type":"server_error","param":null,"code":null}})"),
    };
    EXPECT_EQ(sse_events(run.sse), expected);
    EXPECT_FALSE(contains(run.sse, "[DONE]"));

    const StreamRun garbage = run_completion({{"<html>"}});
    EXPECT_EQ(garbage.steps, std::vector<Step>{Step::failed});
    EXPECT_EQ(sse_events(garbage.sse),
              std::vector<json>{json::parse(R"({"error":{"message":"remote Ollama sent a stream )"
                                            R"(line that is not valid JSON","type":"server_error",)"
                                            R"("param":null,"code":null}})")});
}

TEST(CompletionStream, ReadBoundariesDoNotChangeTheOutput) {
    // "na\xC3\xAFve \xE2\x80\x94 \xF0\x9F\xA6\x99": 2-, 3- and 4-byte characters to cut through.
    const std::string body =
        "{\"response\":\"na\xC3\xAFve \",\"done\":false}\r\n"
        "{\"response\":\"\xE2\x80\x94 \xF0\x9F\xA6\x99\",\"done\":false}\n"
        "{\"response\":\"\",\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":4,"
        "\"eval_count\":2}\n";
    const StreamRun reference = run_completion(
        {{"{\"response\":\"na\xC3\xAFve \",\"done\":false}",
          "{\"response\":\"\xE2\x80\x94 \xF0\x9F\xA6\x99\",\"done\":false}",
          "{\"response\":\"\",\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":4,"
          "\"eval_count\":2}"}},
        true, {"Q: "});
    const std::vector<json> expected{
        with_null_usage(chunk("Q: na\xC3\xAFve ")),
        with_null_usage(chunk("\xE2\x80\x94 \xF0\x9F\xA6\x99")),
        with_null_usage(chunk("", "stop")),
        usage_chunk(4, 2),
        kDone,
    };
    EXPECT_EQ(sse_events(reference.sse), expected);
    for (const auto& reads : test::read_patterns(body)) {
        const auto stream = make_completion_stream(kEnvelope, true, {"Q: "});
        ASSERT_EQ(test::run_reads(*stream, reads), reference.sse)
            << "first read of " << reads.front().size() << " bytes, " << reads.size() << " reads";
    }
}

}  // namespace
}  // namespace ollama_proxy::openai
