// POST /v1/responses, the request half: input items, instructions, tools and options as a native
// /api/chat body, the stored conversation prepended for previous_response_id, and the fields a
// response repeats. Cases follow Ollama's own tests (ollama-api.md §4.4) where they agree with
// DESIGN §4; where we follow OpenAI instead, the comment says which case we depart from and why.

#include "ollama_proxy/openai/responses.hpp"
#include "openai_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using test::IsInvalidRequest;
using test::thrown_api_error;
using namespace std::chrono_literals;

// A 1x1 PNG, as Ollama's image tests use.
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+"
    "M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

// A request for test-model with `input` (JSON text) and `extra` top-level fields.
std::string body(const std::string& input, const std::string& extra = "{}") {
    json out = json::parse(extra);
    out["model"] = "test-model";
    out["input"] = json::parse(input);
    return out.dump();
}

ResponsesRequest translate(const std::string& text, ResponseStore* store = nullptr,
                           const ModelDefaultsTable& defaults = {}) {
    return translate_responses_request(json::parse(text), defaults, store);
}

json messages(const std::string& input, const std::string& extra = "{}") {
    return translate(body(input, extra)).native["messages"];
}

std::optional<ApiError> refusal(const std::string& text, ResponseStore* store = nullptr) {
    return thrown_api_error([&] { translate(text, store); });
}

std::string png_uri() {
    return std::string("data:image/png;base64,") + kPng;
}

// ==== input =================================================================================

TEST(ResponsesRequest, StringInputIsOneUserMessage) {
    // TestResponsesRequest_UnmarshalJSON "hello" (§4.4.6); no temperature is sent (Ollama sends
    // 1.0), so the Modelfile's own applies.
    const ResponsesRequest request = translate(body(R"("hello")"));
    EXPECT_EQ(request.native, json::parse(R"({"model":"test-model",
        "messages":[{"role":"user","content":"hello"}],"stream":false})"));
    EXPECT_EQ(request.model, "test-model");
    EXPECT_FALSE(request.stream);
    EXPECT_TRUE(request.store);
    EXPECT_EQ(request.previous, nullptr);
    EXPECT_EQ(request.input, json::parse(R"([{"role":"user","content":"hello"}])"));
}

TEST(ResponsesRequest, MessageItemsInTheirLongAndShortForms) {
    // TestResponsesInputMessage_UnmarshalJSON, TestUnmarshalResponsesInputItem_ShorthandMessage,
    // TestFromResponsesRequest_ShorthandFormats (§4.4.1, 28, 29).
    EXPECT_EQ(messages(R"([{"type":"message","role":"user",
                             "content":[{"type":"input_text","text":"hello"}]}])"),
              json::parse(R"([{"role":"user","content":"hello"}])"));
    EXPECT_EQ(messages(R"([{"role":"user","content":"What is the weather in Tokyo?"}])"),
              json::parse(R"([{"role":"user","content":"What is the weather in Tokyo?"}])"));
    EXPECT_EQ(messages(R"([{"role":"user","content":"Hello"},
        {"role":"assistant","content":[{"type":"output_text","text":"Hi there!"}]},
        {"type":"message","role":"user","content":"How are you?"}])"),
              json::parse(R"([{"role":"user","content":"Hello"},
        {"role":"assistant","content":"Hi there!"},{"role":"user","content":"How are you?"}])"));
}

TEST(ResponsesRequest, SeveralTextPartsAreSeparateLines) {
    // §4.4.1 only counts two input_text parts. They are joined with a line break, as chat
    // joins its text parts, so that separate blocks do not run together.
    EXPECT_EQ(messages(R"([{"role":"user","content":[{"type":"input_text","text":"one"},
                                                       {"type":"input_text","text":"two"}]}])"),
              json::parse(R"([{"role":"user","content":"one\ntwo"}])"));
}

TEST(ResponsesRequest, DeveloperAndSystemMessagesAreSystemMessages) {
    // Departs from §4.1, which passes `developer` on: chat templates know only system.
    EXPECT_EQ(messages(R"([{"role":"developer","content":"Be brief."},
                           {"role":"system","content":"Be kind."},
                           {"role":"user","content":"Hi"}])"),
              json::parse(R"([{"role":"system","content":"Be brief."},
                              {"role":"system","content":"Be kind."},
                              {"role":"user","content":"Hi"}])"));
}

