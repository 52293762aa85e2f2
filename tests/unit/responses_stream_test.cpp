// POST /v1/responses, the streaming half: native NDJSON lines fed one at a time, and the exact
// typed events that come out (names, sequence numbers, output and content indexes, item ids).
// Cases follow Ollama's own converter tests (ollama-api.md §4.3, §4.4.18-37) where they agree
// with DESIGN §4; where we follow OpenAI instead, the comment says which case we depart from and
// why.

#include "ollama_proxy/openai/responses.hpp"
#include "openai_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using test::Step;
using test::typed_sse_events;
using namespace std::chrono_literals;

constexpr std::uint64_t kSeed = 11;
constexpr std::int64_t kCreated = 1700000000;
constexpr std::int64_t kFinished = 1700000042;
const std::string kRequest = R"({"model":"test-model","input":"Hi","stream":true})";

// One stream and what it has written so far, fed a line at a time.
class Feed {
  public:
    explicit Feed(const std::string& request = kRequest, ResponseStore* store = nullptr)
        : stream_(make_responses_stream(
              response_context(translate_responses_request(json::parse(request), {}, store),
                               Envelope{"resp_fixed", kCreated, "test-model"}, store,
                               [] { return kFinished; }),
              ids_)) {
        stream_->begin_choice(0);
    }

    // The events one native line produced.
    std::vector<json> line(const std::string& native) {
        std::string sse;
        last_step = stream_->on_line(native, sse);
        if (last_step == Step::choice_done) stream_->finish(sse);
        return typed_sse_events(sse);
    }

    std::vector<json> fail(const ApiError& error) {
        std::string sse;
        stream_->fail(error, sse);
        return typed_sse_events(sse);
    }

    Step last_step = Step::more;

  private:
    IdSource ids_{kSeed};
    std::unique_ptr<StreamTranslator> stream_;
};

json event(const char* type, int sequence, const json& fields = json::object()) {
    json out = fields;
    out["type"] = type;
    out["sequence_number"] = sequence;
    return out;
}

// The response object of the lifecycle events of a stream for kRequest.
json response(const std::string& status, const json& output = json::array(),
              const json& usage = nullptr) {
    json out = json::parse(R"({"id":"resp_fixed","object":"response","created_at":1700000000,
        "completed_at":null,"error":null,"incomplete_details":null,"instructions":null,
        "max_output_tokens":null,"model":"test-model","parallel_tool_calls":true,
        "previous_response_id":null,"reasoning":{"effort":null,"summary":null},"store":true,
        "temperature":null,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],
        "top_p":null,"truncation":"disabled","metadata":{}})");
    out["status"] = status;
    if (status == "completed") out["completed_at"] = kFinished;
    if (status == "incomplete") out["incomplete_details"] = {{"reason", "max_output_tokens"}};
    out["output"] = output;
    out["usage"] = usage;
    return out;
}

json usage(int input, int output) {
    return {{"input_tokens", input},
            {"input_tokens_details", {{"cached_tokens", 0}, {"cache_write_tokens", 0}}},
            {"output_tokens", output},
            {"output_tokens_details", {{"reasoning_tokens", 0}}},
            {"total_tokens", input + output}};
}

json text_part(const std::string& text) {
    return {{"type", "output_text"},
            {"text", text},
            {"annotations", json::array()},
            {"logprobs", json::array()}};
}

json message(const std::string& id, const char* status, const std::string& text) {
    json item{{"type", "message"},
              {"id", id},
              {"status", status},
              {"role", "assistant"},
              {"content", json::array()}};
    if (std::string(status) != "in_progress") item["content"].push_back(text_part(text));
    return item;
}

json reasoning(const std::string& id, const std::string& text) {
    json item{
        {"type", "reasoning"}, {"id", id}, {"summary", json::array()}, {"content", json::array()}};
    if (!text.empty()) item["content"].push_back({{"type", "reasoning_text"}, {"text", text}});
    return item;
}

