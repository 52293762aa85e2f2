// POST /v1/chat/completions, streamed: native NDJSON lines as chat.completion.chunk events (the
// whole-reply half is in chat_completions_test.cpp). Cases follow Ollama's own tests (ollama-api.md
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

// ==== streaming reply =======================================================================

// The chunk every stream event but the usage one is: one choice with `delta`.
json chunk(const json& delta, const json& finish = nullptr, std::size_t index = 0,
           const json& logprobs = nullptr) {
    json choice = json::object();
    choice["index"] = index;
    choice["delta"] = delta;
    choice["logprobs"] = logprobs;
    choice["finish_reason"] = finish;
    return test::stream_event(kEnvelope, "chat.completion.chunk", choice);
}

json usage_chunk(int prompt, int completion) {
    return test::usage_event(kEnvelope, "chat.completion.chunk", prompt, completion);
}

StreamRun run_chat(const std::vector<std::vector<std::string>>& choices, bool include_usage = false,
                   bool finish = true) {
    IdSource ids(kSeed);
    const auto stream = make_chat_stream(kEnvelope, include_usage, ids);
    return test::run_lines(*stream, choices, finish);
}

std::vector<json> chat_events(const std::vector<std::string>& lines, bool include_usage = false,
                              bool finish = true) {
    return sse_events(run_chat({lines}, include_usage, finish).sse);
}

const json kRoleText = json::parse(R"({"role":"assistant","content":""})");

TEST(ChatStream, MixedThinkingAndContentIsOneChunk) {
    // StreamMixedThinkingAndContentEmitsSplitChunks (§3.3.1, also §3.1.14) expects 5 frames, the
    // reasoning split from the content. We send 4: OpenAI has no reasoning field, and the
    // reasoning_content convention (DeepSeek, vLLM) allows both in one delta; nothing is gained
    // by splitting. Finish, usage and [DONE] are as in Ollama's case.
    const std::vector<json> events =
        chat_events({R"({"model":"test-model","created_at":"2023-11-14T22:13:20Z","message":{
             "role":"assistant","content":"final answer","thinking":"reasoning"},"done":true,
             "done_reason":"stop","prompt_eval_count":3,"eval_count":2})"},
                    true);
    const std::vector<json> expected{
        with_null_usage(chunk(json::parse(R"({"role":"assistant","content":"final answer",
            "reasoning_content":"reasoning","reasoning":"reasoning"})"))),
        with_null_usage(chunk(json::object(), "stop")),
        usage_chunk(3, 2),
        kDone,
    };
    EXPECT_EQ(events, expected);
}

TEST(ChatStream, SingleChunkPathStillEmitsOneChunk) {
    // StreamSingleChunkPathStillEmitsOneChunk (§3.3.2): 3 frames, and without include_usage no
    // chunk has a usage key at all.
    const std::vector<json> events =
        chat_events({R"({"message":{"role":"assistant","content":"single chunk"},"done":true,
                         "done_reason":"stop"})"});
    const std::vector<json> expected{
        chunk(json::parse(R"({"role":"assistant","content":"single chunk"})")),
        chunk(json::object(), "stop"),
        kDone,
    };
    EXPECT_EQ(events, expected);
}