TEST(ResponsesRequest, BadInputsAreRefusedNamingTheField) {
    // §4.4.1-3: an unknown part type, input 123, an item with neither type nor role, an unknown
    // item type. Messages and codes are OpenAI-style rather than Ollama's Go error strings.
    EXPECT_TRUE(
        IsInvalidRequest(refusal(body(R"([{"role":"user","content":[{"type":"unknown"}]}])")),
                         "input[0].content[0].type", "unsupported_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(body("123")), "input", "invalid_type"));
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"([{"content":"hello"}])")), "input[0].type",
                                 "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"([{"type":""}])")), "input[0].type",
                                 "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"(["text"])")), "input[0]", "invalid_type"));
    const auto unknown = refusal(body(R"([{"type":"unknown_type"}])"));
    EXPECT_TRUE(IsInvalidRequest(unknown, "input[0].type", "unsupported_value"));
    EXPECT_EQ(unknown->message,
              "Input items of type 'unknown_type' are not supported by this server.");
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"([{"role":"tool","content":"x"}])")),
                                 "input[0].role", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"([{"role":"user"}])")), "input[0].content",
                                 "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"test-model"})"), "input",
                                 "missing_required_parameter"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"input":"hi"})"), "model", "missing_required_parameter"));
}

TEST(ResponsesRequest, ReplayedWebSearchCallsAreRefused) {
    // Departs from TestFromResponsesRequestIgnoresReplayedWebSearchCall (§4.4.4): this server
    // has no web search, so a replayed search is history it never made; it says so rather
    // than drop part of the conversation.
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"([{"role":"user","content":"Who is he?"},
            {"type":"web_search_call","id":"ws_123","status":"completed",
             "action":{"type":"search","query":"he"}}])")),
                                 "input[1].type", "unsupported_value"));
}

TEST(ResponsesRequest, ImagesGoIntoTheirMessage) {
    // TestFromResponsesRequest_Images (§4.4.17): one message with the text and the image.
    EXPECT_EQ(messages(R"([{"role":"user","content":[
                  {"type":"input_text","text":"What is in this image?"},
                  {"type":"input_image","detail":"auto","image_url":")" +
                       png_uri() + R"("}]}])"),
              json::parse(R"([{"role":"user","content":"What is in this image?","images":[")" +
                          std::string(kPng) + R"("]}])"));
}

TEST(ResponsesRequest, ImageUrlsMustBeBase64DataUris) {
    // TestDecodeImageURL (§4.4.16), except that the media type is not checked (a gif passes, as
    // in chat): the model, not the proxy, knows what it can read.
    const auto image = [](const std::string& url) {
        return body(R"([{"role":"user","content":[{"type":"input_image","image_url":")" + url +
                    R"("}]}])");
    };
    EXPECT_NO_THROW(translate(image("data:image/jpeg;base64,/9j/4AAQSkZJRg==")));
    EXPECT_NO_THROW(translate(image("data:;base64,dGVzdA==")));
    EXPECT_TRUE(IsInvalidRequest(refusal(image("data:image/png;base64,not-valid-base64!")),
                                 "input[0].content[0].image_url", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(image("https://example.com/image.png")),
                                 "input[0].content[0].image_url", "unsupported_value"));
    EXPECT_TRUE(IsInvalidRequest(
        refusal(body(R"([{"role":"user","content":[{"type":"input_image","file_id":"file-1"}]}])")),
        "input[0].content[0].file_id", "unsupported_value"));
    EXPECT_TRUE(IsInvalidRequest(
        refusal(body(R"([{"role":"user","content":[{"type":"input_file","file_id":"f"}]}])")),
        "input[0].content[0].type", "unsupported_value"));
}

// ==== function calls ========================================================================

TEST(ResponsesRequest, FunctionCallAndItsOutput) {
    // TestFromResponsesRequest_FunctionCallOutput (§4.4.12); the tool message also names the
    // function, as chat's does.
    EXPECT_EQ(messages(R"([{"role":"user","content":"What is the weather in Paris?"},
        {"type":"function_call","call_id":"call_abc123","name":"get_weather",
         "arguments":"{\"city\":\"Paris\"}"},
        {"type":"function_call_output","call_id":"call_abc123","output":"sunny, 72F"}])"),
              json::parse(R"([{"role":"user","content":"What is the weather in Paris?"},
        {"role":"assistant","content":"","tool_calls":[{"id":"call_abc123",
          "function":{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}}]},
        {"role":"tool","content":"sunny, 72F","tool_call_id":"call_abc123",
         "tool_name":"get_weather"}])"));
}

