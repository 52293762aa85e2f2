// POST /v1/responses, the reply half without streaming: a native chat reply as a `response`
// object, and the turn it leaves in the store for previous_response_id. Cases follow Ollama's own
// tests (ollama-api.md §4.2, §4.4) where they agree with DESIGN §4; where we follow OpenAI
// instead, the comment says which case we depart from and why.

#include "ollama_proxy/openai/responses.hpp"
#include "openai_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::uint64_t kSeed = 7;
constexpr std::int64_t kCreated = 1700000000;
constexpr std::int64_t kFinished = 1700000042;

ResponseContext context_for(const std::string& request, ResponseStore* store = nullptr) {
    return response_context(translate_responses_request(json::parse(request), {}, store),
                            Envelope{"resp_fixed", kCreated, "test-model"}, store,
                            [] { return kFinished; });
}

const std::string kRequest = R"({"model":"test-model","input":"Hi"})";

json reply_to(const std::string& native, const std::string& request = kRequest,
              ResponseStore* store = nullptr) {
    IdSource ids(kSeed);
    return json::parse(response_object(json::parse(native), context_for(request, store), ids));
}

// What every response to kRequest repeats around its status, output and usage.
json plain_response(const std::string& status, const json& output, const json& usage) {
    json out = json::parse(R"({"id":"resp_fixed","object":"response","created_at":1700000000,
        "completed_at":null,"error":null,"incomplete_details":null,"instructions":null,
        "max_output_tokens":null,"model":"test-model","parallel_tool_calls":true,
        "previous_response_id":null,"reasoning":{"effort":null,"summary":null},"store":true,
        "temperature":null,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],
        "top_p":null,"truncation":"disabled","metadata":{}})");
    out["status"] = status;
    if (status == "completed") out["completed_at"] = kFinished;
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

json message(const std::string& id, const std::string& text, const char* status = "completed") {
    return {{"type", "message"},
            {"id", id},
            {"status", status},
            {"role", "assistant"},
            {"content", json::array({{{"type", "output_text"},
                                      {"text", text},
                                      {"annotations", json::array()},
                                      {"logprobs", json::array()}}})}};
}

TEST(ResponseObject, TextReply) {
    // §4.2's object, with OpenAI's completed_at (the clock at the end), usage details, and
    // `store` true, OpenAI's default. The keys come in the order of OpenAI's objects.
    const std::string native = R"({"model":"test-model","created_at":"2009-02-13T23:31:30Z",
        "message":{"role":"assistant","content":"Hello there"},"done":true,"done_reason":"stop",
        "prompt_eval_count":10,"eval_count":20})";
    const json out = reply_to(native);
    EXPECT_EQ(out,
              plain_response("completed",
                             json::array({message(test::nth_id(kSeed, "msg_", 0), "Hello there")}),
                             usage(10, 20)));
    IdSource ids(kSeed);
    const std::string text = response_object(json::parse(native), context_for(kRequest), ids);
    EXPECT_EQ(text.rfind(R"({"id":"resp_fixed","object":"response","created_at":1700000000,)"
                         R"("status":"completed","completed_at":1700000042,"error":null,)"
                         R"("incomplete_details":null,"instructions":null,)",
                         0),
              0u)
        << text;
}

TEST(ResponseObject, ThinkingIsAReasoningItemBeforeTheMessage) {
    // TestToResponse_WithReasoning (§4.4.22), in OpenAI's raw-reasoning form: the thinking is
    // reasoning_text content, not a summary, and nothing claims to be encrypted.
    const json out = reply_to(R"({"message":{"role":"assistant","content":"The answer is 42",
        "thinking":"Analyzing the question..."},"done":true,"done_reason":"stop"})");
    EXPECT_EQ(
        out["output"],
        json::array({
            {{"type", "reasoning"},
             {"id", test::nth_id(kSeed, "rs_", 0)},
             {"summary", json::array()},
             {"content",
              json::array({{{"type", "reasoning_text"}, {"text", "Analyzing the question..."}}})}},
            message(test::nth_id(kSeed, "msg_", 1), "The answer is 42"),
        }));
}

TEST(ResponseObject, ToolCallsAreFunctionCallItems) {
    // §4.2: one function_call per call, call_id the remote's id, arguments as JSON text.
    const json out = reply_to(R"({"message":{"role":"assistant","content":"","tool_calls":[
          {"id":"call_abc","function":{"index":0,"name":"get_weather",
                                       "arguments":{"city":"Paris"}}},
          {"id":"call_def","function":{"index":1,"name":"get_time","arguments":{}}}]},
        "done":true,"done_reason":"stop","prompt_eval_count":5,"eval_count":7})");
    EXPECT_EQ(out, plain_response("completed",
                                  json::parse(R"([
        {"type":"function_call","id":")" + test::nth_id(kSeed, "fc_", 0) +
                                              R"(","call_id":"call_abc",
         "name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"},
        {"type":"function_call","id":")" + test::nth_id(kSeed, "fc_", 1) +
                                              R"(","call_id":"call_def",
         "name":"get_time","arguments":"{}","status":"completed"}])"),
                                  usage(5, 7)));
}