TEST(ChatStream, MixedThinkingAndToolCallsWithoutDone) {
    // StreamMixedThinkingAndToolCallsWithoutDoneEmitsChunksOnly (§3.3.3, also §3.1.15/17): no
    // finish and no [DONE] before the done line. One chunk rather than two (see above); content is
    // null before tool calls, as in OpenAI's stream.
    const StreamRun run = run_chat(
        {{R"({"message":{"role":"assistant","content":"","thinking":"reasoning","tool_calls":[
              {"id":"call_234","function":{"index":0,"name":"get_weather",
               "arguments":{"location":"Portland"}}}]},"done":false})"}},
        true, false);
    EXPECT_EQ(run.steps, std::vector<Step>{Step::more});
    const std::vector<json> expected{with_null_usage(chunk(json::parse(R"({"role":"assistant",
        "content":null,"reasoning_content":"reasoning","reasoning":"reasoning","tool_calls":[
          {"index":0,"id":"call_234","type":"function","function":{"name":"get_weather",
           "arguments":"{\"location\":\"Portland\"}"}}]})")))};
    EXPECT_EQ(sse_events(run.sse), expected);
}

TEST(ChatStream, MixedThinkingAndToolCallsWithDone) {
    // TestToStreamChunks_SplitsThinkingAndToolCalls (§3.1.15): Ollama's two chunks are one here
    // (see MixedThinkingAndContentIsOneChunk); the finish chunk then says tool_calls.
    const std::vector<json> events = chat_events({R"({"message":{"role":"assistant","content":"",
        "thinking":"need a tool","tool_calls":[{"id":"call_123","function":{"name":"get_weather",
        "arguments":{"location":"Seattle"}}}]},"done":true,"done_reason":"stop"})"});
    const std::vector<json> expected{
        chunk(json::parse(R"({"role":"assistant","content":null,"reasoning_content":"need a tool",
            "reasoning":"need a tool","tool_calls":[{"index":0,"id":"call_123","type":"function",
            "function":{"name":"get_weather","arguments":"{\"location\":\"Seattle\"}"}}]})")),
        chunk(json::object(), "tool_calls"),
        kDone,
    };
    EXPECT_EQ(events, expected);
}

TEST(ChatStream, MixedThinkingAndContentWithoutDone) {
    // StreamMixedThinkingAndContentWithoutDoneEmitsChunksOnly (§3.3.4, also §3.1.18).
    const StreamRun run = run_chat({{R"({"message":{"role":"assistant",
        "content":"partial content","thinking":"thinking"},"done":false})"}},
                                   false, false);
    EXPECT_EQ(run.steps, std::vector<Step>{Step::more});
    const std::vector<json> expected{chunk(json::parse(R"({"role":"assistant",
        "content":"partial content","reasoning_content":"thinking","reasoning":"thinking"})"))};
    EXPECT_EQ(sse_events(run.sse), expected);
}

TEST(ChatStream, RoleOnlyOnFirstChunk) {
    // StreamRoleOnlyOnFirstChunk (§3.3.5, also §3.1.22/23): 5 frames.
    const StreamRun run = run_chat({{
        R"({"message":{"role":"assistant","content":"Hello"},"done":false})",
        R"({"message":{"role":"assistant","content":" world"},"done":false})",
        R"({"message":{"role":"assistant","content":"!"},"done":true,"done_reason":"stop"})",
    }});
    EXPECT_EQ(run.steps, (std::vector<Step>{Step::more, Step::more, Step::choice_done}));
    const std::vector<json> expected{
        chunk(json::parse(R"({"role":"assistant","content":"Hello"})")),
        chunk(json::parse(R"({"content":" world"})")),
        chunk(json::parse(R"({"content":"!"})")),
        chunk(json::object(), "stop"),
        kDone,
    };
    EXPECT_EQ(sse_events(run.sse), expected);
}

TEST(ChatStream, SharesOneIdAndOneTimestamp) {
    // StreamSharesOneTimestamp (§3.3.6): created_at moves, `created` does not; the empty done
    // trailer makes no content chunk. `created` is the envelope's (the proxy's clock), not the
    // first created_at as in Ollama.
    const std::vector<json> events = chat_events({
        R"({"created_at":"2023-11-14T22:13:20Z","message":{"content":"Hello"},"done":false})",
        R"({"created_at":"2023-11-14T22:13:30Z","message":{"content":" world"},"done":false})",
        R"({"created_at":"2023-11-14T22:13:40Z","message":{"content":""},"done":true,
            "done_reason":"stop"})",
    });
    ASSERT_EQ(events.size(), 4u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(events[i]["created"], 1700000000) << i;
        EXPECT_EQ(events[i]["id"], "chatcmpl-fixed") << i;
        EXPECT_EQ(events[i]["model"], "test-model") << i;
        EXPECT_EQ(events[i]["object"], "chat.completion.chunk") << i;
    }
    EXPECT_EQ(events[2], chunk(json::object(), "stop"));
    EXPECT_EQ(events[3], kDone);
}