TEST(ResponsesRequest, FunctionCallOutputAsParts) {
    // …ContentArray and …ContentArrayWithImage (§4.4.13, 14): the texts of one output are
    // joined as they are; images go with the tool message.
    const std::string call = R"({"type":"function_call","call_id":"c1","name":"f","arguments":""})";
    EXPECT_EQ(messages("[" + call + R"(,{"type":"function_call_output","call_id":"c1","output":[
        {"type":"input_text","text":"sunny"},{"type":"input_text","text":", 72F"}]}])")[1],
              json::parse(R"({"role":"tool","content":"sunny, 72F","tool_call_id":"c1",
                              "tool_name":"f"})"));
    EXPECT_EQ(messages("[" + call + R"(,{"type":"function_call_output","call_id":"c1","output":[
        {"type":"input_text","text":"attached image"},
        {"type":"input_image","image_url":")" +
                       png_uri() + R"("}]}])")[1],
              json::parse(R"({"role":"tool","content":"attached image","tool_call_id":"c1",
                              "tool_name":"f","images":[")" +
                          std::string(kPng) + R"("]})"));
}

TEST(ResponsesRequest, FunctionCallsJoinTheAssistantMessageBeforeThem) {
    // TestFromResponsesRequest_FunctionCallMerge (§4.4.15 a-d).
    const json a = messages(R"([{"role":"user","content":"Weather?"},
        {"role":"assistant","content":"I'll check the weather for you."},
        {"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{}"}])");
    EXPECT_EQ(a, json::parse(R"([{"role":"user","content":"Weather?"},
        {"role":"assistant","content":"I'll check the weather for you.","tool_calls":[
          {"id":"c1","function":{"index":0,"name":"get_weather","arguments":{}}}]}])"));

    const json b = messages(R"([{"role":"user","content":"Weather?"},
        {"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{}"}])");
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(b[1]["content"], "");
    EXPECT_EQ(b[1]["tool_calls"].size(), 1u);

    const json c = messages(R"([{"role":"user","content":"Both?"},
        {"role":"assistant","content":"I'll check both."},
        {"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{}"},
        {"type":"function_call","call_id":"c2","name":"get_time","arguments":"{}"}])");
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(c[1]["tool_calls"], json::parse(R"([
        {"id":"c1","function":{"index":0,"name":"get_weather","arguments":{}}},
        {"id":"c2","function":{"index":1,"name":"get_time","arguments":{}}}])"));

    const json d = messages(R"([{"role":"user","content":"Go"},
        {"role":"assistant","content":"First batch."},
        {"type":"function_call","call_id":"a","name":"a","arguments":"{}"},
        {"type":"function_call","call_id":"b","name":"b","arguments":"{}"},
        {"role":"assistant","content":"Second batch."},
        {"type":"function_call","call_id":"c","name":"c","arguments":"{}"}])");
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d[1]["content"], "First batch.");
    EXPECT_EQ(d[1]["tool_calls"].size(), 2u);
    EXPECT_EQ(d[2]["content"], "Second batch.");
    EXPECT_EQ(d[2]["tool_calls"].size(), 1u);
}

TEST(ResponsesRequest, TextBetweenACallAndItsOutputStaysWithTheCall) {
    // TestFromResponsesRequestMergesMessageAfterFunctionCall (§4.4.5), without its replayed web
    // search (refused here, see above): the tool result stays next to its call.
    EXPECT_EQ(messages(R"([{"role":"user","content":"Inspect the directory."},
        {"type":"function_call","call_id":"call_test","name":"exec_command",
         "arguments":"{\"cmd\":\"pwd\"}"},
        {"type":"message","role":"assistant","content":[{"type":"output_text",
          "text":"I found Ollama and will inspect the directory."}]},
        {"type":"function_call_output","call_id":"call_test","output":"/tmp"}])"),
              json::parse(R"([{"role":"user","content":"Inspect the directory."},
        {"role":"assistant","content":"I found Ollama and will inspect the directory.",
         "tool_calls":[{"id":"call_test","function":{"index":0,"name":"exec_command",
                                                     "arguments":{"cmd":"pwd"}}}]},
        {"role":"tool","content":"/tmp","tool_call_id":"call_test","tool_name":"exec_command"}])"));
}

