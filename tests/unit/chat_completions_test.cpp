// POST /v1/chat/completions, the reply half: native replies as one chat.completion (the streamed
// chunks are in chat_stream_test.cpp). Cases follow Ollama's own tests (ollama-api.md
// §3.1, §3.3) where they agree with DESIGN §4; where we follow OpenAI instead, the comment says
// which case we depart from and why. The request half is in chat_request_test.cpp.

#include "ollama_proxy/openai/chat_completions.hpp"

#include "openai_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ollama_proxy::openai {
namespace {

using namespace std::string_literals;

using nlohmann::json;
using test::contains;
using test::kDone;
using test::sse_events;
using test::Step;
using test::StreamRun;
using test::with_null_usage;

constexpr std::uint64_t kSeed = 20240501;
const Envelope kEnvelope{"chatcmpl-fixed", 1700000000, "test-model"};

// ==== non-streaming reply ===================================================================

std::string complete(const std::vector<std::string>& replies) {
    std::vector<json> parsed;
    for (const auto& reply : replies)
        parsed.push_back(json::parse(reply));
    IdSource ids(kSeed);
    return chat_completion(parsed, kEnvelope, ids);
}

TEST(ChatCompletion, TextIsEscapedExactlyInRepliesAndChunks) {
    // Replies and chunks are written as text, not through a JSON tree: every character that
    // JSON must escape survives the round trip, and UTF-8 passes unchanged.
    const std::string text =
        "quote \" backslash \\ newline \n tab \t bell \x07 nul "s + '\0' + " é 😀 </script>";
    const json native{{"message", {{"role", "assistant"}, {"content", text}, {"thinking", text}}},
                      {"done", true},
                      {"done_reason", "stop"}};
    const json out = json::parse(complete({native.dump()}));
    EXPECT_EQ(out["choices"][0]["message"]["content"], text);
    EXPECT_EQ(out["choices"][0]["message"]["reasoning_content"], text);

    IdSource ids(kSeed);
    const auto stream = make_chat_stream(kEnvelope, false, ids);
    stream->begin_choice(0);
    std::string sse;
    stream->on_line(native.dump(), sse);
    const std::string first = sse.substr(6, sse.find("\n\n") - 6);
    EXPECT_EQ(json::parse(first)["choices"][0]["delta"]["content"], text);
    EXPECT_EQ(json::parse(first)["choices"][0]["delta"]["reasoning"], text);
}

TEST(ChatCompletion, TextReplyWithUsage) {
    // TestToUsage (§3.1.5): 10 + 20 = 30. `created` is the proxy's clock, not the native
    // created_at (Ollama uses created_at, §3.1.26); `refusal` and `logprobs` are always there
    // because OpenAI's schema requires them (Ollama omits logprobs, §3.1.13).
    const std::string reply = R"({"model":"test-model","created_at":"2009-02-13T23:31:30Z",
        "message":{"role":"assistant","content":"Hello there"},"done":true,
        "done_reason":"stop","prompt_eval_count":10,"eval_count":20})";
    EXPECT_EQ(json::parse(complete({reply})), json::parse(R"({"id":"chatcmpl-fixed",
        "object":"chat.completion","created":1700000000,"model":"test-model",
        "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there",
            "refusal":null},"logprobs":null,"finish_reason":"stop"}],
        "usage":{"prompt_tokens":10,"completion_tokens":20,"total_tokens":30}})"));
}

TEST(ChatCompletion, ThinkingIsBothReasoningContentAndReasoning) {
    // Ollama names it `reasoning` only (§2.1); reasoning_content is what DeepSeek-style clients
    // read. Both carry the same text.
    const json out = json::parse(complete({R"({"message":{"role":"assistant","content":"42",
        "thinking":"Let me think."},"done":true,"done_reason":"stop"})"}));
    EXPECT_EQ(out["choices"][0]["message"], json::parse(R"({"role":"assistant","content":"42",
        "refusal":null,"reasoning_content":"Let me think.","reasoning":"Let me think."})"));
    EXPECT_EQ(out["usage"], json::parse(R"({"prompt_tokens":0,"completion_tokens":0,
                                            "total_tokens":0})"));
}

TEST(ChatCompletion, ToolCallsKeepTheirIds) {
    // TestToToolCallsPreservesIDs (§3.1.7), except that non-streaming tool calls carry no
    // `index` (it is a streaming field in OpenAI's schema) and content is null, as OpenAI sends
    // with tool calls (Ollama sends "").
    const json out = json::parse(complete({R"({"message":{"role":"assistant","content":"",
        "tool_calls":[
          {"id":"call_abc123","function":{"index":2,"name":"get_weather",
                                          "arguments":{"location":"Seattle"}}},
          {"id":"call_def456","function":{"index":7,"name":"get_time",
                                          "arguments":{"timezone":"UTC"}}}]},
        "done":true,"done_reason":"stop"})"}));
    EXPECT_EQ(out["choices"][0], json::parse(R"({"index":0,"message":{"role":"assistant",
        "content":null,"refusal":null,"tool_calls":[
          {"id":"call_abc123","type":"function","function":{"name":"get_weather",
            "arguments":"{\"location\":\"Seattle\"}"}},
          {"id":"call_def456","type":"function","function":{"name":"get_time",
            "arguments":"{\"timezone\":\"UTC\"}"}}]},
        "logprobs":null,"finish_reason":"tool_calls"})"));
}