json function_call(const std::string& id, const std::string& call_id, const std::string& name,
                   const std::string& arguments, const char* status) {
    return {{"type", "function_call"}, {"id", id},        {"call_id", call_id}, {"name", name},
            {"arguments", arguments},  {"status", status}};
}

json place(const std::string& id, int index, json fields = json::object()) {
    fields["item_id"] = id;
    fields["output_index"] = index;
    fields["content_index"] = 0;
    return fields;
}

json item_at(int index, const json& item) {
    return {{"output_index", index}, {"item", item}};
}

std::string line(const std::string& content, bool done = false, const std::string& extra = {}) {
    json out{{"model", "test-model"},
             {"created_at", "2026-01-01T00:00:00Z"},
             {"message", {{"role", "assistant"}, {"content", content}}},
             {"done", done}};
    const json more = extra.empty() ? json::object() : json::parse(extra);
    for (const auto& [key, value] : more.items())
        out[key] = value;
    return out.dump();
}

TEST(ResponsesStream, TextOnly) {
    // TestResponsesStreamConverter_TextOnly (§4.4.18): 5 events, then 1, then 4 on done, and
    // SequenceNumbers (§4.4.33): numbered on from one line to the next.
    Feed feed;
    const std::string m = test::nth_id(kSeed, "msg_", 0);
    const std::vector<json> first = feed.line(line("Hello"));
    const std::vector<json> expected_first{
        event("response.created", 0, {{"response", response("in_progress")}}),
        event("response.in_progress", 1, {{"response", response("in_progress")}}),
        event("response.output_item.added", 2, item_at(0, message(m, "in_progress", ""))),
        event("response.content_part.added", 3, place(m, 0, {{"part", text_part("")}})),
        event("response.output_text.delta", 4,
              place(m, 0, {{"delta", "Hello"}, {"logprobs", json::array()}})),
    };
    EXPECT_EQ(first, expected_first);
    EXPECT_EQ(feed.last_step, Step::more);

    const std::vector<json> second = feed.line(line(" World"));
    const std::vector<json> expected_second{
        event("response.output_text.delta", 5,
              place(m, 0, {{"delta", " World"}, {"logprobs", json::array()}}))};
    EXPECT_EQ(second, expected_second);

    const std::vector<json> last =
        feed.line(line("", true, R"({"done_reason":"stop","prompt_eval_count":4,"eval_count":3})"));
    const json done_message = message(m, "completed", "Hello World");
    const std::vector<json> expected_last{
        event("response.output_text.done", 6,
              place(m, 0, {{"text", "Hello World"}, {"logprobs", json::array()}})),
        event("response.content_part.done", 7, place(m, 0, {{"part", text_part("Hello World")}})),
        event("response.output_item.done", 8, item_at(0, done_message)),
        event("response.completed", 9,
              {{"response", response("completed", json::array({done_message}), usage(4, 3))}}),
    };
    EXPECT_EQ(last, expected_last);
    EXPECT_EQ(feed.last_step, Step::choice_done);
}