TEST(ResponsesRequest, BadFunctionCallsAreRefused) {
    EXPECT_TRUE(IsInvalidRequest(
        refusal(body(R"([{"type":"function_call","call_id":"c","name":"f","arguments":"{bad"}])")),
        "input[0].arguments", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(
        refusal(body(R"([{"type":"function_call","call_id":"c","arguments":"{}"}])")),
        "input[0].name", "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"([{"type":"function_call_output","output":"x"}])")),
                                 "input[0].call_id", "missing_required_parameter"));
}

TEST(ResponsesRequest, AnOutputNeedsItsCall) {
    // As at OpenAI: a function_call_output answers a call of this input or of the stored
    // conversation; one without is refused, not sent as a result of nothing.
    const auto error = refusal(body(R"([{"type":"function_call_output","call_id":"call_x",
                                          "output":"42"}])"));
    EXPECT_TRUE(IsInvalidRequest(error, "input[0].call_id", "invalid_value"));
    EXPECT_EQ(error->message, "No tool call found for function call output with call_id 'call_x'.");
}

// ==== reasoning =============================================================================

TEST(ResponsesRequest, ReasoningGoesWithTheAssistantTurnAfterIt) {
    // TestFromResponsesRequest_FunctionCallMerge e, f and TestFromResponsesRequest_ReasoningMerge
    // (§4.4.15, 21). Our reasoning items carry raw text in `content`; summaries and Ollama's
    // `encrypted_content` are read too.
    const json e = messages(R"([{"role":"user","content":"Do it"},
        {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Let me think..."}]},
        {"role":"assistant","content":"I thought about it."},
        {"type":"function_call","call_id":"c1","name":"do_thing","arguments":"{}"}])");
    EXPECT_EQ(e, json::parse(R"([{"role":"user","content":"Do it"},
        {"role":"assistant","content":"I thought about it.","thinking":"Let me think...",
         "tool_calls":[{"id":"c1","function":{"index":0,"name":"do_thing","arguments":{}}}]}])"));

    const json f = messages(R"([{"role":"user","content":"Go"},
        {"type":"reasoning","id":"rs_1","content":[{"type":"reasoning_text",
                                                    "text":"Thinking first..."}],"summary":[]},
        {"role":"assistant","content":""},
        {"type":"function_call","call_id":"t","name":"think_action","arguments":"{}"},
        {"role":"assistant","content":"Now doing more."},
        {"type":"function_call","call_id":"a","name":"action_a","arguments":"{}"},
        {"type":"function_call","call_id":"b","name":"action_b","arguments":"{}"}])");
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f[1]["thinking"], "Thinking first...");
    EXPECT_EQ(f[1]["content"], "");
    EXPECT_EQ(f[1]["tool_calls"].size(), 1u);
    EXPECT_EQ(f[2]["content"], "Now doing more.");
    EXPECT_FALSE(f[2].contains("thinking"));
    EXPECT_EQ(f[2]["tool_calls"].size(), 2u);

    const json cycle = messages(R"([{"role":"user","content":"Q"},
        {"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"first thought"},
        {"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},
        {"type":"function_call_output","call_id":"c1","output":"r"},
        {"type":"reasoning","id":"rs_2","summary":[{"type":"summary_text","text":"second"}]},
        {"role":"assistant","content":"A"},
        {"role":"user","content":"Q2"}])");
    EXPECT_EQ(cycle, json::parse(R"([{"role":"user","content":"Q"},
        {"role":"assistant","content":"","thinking":"first thought","tool_calls":[
          {"id":"c1","function":{"index":0,"name":"f","arguments":{}}}]},
        {"role":"tool","content":"r","tool_call_id":"c1","tool_name":"f"},
        {"role":"assistant","content":"A","thinking":"second"},
        {"role":"user","content":"Q2"}])"));

    EXPECT_EQ(messages(R"([{"role":"user","content":"Q"},
        {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text",
                                                    "text":"Still thinking..."}]}])"),
              json::parse(R"([{"role":"user","content":"Q"},
        {"role":"assistant","content":"","thinking":"Still thinking..."}])"));
}