TEST(ChatCompletion, ToolCallsWithContentKeepTheContent) {
    const json out = json::parse(complete({R"({"message":{"role":"assistant",
        "content":"Checking.","tool_calls":[{"function":{"name":"f","arguments":{}}}]},
        "done":true,"done_reason":"stop"})"}));
    EXPECT_EQ(out["choices"][0]["message"]["content"], "Checking.");
    EXPECT_EQ(out["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], "{}");
}

TEST(ChatCompletion, ToolCallsWithoutOrWithDuplicateIdsGetFreshOnes) {
    const json out = json::parse(complete({R"({"message":{"role":"assistant","content":"",
        "tool_calls":[{"function":{"name":"a","arguments":{"x":1}}},
                      {"id":"same","function":{"name":"b"}},
                      {"id":"same","function":{"name":"c","arguments":"{\"raw\":true}"}}]},
        "done":true})"}));
    const json& calls = out["choices"][0]["message"]["tool_calls"];
    ASSERT_EQ(calls.size(), 3u);
    EXPECT_EQ(calls[0]["id"], test::nth_id(kSeed, "call_", 0));
    EXPECT_EQ(calls[0]["id"].get<std::string>().size(), 5u + 24u);
    EXPECT_EQ(calls[1]["id"], "same");
    EXPECT_EQ(calls[2]["id"], test::nth_id(kSeed, "call_", 1));
    EXPECT_EQ(calls[0]["function"]["arguments"], R"({"x":1})");
    EXPECT_EQ(calls[1]["function"]["arguments"], "{}");
    // Arguments the remote already sent as text are passed as they are.
    EXPECT_EQ(calls[2]["function"]["arguments"], R"({"raw":true})");
}

TEST(ChatCompletion, FinishReasonPrecedence) {
    // TestToChatCompletion_FinishReasonPrecedence (§3.1.25): length beats tool calls, stop with
    // tool calls is tool_calls. Departs on "unload": OpenAI's finish_reason is one of stop,
    // length, tool_calls, content_filter, so other native reasons count as a normal end.
    const std::pair<const char*, const char*> cases[] = {
        {"length", "length"}, {"stop", "tool_calls"}, {"unload", "tool_calls"}, {"", "tool_calls"}};
    for (const auto& [native, expected] : cases) {
        json reply = json::parse(R"({"message":{"role":"assistant","content":"",
            "tool_calls":[{"id":"call_1","function":{"name":"f","arguments":{}}}]},"done":true})");
        reply["done_reason"] = native;
        IdSource ids(kSeed);
        const json out = json::parse(chat_completion(std::vector<json>(1, reply), kEnvelope, ids));
        EXPECT_EQ(out["choices"][0]["finish_reason"], expected) << native;
    }
    EXPECT_EQ(json::parse(complete({R"({"message":{"content":"x"},"done":true,
        "done_reason":"unload"})"}))["choices"][0]["finish_reason"],
              "stop");
    EXPECT_EQ(json::parse(complete({R"({"message":{"content":"x"},"done":true,
        "done_reason":"length"})"}))["choices"][0]["finish_reason"],
              "length");
}

TEST(ChatCompletion, Logprobs) {
    // TestToChatCompletion_WithLogprobs (§3.1.12), in OpenAI's TokenLogprob shape: `bytes` null
    // when the remote sent none, `refusal` null.
    const json out = json::parse(complete({R"({"message":{"role":"assistant",
        "content":"Hello there"},"done":true,"done_reason":"stop","logprobs":[
          {"token":"Hello","logprob":-0.5,"bytes":[72,101,108,108,111],
           "top_logprobs":[{"token":"Hello","logprob":-0.5},{"token":"Hi","logprob":-1.2}]},
          {"token":" there","logprob":-0.3,
           "top_logprobs":[{"token":" there","logprob":-0.3},
                           {"token":" world","logprob":-1.5}]}]})"}));
    EXPECT_EQ(out["choices"][0]["logprobs"], json::parse(R"({"content":[
        {"token":"Hello","logprob":-0.5,"bytes":[72,101,108,108,111],"top_logprobs":[
            {"token":"Hello","logprob":-0.5,"bytes":null},
            {"token":"Hi","logprob":-1.2,"bytes":null}]},
        {"token":" there","logprob":-0.3,"bytes":null,"top_logprobs":[
            {"token":" there","logprob":-0.3,"bytes":null},
            {"token":" world","logprob":-1.5,"bytes":null}]}],"refusal":null})"));
}

TEST(ChatCompletion, SeveralChoicesAreIndexedAndTheirUsageAdded) {
    // n > 1 is one native call per choice; the choices share one prompt, which OpenAI counts
    // once, while every choice's completion tokens count.
    const json out =
        json::parse(complete({R"({"message":{"content":"A"},"done":true,"done_reason":"stop",
             "prompt_eval_count":10,"eval_count":1})",
                              R"({"message":{"content":"B"},"done":true,"done_reason":"length",
             "prompt_eval_count":10,"eval_count":2})"}));
    ASSERT_EQ(out["choices"].size(), 2u);
    EXPECT_EQ(out["choices"][0]["index"], 0);
    EXPECT_EQ(out["choices"][0]["message"]["content"], "A");
    EXPECT_EQ(out["choices"][1]["index"], 1);
    EXPECT_EQ(out["choices"][1]["message"]["content"], "B");
    EXPECT_EQ(out["choices"][1]["finish_reason"], "length");
    EXPECT_EQ(out["usage"], json::parse(R"({"prompt_tokens":10,"completion_tokens":3,
                                            "total_tokens":13})"));
}

}  // namespace
}  // namespace ollama_proxy::openai