TEST(ResponsesStream, AToolCall) {
    // TestResponsesStreamConverter_ToolCalls and …FunctionCallStatus (§4.4.19, 34): the call
    // arrives whole, so its six events come at once; .done names the function, as the current
    // schema requires.
    Feed feed;
    const std::vector<json> events = feed.line(R"({"message":{"role":"assistant","content":"",
        "tool_calls":[{"id":"call_abc","function":{"index":0,"name":"get_weather",
        "arguments":{"city":"Paris"}}}]},"done":false})");
    const std::string fc = test::nth_id(kSeed, "fc_", 0);
    const std::string arguments = R"({"city":"Paris"})";
    const json done_call = function_call(fc, "call_abc", "get_weather", arguments, "completed");
    const std::vector<json> expected{
        event("response.created", 0, {{"response", response("in_progress")}}),
        event("response.in_progress", 1, {{"response", response("in_progress")}}),
        event("response.output_item.added", 2,
              item_at(0, function_call(fc, "call_abc", "get_weather", "", "in_progress"))),
        event("response.function_call_arguments.delta", 3,
              {{"item_id", fc}, {"output_index", 0}, {"delta", arguments}}),
        event("response.function_call_arguments.done", 4,
              {{"item_id", fc},
               {"output_index", 0},
               {"name", "get_weather"},
               {"arguments", arguments}}),
        event("response.output_item.done", 5, item_at(0, done_call)),
    };
    EXPECT_EQ(events, expected);

    // A reply that only calls says nothing: no message item appears at the end.
    const std::vector<json> last = feed.line(line("", true, R"({"done_reason":"stop"})"));
    const std::vector<json> expected_last{
        event("response.completed", 6,
              {{"response", response("completed", json::array({done_call}), usage(0, 0))}})};
    EXPECT_EQ(last, expected_last);
}

TEST(ResponsesStream, ReasoningThenText) {
    // TestResponsesStreamConverter_Reasoning (§4.4.20), in OpenAI's raw-reasoning form:
    // reasoning_text events inside a content part, where Ollama sends summary deltas without
    // their part events (one event fewer at each end).
    Feed feed;
    const std::string rs = test::nth_id(kSeed, "rs_", 0);
    const std::string m = test::nth_id(kSeed, "msg_", 1);
    const std::vector<json> thinking = feed.line(
        R"({"message":{"role":"assistant","content":"","thinking":"Let me think..."},"done":false})");
    const std::vector<json> expected_thinking{
        event("response.created", 0, {{"response", response("in_progress")}}),
        event("response.in_progress", 1, {{"response", response("in_progress")}}),
        event("response.output_item.added", 2, item_at(0, reasoning(rs, ""))),
        event("response.content_part.added", 3,
              place(rs, 0, {{"part", {{"type", "reasoning_text"}, {"text", ""}}}})),
        event("response.reasoning_text.delta", 4, place(rs, 0, {{"delta", "Let me think..."}})),
    };
    EXPECT_EQ(thinking, expected_thinking);

    const std::vector<json> text = feed.line(line("The answer is 42"));
    const json done_reasoning = reasoning(rs, "Let me think...");
    const std::vector<json> expected_text{
        event("response.reasoning_text.done", 5, place(rs, 0, {{"text", "Let me think..."}})),
        event("response.content_part.done", 6,
              place(rs, 0, {{"part", {{"type", "reasoning_text"}, {"text", "Let me think..."}}}})),
        event("response.output_item.done", 7, item_at(0, done_reasoning)),
        event("response.output_item.added", 8, item_at(1, message(m, "in_progress", ""))),
        event("response.content_part.added", 9, place(m, 1, {{"part", text_part("")}})),
        event("response.output_text.delta", 10,
              place(m, 1, {{"delta", "The answer is 42"}, {"logprobs", json::array()}})),
    };
    EXPECT_EQ(text, expected_text);

    const std::vector<json> last = feed.line(line("", true));
    ASSERT_EQ(last.size(), 4u);
    // …ResponseCompletedIncludesOutput and …FinalOutputKeepsStreamedItemOrder (§4.4.31, 37).
    EXPECT_EQ(last[3]["response"]["output"],
              json::array({done_reasoning, message(m, "completed", "The answer is 42")}));
}