TEST(ResponsesRequest, ReasoningEffortIsThink) {
    // TestFromResponsesRequest_ReasoningEffort (§4.4.11), with chat's table: "ultra" is no
    // effort OpenAI knows, so it is refused like "extreme".
    const std::pair<const char*, json> cases[] = {
        {"low", "low"},     {"medium", "medium"}, {"high", "high"}, {"max", "max"},
        {"minimal", "low"}, {"xhigh", "max"},     {"none", false},
    };
    for (const auto& [effort, think] : cases) {
        const ResponsesRequest request = translate(
            body(R"("hi")", R"({"reasoning":{"effort":")" + std::string(effort) + R"("}})"));
        EXPECT_EQ(request.native["think"], think) << effort;
    }
    EXPECT_FALSE(translate(body(R"("hi")")).native.contains("think"));
    EXPECT_FALSE(
        translate(body(R"("hi")", R"({"reasoning":{"summary":"auto"}})")).native.contains("think"));
    for (const char* bad : {"extreme", "ultra"}) {
        EXPECT_TRUE(IsInvalidRequest(
            refusal(body(R"("hi")", R"({"reasoning":{"effort":")" + std::string(bad) + R"("}})")),
            "reasoning.effort", "invalid_value"))
            << bad;
    }
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"("hi")", R"({"reasoning":{"summary":"all"}})")),
                                 "reasoning.summary", "invalid_value"));
}

// ==== instructions, options, format, tools ==================================================

TEST(ResponsesRequest, InstructionsLeadAsTheSystemMessage) {
    // TestFromResponsesRequest_Instructions (§4.4.23).
    EXPECT_EQ(messages(R"("Hello")", R"({"instructions":"You are a helpful assistant."})"),
              json::parse(R"([{"role":"system","content":"You are a helpful assistant."},
                              {"role":"user","content":"Hello"}])"));
}

TEST(ResponsesRequest, SamplingAndTheTokenLimit) {
    // TestResponsesRequest_UnmarshalJSON temperature (§4.4.6) and
    // TestFromResponsesRequest_MaxOutputTokens (§4.4.24); OpenAI's floor of 16 tokens holds.
    const ResponsesRequest request =
        translate(body(R"("hi")", R"({"temperature":0.5,"top_p":0.9,"max_output_tokens":100})"));
    EXPECT_EQ(request.native["options"],
              json::parse(R"({"temperature":0.5,"top_p":0.9,"num_predict":100})"));
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"("hi")", R"({"max_output_tokens":15})")),
                                 "max_output_tokens", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"("hi")", R"({"temperature":2.5})")), "temperature",
                                 "invalid_value"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(body(R"("hi")", R"({"top_p":"high"})")), "top_p", "invalid_type"));
}

TEST(ResponsesRequest, TextFormats) {
    // TestFromResponsesRequest_TextFormatJsonSchema and …TextFormatText (§4.4.25, 26). Departs
    // for json_object, which Ollama drops: it is OpenAI's JSON mode, Ollama's format "json".
    const ResponsesRequest schema = translate(body(R"("hi")", R"({"text":{"format":{
        "type":"json_schema","name":"person","strict":true,
        "schema":{"type":"object","properties":{"name":{"type":"string"},
                                                 "age":{"type":"integer"}}}}}})"));
    EXPECT_EQ(schema.native["format"], json::parse(R"({"type":"object","properties":{
        "name":{"type":"string"},"age":{"type":"integer"}}})"));
    EXPECT_FALSE(translate(body(R"("hi")", R"({"text":{"format":{"type":"text"}}})"))
                     .native.contains("format"));
    EXPECT_EQ(translate(body(R"("hi")", R"({"text":{"format":{"type":"json_object"}}})"))
                  .native["format"],
              "json");
    EXPECT_TRUE(IsInvalidRequest(
        refusal(body(R"("hi")", R"({"text":{"format":{"type":"json_schema","name":"x"}}})")),
        "text.format.schema", "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"("hi")", R"({"text":{"format":{"type":"xml"}}})")),
                                 "text.format.type", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"("hi")", R"({"text":{"verbosity":"loud"}})")),
                                 "text.verbosity", "invalid_value"));
}

TEST(ResponsesRequest, FlatFunctionToolsBecomeNativeTools) {
    // TestFromResponsesRequest_Tools (§4.4.7): `strict` has no native counterpart.
    const ResponsesRequest request = translate(body(R"("hi")", R"({"tools":[{"type":"function",
        "name":"shell","description":"Runs a shell command","strict":false,
        "parameters":{"type":"object","properties":{"command":{"type":"array",
        "items":{"type":"string"}}},"required":["command"]}}]})"));
    EXPECT_EQ(request.native["tools"], json::parse(R"([{"type":"function","function":{
        "name":"shell","description":"Runs a shell command",
        "parameters":{"type":"object","properties":{"command":{"type":"array",
        "items":{"type":"string"}}},"required":["command"]}}}])"));
}