TEST(ChatStream, FinishReasonLength) {
    // StreamFinishReasonLength (§3.3.7).
    const std::vector<json> events =
        chat_events({R"({"message":{"content":"partial"},"done":true,"done_reason":"length"})"});
    const std::vector<json> expected{
        chunk(json::parse(R"({"role":"assistant","content":"partial"})")),
        chunk(json::object(), "length"),
        kDone,
    };
    EXPECT_EQ(events, expected);
}

TEST(ChatStream, ToolCallsFinishReason) {
    // StreamToolCallsFinishReason (§3.3.8): the whole call in one delta, then "tool_calls".
    const std::vector<json> events = chat_events({R"({"message":{"role":"assistant","content":"",
        "tool_calls":[{"id":"call_abc","function":{"index":0,"name":"get_weather",
                                                    "arguments":{"city":"Paris"}}}]},
        "done":true,"done_reason":"stop"})"});
    const std::vector<json> expected{
        chunk(json::parse(R"({"role":"assistant","content":null,"tool_calls":[{"index":0,
            "id":"call_abc","type":"function","function":{"name":"get_weather",
            "arguments":"{\"city\":\"Paris\"}"}}]})")),
        chunk(json::object(), "tool_calls"),
        kDone,
    };
    EXPECT_EQ(events, expected);
}

TEST(ChatStream, MetricsTrailerSkipsEmptyContentChunk) {
    // StreamMetricsTrailerSkipsEmptyContentChunk (§3.3.9): 4 frames, no delta {"content":""}.
    const std::vector<json> events = chat_events(
        {R"({"message":{"role":"assistant","content":"Hi"},"done":false})",
         R"({"message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",
             "total_duration":123,"prompt_eval_count":3,"eval_count":1})"},
        true);
    const std::vector<json> expected{
        with_null_usage(chunk(json::parse(R"({"role":"assistant","content":"Hi"})"))),
        with_null_usage(chunk(json::object(), "stop")),
        usage_chunk(3, 1),
        kDone,
    };
    EXPECT_EQ(events, expected);
}

TEST(ChatStream, DoneWithLogprobsIsNotATrailer) {
    // StreamDoneWithLogprobsNotTreatedAsTrailer (§3.3.10): 4 frames, the logprobs in their own.
    const std::vector<json> events =
        chat_events({R"({"message":{"content":"Hi"},"done":false})",
                     R"({"message":{"content":""},"done":true,"done_reason":"stop",
             "logprobs":[{"token":"Hi","logprob":-0.1}]})"});
    const json logprobs = json::parse(R"({"content":[{"token":"Hi","logprob":-0.1,
        "bytes":null,"top_logprobs":[]}],"refusal":null})");
    const std::vector<json> expected{
        chunk(json::parse(R"({"role":"assistant","content":"Hi"})")),
        chunk(json::object(), nullptr, 0, logprobs),
        chunk(json::object(), "stop"),
        kDone,
    };
    EXPECT_EQ(events, expected);
}

TEST(ChatStream, LogprobsRideOnTheirContentChunk) {
    // §3.1.19 puts logprobs on the first of the split chunks; unsplit, they sit on the one chunk.
    const std::vector<json> events = chat_events({R"({"message":{"content":"tok",
        "thinking":"hm"},"done":false,"logprobs":[{"token":"tok","logprob":-0.25,
        "bytes":[116,111,107],"top_logprobs":[{"token":"tok","logprob":-0.25}]}]})"},
                                                 false, false);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0]["choices"][0]["logprobs"], json::parse(R"({"content":[{"token":"tok",
        "logprob":-0.25,"bytes":[116,111,107],"top_logprobs":[
          {"token":"tok","logprob":-0.25,"bytes":null}]}],"refusal":null})"));
}