TEST(ResponseObject, TextSaidWithCallsIsKept) {
    // Departs from §4.2, which drops the text when there are calls: OpenAI's output has both,
    // the message first, as the model said it before calling.
    const json out = reply_to(R"({"message":{"role":"assistant","content":"Checking.",
        "tool_calls":[{"function":{"name":"f","arguments":{"x":1}}}]},"done":true})");
    ASSERT_EQ(out["output"].size(), 2u);
    EXPECT_EQ(out["output"][0], message(test::nth_id(kSeed, "msg_", 0), "Checking."));
    // A call without an id gets a fresh call_ id, made before its item's id.
    EXPECT_EQ(out["output"][1]["call_id"], test::nth_id(kSeed, "call_", 1));
    EXPECT_EQ(out["output"][1]["id"], test::nth_id(kSeed, "fc_", 2));
    EXPECT_EQ(out["output"][1]["arguments"], R"({"x":1})");
}

TEST(ResponseObject, ATokenLimitCutIsIncomplete) {
    // Departs from §4.2 (always "completed"): OpenAI marks the response and its message
    // incomplete, says why, and gives no completed_at.
    const json out = reply_to(R"({"message":{"role":"assistant","content":"partial"},
        "done":true,"done_reason":"length","prompt_eval_count":3,"eval_count":16})");
    json expected = plain_response(
        "incomplete",
        json::array({message(test::nth_id(kSeed, "msg_", 0), "partial", "incomplete")}),
        usage(3, 16));
    expected["incomplete_details"] = {{"reason", "max_output_tokens"}};
    EXPECT_EQ(out, expected);
}

TEST(ResponseObject, AnEmptyReplyIsAnEmptyMessage) {
    const json out = reply_to(R"({"message":{"role":"assistant","content":""},"done":true})");
    EXPECT_EQ(out["output"], json::array({message(test::nth_id(kSeed, "msg_", 0), "")}));
    EXPECT_EQ(out["usage"], usage(0, 0));
}

TEST(ResponseObject, RepeatsTheRequestsFields) {
    const json out =
        reply_to(R"({"message":{"content":"{}"},"done":true})",
                 R"({"model":"test-model","input":"Hi","instructions":"JSON only.","store":false,
            "max_output_tokens":32,"text":{"format":{"type":"json_object"}},"metadata":{"a":"b"}})");
    EXPECT_EQ(out["instructions"], "JSON only.");
    EXPECT_EQ(out["store"], false);
    EXPECT_EQ(out["max_output_tokens"], 32);
    EXPECT_EQ(out["text"], json::parse(R"({"format":{"type":"json_object"}})"));
    EXPECT_EQ(out["metadata"], json::parse(R"({"a":"b"})"));
}

// ==== the store =============================================================================

TEST(ResponseObject, TheTurnIsStoredUnderTheResponseId) {
    // The input without the instructions, then the assistant's message as the native API takes
    // it back: thinking, and the calls under the ids the client saw, arguments as objects.
    ResponseStore store(10, 3600s);
    reply_to(R"({"message":{"role":"assistant","content":"","thinking":"Hmm.","tool_calls":[
                   {"function":{"name":"get_weather","arguments":{"city":"Paris"}}}]},
                 "done":true})",
             R"({"model":"test-model","input":"Weather in Paris?","instructions":"Be brief."})",
             &store);
    const auto turn = store.find("resp_fixed");
    ASSERT_NE(turn, nullptr);
    EXPECT_EQ(turn->previous, nullptr);
    EXPECT_EQ(turn->conversation(), json::parse(R"([
        {"role":"user","content":"Weather in Paris?"},
        {"role":"assistant","content":"","thinking":"Hmm.","tool_calls":[{"id":")" +
                                                test::nth_id(kSeed, "call_", 1) + R"(",
          "function":{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}}]}])"));
}

TEST(ResponseObject, AContinuedTurnIsStoredAfterTheOneItContinues) {
    ResponseStore store(10, 3600s);
    const auto first =
        std::make_shared<const StoredTurn>(nullptr, json::parse(R"([{"role":"user","content":"Hi"},
                                 {"role":"assistant","content":"Hello"}])"));
    store.put("resp_first", first);
    reply_to(R"({"message":{"content":"Fine."},"done":true})",
             R"({"model":"test-model","input":"How are you?","previous_response_id":"resp_first"})",
             &store);
    const auto turn = store.find("resp_fixed");
    ASSERT_NE(turn, nullptr);
    EXPECT_EQ(turn->previous, first);
    EXPECT_EQ(turn->messages, json::parse(R"([{"role":"user","content":"How are you?"},
                                             {"role":"assistant","content":"Fine."}])"));
}

TEST(ResponseObject, StoreFalseKeepsNothing) {
    ResponseStore store(10, 3600s);
    reply_to(R"({"message":{"content":"x"},"done":true})",
             R"({"model":"test-model","input":"Hi","store":false})", &store);
    EXPECT_EQ(store.size(), 0u);
}

}  // namespace
}  // namespace ollama_proxy::openai