TEST(ResponsesRequest, BuiltInToolsAreRefused) {
    // Departs from §4.4.8-10: web search and namespaces are Ollama's own additions, which this
    // server does not provide.
    for (const char* type : {"web_search", "file_search", "namespace", "mcp", "custom"}) {
        EXPECT_TRUE(IsInvalidRequest(
            refusal(body(R"("hi")", R"({"tools":[{"type":")" + std::string(type) + R"("}]})")),
            "tools[0].type", "unsupported_value"))
            << type;
    }
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"("hi")", R"({"tools":[{"type":"function"}]})")),
                                 "tools[0].name", "missing_required_parameter"));
}

TEST(ResponsesRequest, ToolChoiceNarrowsTheOfferedTools) {
    const std::string tools = R"("tools":[{"type":"function","name":"a"},
                                          {"type":"function","name":"b"}])";
    const auto offered = [&](const std::string& choice) {
        return translate(body(R"("hi")", "{" + tools + R"(,"tool_choice":)" + choice + "}"))
            .native.value("tools", json::array());
    };
    EXPECT_EQ(offered(R"("auto")").size(), 2u);
    EXPECT_EQ(offered(R"("required")").size(), 2u);
    EXPECT_EQ(offered(R"("none")"), json::array());
    EXPECT_EQ(offered(R"({"type":"function","name":"b"})"),
              json::parse(R"([{"type":"function","function":{"name":"b"}}])"));
    EXPECT_EQ(offered(R"({"type":"allowed_tools","mode":"auto",
                          "tools":[{"type":"function","name":"a"}]})"),
              json::parse(R"([{"type":"function","function":{"name":"a"}}])"));
    EXPECT_TRUE(IsInvalidRequest(
        refusal(body(R"("hi")", "{" + tools + R"(,"tool_choice":{"type":"function","name":"c"}})")),
        "tool_choice", "invalid_value"));
}

TEST(ResponsesRequest, WhatCannotBeHonouredIsRefused) {
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"("hi")", R"({"background":true})")), "background",
                                 "unsupported_value"));
    EXPECT_NO_THROW(translate(body(R"("hi")", R"({"background":false})")));
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"("hi")", R"({"conversation":"conv_1"})")),
                                 "conversation", "unsupported_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"("hi")", R"({"prompt":{"id":"pmpt_1"}})")),
                                 "prompt", "unsupported_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"("hi")", R"({"top_logprobs":3})")), "top_logprobs",
                                 "unsupported_parameter"));
    EXPECT_TRUE(IsInvalidRequest(
        refusal(body(R"("hi")", R"({"stream_options":{"include_obfuscation":false}})")),
        "stream_options", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(body(R"("hi")", R"({"truncation":"middle"})")),
                                 "truncation", "invalid_value"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(body(R"("hi")", R"({"store":"yes"})")), "store", "invalid_type"));
}

TEST(ResponsesRequest, OllamaExtrasAndModelDefaults) {
    ModelDefaultsTable defaults;
    defaults["test-model"].options = {{"num_ctx", 8192}, {"temperature", 0.1}};
    const ResponsesRequest request =
        translate(body(R"("hi")", R"({"stream":true,"temperature":0.7,"keep_alive":"10m",
                                     "options":{"top_k":5}})"),
                  nullptr, defaults);
    EXPECT_EQ(request.native, json::parse(R"({"model":"test-model",
        "messages":[{"role":"user","content":"hi"}],"stream":true,"keep_alive":"10m",
        "options":{"temperature":0.7,"top_k":5,"num_ctx":8192}})"));
    EXPECT_TRUE(request.stream);
}

// ==== what a response repeats ===============================================================

TEST(ResponsesRequest, EchoOfAPlainRequest) {
    // OpenAI's defaults, except temperature and top_p: null, as the model's own apply.
    const ResponsesRequest request = translate(body(R"("hi")"));
    EXPECT_EQ(request.echo.dump(), nlohmann::ordered_json::parse(R"({"instructions":null,
        "max_output_tokens":null,"model":"test-model","output":[],"parallel_tool_calls":true,
        "previous_response_id":null,"reasoning":{"effort":null,"summary":null},"store":true,
        "temperature":null,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],
        "top_p":null,"truncation":"disabled","usage":null,"metadata":{}})")
                                       .dump());
}