TEST(ResponsesStream, TextThenACallAreTwoItemsInThatOrder) {
    // Departs from §4.3's quirk, where the message is never closed, the calls reuse its index
    // and the final output lists it last: here it closes, the call takes the next index, and
    // the output keeps the order of the stream (which the node SDK's accumulator checks).
    Feed feed;
    const std::string m = test::nth_id(kSeed, "msg_", 0);
    feed.line(line("Let me check."));
    const std::vector<json> call = feed.line(R"({"message":{"content":"","tool_calls":[
        {"id":"call_1","function":{"name":"f","arguments":{}}}]},"done":false})");
    const std::string fc = test::nth_id(kSeed, "fc_", 1);
    ASSERT_EQ(call.size(), 7u);
    EXPECT_EQ(call[0],
              event("response.output_text.done", 5,
                    place(m, 0, {{"text", "Let me check."}, {"logprobs", json::array()}})));
    EXPECT_EQ(call[2], event("response.output_item.done", 7,
                             item_at(0, message(m, "completed", "Let me check."))));
    EXPECT_EQ(call[3], event("response.output_item.added", 8,
                             item_at(1, function_call(fc, "call_1", "f", "", "in_progress"))));
    const std::vector<json> last = feed.line(line("", true));
    ASSERT_EQ(last.size(), 1u);
    EXPECT_EQ(last[0]["response"]["output"],
              json::array({message(m, "completed", "Let me check."),
                           function_call(fc, "call_1", "f", "{}", "completed")}));
}

TEST(ResponsesStream, ATokenLimitCutEndsIncomplete) {
    // Departs from §4.3 (always response.completed): OpenAI ends a cut stream with
    // response.incomplete, its message marked incomplete and the reason given.
    Feed feed;
    const std::string m = test::nth_id(kSeed, "msg_", 0);
    feed.line(line("partial"));
    const std::vector<json> last = feed.line(
        line("", true, R"({"done_reason":"length","prompt_eval_count":2,"eval_count":16})"));
    const json cut = message(m, "incomplete", "partial");
    const std::vector<json> expected{
        event("response.output_text.done", 5,
              place(m, 0, {{"text", "partial"}, {"logprobs", json::array()}})),
        event("response.content_part.done", 6, place(m, 0, {{"part", text_part("partial")}})),
        event("response.output_item.done", 7, item_at(0, cut)),
        event("response.incomplete", 8,
              {{"response", response("incomplete", json::array({cut}), usage(2, 16))}}),
    };
    EXPECT_EQ(last, expected);
}

TEST(ResponsesStream, AnEmptyReplyStillHasItsMessage) {
    // …OutputIncludesContent and …ResponseCreatedIncludesOutput (§4.4.30, 32): created carries
    // `output: []`; the message's done item carries its (here empty) text.
    Feed feed;
    const std::string m = test::nth_id(kSeed, "msg_", 0);
    const std::vector<json> events = feed.line(line("", true));
    const std::vector<std::string> types{
        "response.created",           "response.in_progress",
        "response.output_item.added", "response.content_part.added",
        "response.output_text.done",  "response.content_part.done",
        "response.output_item.done",  "response.completed"};
    ASSERT_EQ(events.size(), types.size());
    for (std::size_t i = 0; i < types.size(); ++i) {
        EXPECT_EQ(events[i]["type"], types[i]);
        EXPECT_EQ(events[i]["sequence_number"], i);
    }
    EXPECT_EQ(events[0]["response"]["output"], json::array());
    EXPECT_EQ(events[6]["item"], message(m, "completed", ""));
}

TEST(ResponsesStream, AnErrorLineEndsWithAnErrorEventThenResponseFailed) {
    // Departs from §2.0, where Ollama ends the stream silently: the `error` event carries the
    // flat fields and the nested object every SDK raises on (openai-api.md §2.3), and
    // response.failed is the one terminal event. The open message is not finished.
    Feed feed;
    feed.line(line("Hello"));
    const std::vector<json> events = feed.line(R"({"error":"out of memory"})");
    EXPECT_EQ(feed.last_step, Step::failed);
    const std::string message_text = "remote Ollama failed during generation: out of memory";
    json failed = response("failed");
    failed["error"] = {{"code", "server_error"}, {"message", message_text}};
    const std::vector<json> expected{
        event("error", 5,
              {{"code", "server_error"},
               {"message", message_text},
               {"param", nullptr},
               {"error",
                {{"type", "server_error"},
                 {"code", "server_error"},
                 {"message", message_text},
                 {"param", nullptr}}}}),
        event("response.failed", 6, {{"response", failed}}),
    };
    EXPECT_EQ(events, expected);
}