TEST(ChatStream, EmptyCompletionStillEmitsRoleChunk) {
    // StreamEmptyCompletionStillEmitsRoleChunk (§3.3.11, also §3.1.24).
    const std::vector<json> events =
        chat_events({R"({"message":{"role":"assistant","content":""},"done":true,
                         "done_reason":"stop"})"});
    const std::vector<json> expected{chunk(kRoleText), chunk(json::object(), "stop"), kDone};
    EXPECT_EQ(events, expected);
}

TEST(ChatStream, ThinkingOnlyFirstChunkCarriesAnEmptyContent) {
    const std::vector<json> events =
        chat_events({R"({"message":{"content":"","thinking":"hmm"},"done":false})"}, false, false);
    const std::vector<json> expected{chunk(json::parse(R"({"role":"assistant","content":"",
        "reasoning_content":"hmm","reasoning":"hmm"})"))};
    EXPECT_EQ(events, expected);
}

TEST(ChatStream, FinishChunkReasons) {
    // TestFinishChunk (§3.1.20) and TestFinishChunk_JSONDeltaEmpty (§3.1.21): the finish delta is
    // always {}. Departs on "unload": OpenAI's enum has no such reason, so it ends normally
    // (stop, or tool_calls when tools were called).
    struct Case {
        const char* done_reason;
        bool tools;
        const char* expected;
    };
    const Case cases[] = {
        {"stop", false, "stop"},        {"length", false, "length"}, {"stop", true, "tool_calls"},
        {"length", true, "length"},     {"", false, "stop"},         {"unload", false, "stop"},
        {"unload", true, "tool_calls"},
    };
    for (const Case& c : cases) {
        json line = json::parse(R"({"message":{"role":"assistant","content":""},"done":true})");
        line["done_reason"] = c.done_reason;
        if (c.tools)
            line["message"]["tool_calls"] =
                json::parse(R"([{"id":"call_1","function":{"name":"f","arguments":{}}}])");
        const std::vector<json> events = chat_events({line.dump()});
        ASSERT_EQ(events.size(), 3u) << c.done_reason;
        EXPECT_EQ(events[1], chunk(json::object(), c.expected))
            << c.done_reason << " tools=" << c.tools;
    }
}

TEST(ChatStream, ToolCallsAcrossLinesAreNumberedPerChoice) {
    // OpenAI's streaming index is the call's position in the choice (0, 1, ...); Ollama copies
    // the native function.index. A call without an id gets a fresh call_ id from the source.
    const std::vector<json> events = chat_events({
        R"({"message":{"content":"","tool_calls":[{"function":{"index":5,"name":"a",
            "arguments":{"q":1}}}]},"done":false})",
        R"({"message":{"content":"","tool_calls":[{"id":"call_given","function":{"index":9,
            "name":"b","arguments":{}}}]},"done":false})",
        R"({"message":{"content":""},"done":true,"done_reason":"stop"})",
    });
    ASSERT_EQ(events.size(), 4u);
    const json first = events[0]["choices"][0]["delta"]["tool_calls"];
    const json second = events[1]["choices"][0]["delta"]["tool_calls"];
    EXPECT_EQ(first, json::parse(R"([{"index":0,"id":")" + test::nth_id(kSeed, "call_") +
                                 R"(","type":"function","function":{"name":"a",
                                 "arguments":"{\"q\":1}"}}])"));
    EXPECT_EQ(second, json::parse(R"([{"index":1,"id":"call_given","type":"function",
                                  "function":{"name":"b","arguments":"{}"}}])"));
    EXPECT_EQ(events[1]["choices"][0]["delta"].contains("role"), false);
    EXPECT_EQ(events[2], chunk(json::object(), "tool_calls"));
}