TEST(ResponsesRequest, EchoOfAFullRequest) {
    // Given values are repeated as given (objects in the request's parsed key order).
    const ResponsesRequest request = translate(body(R"("hi")", R"({"instructions":"Be brief.",
        "max_output_tokens":64,"parallel_tool_calls":false,"reasoning":{"effort":"low",
        "summary":"auto"},"store":false,"temperature":0.2,"top_p":0.5,
        "text":{"format":{"type":"json_object"},"verbosity":"low"},
        "tools":[{"type":"function","name":"f","strict":true}],"tool_choice":"required",
        "truncation":"auto","metadata":{"k":"v"}})"));
    EXPECT_EQ(json(request.echo), json::parse(R"({"instructions":"Be brief.",
        "max_output_tokens":64,"model":"test-model","output":[],"parallel_tool_calls":false,
        "previous_response_id":null,"reasoning":{"effort":"low","summary":"auto"},
        "store":false,"temperature":0.2,"text":{"format":{"type":"json_object"},
        "verbosity":"low"},"tool_choice":"required",
        "tools":[{"type":"function","name":"f","strict":true}],"top_p":0.5,
        "truncation":"auto","usage":null,"metadata":{"k":"v"}})"));
    EXPECT_FALSE(request.store);
}

// ==== previous_response_id ==================================================================

// A store holding one finished turn: a user asked, the assistant called get_weather.
struct Stored {
    ResponseStore store{10, 3600s};
    std::shared_ptr<const StoredTurn> turn = std::make_shared<const StoredTurn>(
        nullptr, json::parse(R"([{"role":"user","content":"Weather in Paris?"},
            {"role":"assistant","content":"","tool_calls":[{"id":"call_1","function":{
              "index":0,"name":"get_weather","arguments":{"city":"Paris"}}}]}])"));
    Stored() { store.put("resp_prev", turn); }
};

TEST(ResponsesRequest, PreviousResponseIdPrependsTheStoredConversation) {
    // The function-call round trip: the output answers a call of the stored turn, which names
    // its function. Instructions lead afresh; the stored turn carries none.
    Stored stored;
    const ResponsesRequest request = translate(
        body(R"([{"type":"function_call_output","call_id":"call_1","output":"sunny"}])",
             R"({"previous_response_id":"resp_prev","instructions":"Answer in French."})"),
        &stored.store);
    EXPECT_EQ(request.previous, stored.turn);
    EXPECT_EQ(request.input, json::parse(R"([{"role":"tool","content":"sunny",
        "tool_call_id":"call_1","tool_name":"get_weather"}])"));
    EXPECT_EQ(request.native["messages"], json::parse(R"([
        {"role":"system","content":"Answer in French."},
        {"role":"user","content":"Weather in Paris?"},
        {"role":"assistant","content":"","tool_calls":[{"id":"call_1","function":{
          "index":0,"name":"get_weather","arguments":{"city":"Paris"}}}]},
        {"role":"tool","content":"sunny","tool_call_id":"call_1","tool_name":"get_weather"}])"));
    EXPECT_EQ(request.echo["previous_response_id"], "resp_prev");
}

TEST(ResponsesRequest, PreviousResponseIdWithoutNewInput) {
    Stored stored;
    const ResponsesRequest request =
        translate(R"({"model":"test-model","previous_response_id":"resp_prev"})", &stored.store);
    EXPECT_EQ(request.input, json::array());
    EXPECT_EQ(request.native["messages"].size(), 2u);
}

TEST(ResponsesRequest, AnUnknownPreviousResponseIsA404) {
    // Not found, with the code clients look for to start over.
    Stored stored;
    const std::string request = body(R"("hi")", R"({"previous_response_id":"resp_gone"})");
    for (ResponseStore* store : {&stored.store, static_cast<ResponseStore*>(nullptr)}) {
        const auto error = refusal(request, store);
        ASSERT_TRUE(error);
        EXPECT_EQ(error->status, 404u);
        EXPECT_EQ(error->param, "previous_response_id");
        EXPECT_EQ(error->code, "previous_response_not_found");
        EXPECT_EQ(error->message, "Previous response with id 'resp_gone' not found.");
        EXPECT_NE(error->body().find(R"("type":"not_found_error")"), std::string::npos);
    }
}

}  // namespace
}  // namespace ollama_proxy::openai