TEST(ResponsesStream, AFailureBeforeAnyLineStillOpensTheStream) {
    // The SDK's stream helper wants response.created first, whatever follows.
    Feed feed;
    const std::vector<json> events =
        feed.fail(error_with_status(502, "remote Ollama ended the stream before it was complete"));
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[0], event("response.created", 0, {{"response", response("in_progress")}}));
    EXPECT_EQ(events[1]["type"], "response.in_progress");
    EXPECT_EQ(events[2]["type"], "error");
    EXPECT_EQ(events[2]["error"]["type"], "api_error");
    EXPECT_EQ(events[2]["code"], "server_error");
    EXPECT_EQ(events[3]["type"], "response.failed");
    EXPECT_EQ(events[3]["sequence_number"], 3);
    EXPECT_EQ(events[3]["response"]["status"], "failed");
}

TEST(ResponsesStream, AnUnreadableLineFails) {
    Feed feed;
    const std::vector<json> events = feed.line("{not json");
    EXPECT_EQ(feed.last_step, Step::failed);
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[2]["type"], "error");
    EXPECT_EQ(events[3]["type"], "response.failed");
}

TEST(ResponsesStream, ThoughtTextAndCallsAreStoredWhenTheStreamEnds) {
    ResponseStore store(10, 3600s);
    Feed feed(kRequest, &store);
    feed.line(R"({"message":{"content":"","thinking":"Hm"},"done":false})");
    feed.line(line("Sure."));
    EXPECT_EQ(store.size(), 0u);
    feed.line(R"({"message":{"content":"","tool_calls":[{"id":"call_9","function":{
        "name":"f","arguments":{"a":1}}}]},"done":true,"done_reason":"stop"})");
    const auto turn = store.find("resp_fixed");
    ASSERT_NE(turn, nullptr);
    EXPECT_EQ(turn->conversation(), json::parse(R"([{"role":"user","content":"Hi"},
        {"role":"assistant","content":"Sure.","thinking":"Hm","tool_calls":[
          {"id":"call_9","function":{"index":0,"name":"f","arguments":{"a":1}}}]}])"));
}

TEST(ResponsesStream, NothingIsStoredWithStoreFalseOrAfterAFailure) {
    ResponseStore store(10, 3600s);
    Feed unstored(R"({"model":"test-model","input":"Hi","stream":true,"store":false})", &store);
    unstored.line(line("x", true));
    Feed failed(kRequest, &store);
    failed.line(line("x"));
    failed.line(R"({"error":"boom"})");
    EXPECT_EQ(store.size(), 0u);
}

TEST(ResponsesStream, LinesSplitAcrossReadsGiveTheSameEvents) {
    const std::string body = line("Hello") + "\n" + line(" you") + "\n" +
                             line("", true, R"({"prompt_eval_count":1,"eval_count":2})") + "\n";
    const auto whole = [&](const std::vector<std::string_view>& reads) {
        IdSource ids(kSeed);
        const auto stream = make_responses_stream(
            response_context(translate_responses_request(json::parse(kRequest), {}, nullptr),
                             Envelope{"resp_fixed", kCreated, "test-model"}, nullptr,
                             [] { return kFinished; }),
            ids);
        return test::run_reads(*stream, reads);
    };
    const std::string expected = whole({body});
    EXPECT_EQ(typed_sse_events(expected).size(), 10u);
    for (const auto& reads : test::read_patterns(body))
        EXPECT_EQ(whole(reads), expected);
}

}  // namespace
}  // namespace ollama_proxy::openai