TEST(ChatStream, SeveralChoicesRunOneAfterTheOther) {
    // n = 2: each choice has its own role chunk, tool-call numbering and finish; the usage chunk
    // counts the shared prompt once and both completions, and one [DONE] ends the stream.
    const StreamRun run = run_chat(
        {{R"({"message":{"content":"","tool_calls":[{"function":{"name":"f"}}]},"done":false})",
          R"({"message":{"content":""},"done":true,"done_reason":"stop",
              "prompt_eval_count":5,"eval_count":2})"},
         {R"({"message":{"content":"B"},"done":true,"done_reason":"length",
              "prompt_eval_count":5,"eval_count":3})"}},
        true);
    EXPECT_EQ(run.steps, (std::vector<Step>{Step::more, Step::choice_done, Step::choice_done}));
    const std::vector<json> events = sse_events(run.sse);
    ASSERT_EQ(events.size(), 6u);
    EXPECT_EQ(events[0]["choices"][0]["index"], 0);
    EXPECT_EQ(events[0]["choices"][0]["delta"]["tool_calls"][0]["index"], 0);
    EXPECT_EQ(events[1], with_null_usage(chunk(json::object(), "tool_calls", 0)));
    EXPECT_EQ(events[2], with_null_usage(chunk(json::parse(R"({"role":"assistant","content":"B"})"),
                                               nullptr, 1)));
    // The second choice called no tool: its own finish reason.
    EXPECT_EQ(events[3], with_null_usage(chunk(json::object(), "length", 1)));
    EXPECT_EQ(events[4], usage_chunk(5, 5));
    EXPECT_EQ(events[5], kDone);
}

TEST(ChatStream, FramingIsDataLinesEndingWithDone) {
    const StreamRun run =
        run_chat({{R"({"message":{"content":"a"},"done":false})",
                   R"({"message":{"content":"b"},"done":true,"done_reason":"stop"})"}},
                 true);
    // Exact framing: data: lines only (no event: names, which break older node SDKs), each
    // followed by a blank line, and the terminator last.
    EXPECT_FALSE(contains(run.sse, "event:"));
    EXPECT_EQ(run.sse.rfind("data: ", 0), 0u);
    const std::string done = "data: [DONE]\n\n";
    ASSERT_GE(run.sse.size(), done.size());
    EXPECT_EQ(run.sse.substr(run.sse.size() - done.size()), done);
    EXPECT_EQ(run.sse.find("[DONE]"), run.sse.size() - done.size() + 6);
    EXPECT_EQ(sse_events(run.sse).size(), 5u);
}

TEST(ChatStream, MidStreamErrorLineBecomesAnErrorEventAndNoDone) {
    // Departs from Ollama, which turns the error line into an empty chunk and stops without
    // [DONE] (§2.0): every SDK raises on data: {"error":{...}} (openai-api.md §2.3), and
    // DESIGN §4 wants a failure never to look like a clean finish.
    const StreamRun run = run_chat({{
        R"({"message":{"content":"Hel"},"done":false})",
        R"({"error":"model runner has unexpectedly stopped"})",
        R"({"message":{"content":"never"},"done":true})",
    }});
    EXPECT_EQ(run.steps, (std::vector<Step>{Step::more, Step::failed}));
    const std::vector<json> events = sse_events(run.sse);
    const std::vector<json> expected{
        chunk(json::parse(R"({"role":"assistant","content":"Hel"})")),
        json::parse(R"({"error":{"message":"remote Ollama failed during generation: model )"
                    R"(runner has unexpectedly stopped","type":"server_error","param":null,)"
                    R"("code":null}})"),
    };
    EXPECT_EQ(events, expected);
    EXPECT_FALSE(contains(run.sse, "[DONE]"));
}

TEST(ChatStream, UnreadableOrTooDeepLinesFailTheStream) {
    const std::string deep =
        R"({"message":)" + std::string(5000, '[') + std::string(5000, ']') + "}";
    for (const std::string& line : {std::string("not json"), std::string("[1,2]"), deep}) {
        const StreamRun run = run_chat({{line}});
        EXPECT_EQ(run.steps, std::vector<Step>{Step::failed});
        const std::vector<json> events = sse_events(run.sse);
        ASSERT_EQ(events.size(), 1u);
        EXPECT_EQ(events[0], json::parse(R"({"error":{"message":
            "remote Ollama sent a stream line that is not valid JSON","type":"server_error",
            "param":null,"code":null}})"));
    }
}

TEST(ChatStream, FailAppendsTheErrorEvent) {
    IdSource ids(kSeed);
    const auto stream = make_chat_stream(kEnvelope, true, ids);
    std::string sse;
    stream->begin_choice(0);
    stream->on_line(R"({"message":{"content":"a"},"done":false})", sse);
    stream->fail(error_with_status(504, "remote Ollama went silent for 300 seconds", "timeout"),
                 sse);
    const std::vector<json> events = sse_events(sse);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1], json::parse(R"({"error":{"message":
        "remote Ollama went silent for 300 seconds","type":"timeout","param":null,"code":null}})"));
}

// Native lines with multi-byte UTF-8 (2, 3 and 4 bytes), a CRLF line end and tool calls.
const std::string kSplitBody =
    "{\"model\":\"test-model\",\"message\":{\"role\":\"assistant\",\"content\":\"\","
    "\"thinking\":\"\xC3\xBC"
    "ber \xF0\x9F\xA6\x99\"},\"done\":false}\r\n"
    "{\"model\":\"test-model\",\"message\":{\"role\":\"assistant\","
    "\"content\":\"Gr\xC3\xBC\xC3\x9F"
    "e, \xE4\xB8\x96\xE7\x95\x8C\"},\"done\":false}\n"
    "{\"model\":\"test-model\",\"message\":{\"role\":\"assistant\",\"content\":\"\","
    "\"tool_calls\":[{\"function\":{\"name\":\"get_weather\","
    "\"arguments\":{\"city\":\"Z\xC3\xBCrich\"}}}]},\"done\":false}\n"
    "{\"model\":\"test-model\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
    "\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":12,\"eval_count\":7}\n";

std::vector<std::string> lines_of(const std::string& body) {
    std::vector<std::string> lines;
    NdjsonSplitter splitter;
    splitter.feed(body, [&](std::string_view line) { lines.emplace_back(line); });
    return lines;
}

TEST(ChatStream, ReadBoundariesDoNotChangeTheOutput) {
    // The reference: the four lines handed over one by one.
    const std::string reference = run_chat({lines_of(kSplitBody)}, true).sse;
    const std::vector<json> events = sse_events(reference);
    ASSERT_EQ(events.size(), 6u);
    EXPECT_EQ(events[0]["choices"][0]["delta"]["reasoning_content"],
              "\xC3\xBC"
              "ber \xF0\x9F\xA6\x99");
    EXPECT_EQ(events[1]["choices"][0]["delta"]["content"],
              "Gr\xC3\xBC\xC3\x9F"
              "e, \xE4\xB8\x96\xE7\x95\x8C");
    EXPECT_EQ(events[2]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"],
              "{\"city\":\"Z\xC3\xBCrich\"}");
    EXPECT_EQ(events[3], with_null_usage(chunk(json::object(), "tool_calls")));
    EXPECT_EQ(events[4], usage_chunk(12, 7));
    EXPECT_EQ(events[5], kDone);

    // The same body cut at every byte boundary, and one byte per read: identical bytes out.
    for (const auto& reads : test::read_patterns(kSplitBody)) {
        IdSource ids(kSeed);
        const auto stream = make_chat_stream(kEnvelope, true, ids);
        ASSERT_EQ(test::run_reads(*stream, reads), reference)
            << "first read of " << reads.front().size() << " bytes, " << reads.size() << " reads";
    }
}

}  // namespace
}  // namespace ollama_proxy::openai
