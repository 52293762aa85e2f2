// POST /v1/chat/completions, the request half: an OpenAI chat request rewritten as a native
// /api/chat body, or refused with a 400 naming the field. Cases follow Ollama's own tests
// (ollama-api.md §3.1, §3.4) where they agree with DESIGN §4; where we follow OpenAI instead, the
// comment says which case we depart from and why.

#include "ollama_proxy/openai/chat_completions.hpp"
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
using test::thrown_api_error;

// A 1x1 PNG, as Ollama's image tests use.
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+"
    "M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

ChatRequest translate(const std::string& body, const ModelDefaultsTable& defaults = {}) {
    return translate_chat_request(json::parse(body), defaults);
}

std::optional<ApiError> refusal(const std::string& body) {
    return thrown_api_error([&] { translate(body); });
}

// A request around `messages` (JSON text) plus `extra` top-level fields (JSON object text).
std::string chat_body(const std::string& messages, const std::string& extra = "{}") {
    json body = json::parse(extra);
    body["model"] = "test-model";
    body["messages"] = json::parse(messages);
    return body.dump();
}

const std::string kHello = R"([{"role":"user","content":"Hello"}])";

// ==== request ===============================================================================

TEST(ChatRequest, Basic) {
    // TestFromChatRequest_Basic (§3.1.1) and "chat handler" (§3.4.1), except that no
    // temperature/top_p defaults are sent: unset sampling fields leave the Modelfile in charge.
    const ChatRequest request = translate(chat_body(kHello));
    EXPECT_EQ(request.native, json::parse(R"({"model":"test-model",
        "messages":[{"role":"user","content":"Hello"}],"stream":false})"));
    EXPECT_EQ(request.model, "test-model");
    EXPECT_FALSE(request.stream);
    EXPECT_FALSE(request.include_usage);
    EXPECT_EQ(request.choices, 1);
}

TEST(ChatRequest, WithOptions) {
    // "chat handler with options" (§3.4.2) with values inside OpenAI's ranges; Ollama's own
    // temperature 3.0 and top_p 6.0 are refused (next test).
    const ChatRequest request = translate(chat_body(kHello, R"({"stream":true,"max_tokens":999,
        "seed":123,"stop":["\n","stop"],"temperature":1.5,"frequency_penalty":1.0,
        "presence_penalty":-1.0,"top_p":0.6,"response_format":{"type":"json_object"}})"));
    EXPECT_EQ(request.native, json::parse(R"({"model":"test-model",
        "messages":[{"role":"user","content":"Hello"}],"stream":true,"format":"json",
        "options":{"num_predict":999,"seed":123,"stop":["\n","stop"],"temperature":1.5,
                   "frequency_penalty":1.0,"presence_penalty":-1.0,"top_p":0.6}})"));
    EXPECT_TRUE(request.stream);
    EXPECT_FALSE(request.include_usage);
}

TEST(ChatRequest, OllamasOutOfRangeSamplingValuesAreRefused) {
    // Departs from §3.4.2, which forwards temperature 3.0, penalties 4.0/5.0 and top_p 6.0:
    // OpenAI documents and enforces 0–2, −2–2 and 0–1.
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"temperature":3.0})")),
                                 "temperature", "invalid_value"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(chat_body(kHello, R"({"top_p":6.0})")), "top_p", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"frequency_penalty":4.0})")),
                                 "frequency_penalty", "invalid_value"));
}

TEST(ChatRequest, StreamingUsageDoesNotChangeTheNativeBody) {
    // "chat handler with streaming usage" (§3.4.3).
    const ChatRequest plain = translate(chat_body(kHello, R"({"stream":true})"));
    const ChatRequest usage =
        translate(chat_body(kHello, R"({"stream":true,"stream_options":{"include_usage":true}})"));
    EXPECT_EQ(usage.native, plain.native);
    EXPECT_TRUE(usage.include_usage);
    EXPECT_FALSE(
        translate(chat_body(kHello, R"({"stream":true,"stream_options":{}})")).include_usage);
}

TEST(ChatRequest, StreamOptionsRequireStreaming) {
    // OpenAI answers 400 for stream_options without stream:true (openai-api.md §3.1).
    EXPECT_TRUE(
        IsInvalidRequest(refusal(chat_body(kHello, R"({"stream_options":{"include_usage":true}})")),
                         "stream_options", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(
        refusal(chat_body(kHello, R"({"stream":false,"stream_options":{"include_usage":true}})")),
        "stream_options", "invalid_value"));
    EXPECT_NO_THROW(translate(chat_body(kHello, R"({"stream_options":null})")));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"stream":"yes"})")), "stream",
                                 "invalid_type"));
}

TEST(ChatRequest, MaxCompletionTokensIsMapped) {
    // Departs from Ollama, which ignores it (§2.1, §6.1); it is what current SDKs send.
    EXPECT_EQ(translate(chat_body(kHello, R"({"max_completion_tokens":42})")).native["options"],
              json::parse(R"({"num_predict":42})"));
}

TEST(ChatRequest, ImageContentStaysInOneMessage) {
    // Departs from TestFromChatRequest_WithImage (§3.1.3) and "chat handler with image content"
    // (§3.4.4), which split the parts into a text message and an image-only message: one OpenAI
    // message is one turn, so its text and its images stay together. Native images are bare
    // base64.
    const ChatRequest request = translate(chat_body(std::string(R"([{"role":"user","content":[
        {"type":"text","text":"Hello"},
        {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,)") +
                                                    kPng + R"("}}]}])"));
    EXPECT_EQ(request.native["messages"],
              json::parse(std::string(R"([{"role":"user","content":"Hello","images":[")") + kPng +
                          R"("]}])"));
}

TEST(ChatRequest, TextPartsAreJoinedWithNewlinesAndImagesKeepTheirOrder) {
    const ChatRequest request = translate(chat_body(R"([{"role":"user","content":[
        {"type":"text","text":"first"},
        {"type":"image_url","image_url":{"url":"data:image/png;base64,Zm9v","detail":"high"}},
        {"type":"text","text":"second"},
        {"type":"image_url","image_url":"data:;base64,YmFy"}]}])"));
    EXPECT_EQ(request.native["messages"], json::parse(R"([{"role":"user",
        "content":"first\nsecond","images":["Zm9v","YmFy"]}])"));

    const ChatRequest system = translate(chat_body(R"([{"role":"system","content":[
        {"type":"text","text":"a"},{"type":"text","text":"b"}]}])"));
    EXPECT_EQ(system.native["messages"], json::parse(R"([{"role":"system","content":"a\nb"}])"));
}

TEST(ChatRequest, InputAudioIsPassedLikeAnImage) {
    const ChatRequest request = translate(chat_body(R"([{"role":"user","content":[
        {"type":"input_audio",
         "input_audio":{"data":"UklGRi4uLi5XQVZFZm10IA==","format":"wav"}}]}])"));
    EXPECT_EQ(request.native["messages"], json::parse(R"([{"role":"user","content":"",
        "images":["UklGRi4uLi5XQVZFZm10IA=="]}])"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"user","content":[
        {"type":"input_audio","input_audio":{"data":"not base64!"}}]}])")),
                                 "messages[0].content[0].input_audio.data", "invalid_value"));
}

TEST(ChatRequest, ImageErrorsNameThePart) {
    // Remote URLs are refused like Ollama does (§2.1), as OpenAI-style errors.
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"user","content":[
        {"type":"text","text":"x"},
        {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}])")),
                                 "messages[0].content[1].image_url.url", "unsupported_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"user","content":[
        {"type":"image_url","image_url":{"url":"data:image/png,Zm9v"}}]}])")),
                                 "messages[0].content[0].image_url.url", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"user","content":[
        {"type":"image_url","image_url":{"url":"data:image/png;base64,@@@@"}}]}])")),
                                 "messages[0].content[0].image_url.url", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"user","content":[
        {"type":"image_url","image_url":{}}]}])")),
                                 "messages[0].content[0].image_url.url",
                                 "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"user","content":[
        {"type":"image_url"}]}])")),
                                 "messages[0].content[0].image_url", "missing_required_parameter"));
}

TEST(ChatRequest, ContentPartErrorsNameThePart) {
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"user","content":["hi"]}])")),
                                 "messages[0].content[0]", "invalid_type"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(chat_body(R"([{"role":"user","content":[{"text":"no type"}]}])")),
                         "messages[0].content[0].type", "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"user","content":[
        {"type":"file","file":{"file_id":"file-1"}}]}])")),
                                 "messages[0].content[0].type", "unsupported_value"));
    // Images only in user messages; refusals only in assistant messages.
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"system","content":[
        {"type":"image_url","image_url":{"url":"data:image/png;base64,Zm9v"}}]}])")),
                                 "messages[0].content[0].type", "unsupported_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"user","content":[
        {"type":"refusal","refusal":"no"}]}])")),
                                 "messages[0].content[0].type", "unsupported_value"));
    const ChatRequest refused = translate(chat_body(R"([{"role":"user","content":"q"},
        {"role":"assistant","content":[{"type":"refusal","refusal":"I can't."}]}])"));
    EXPECT_EQ(refused.native["messages"][1],
              json::parse(R"({"role":"assistant","content":"I can't."})"));
}

TEST(ChatRequest, ErrorForwardingForAContentOfTheWrongType) {
    // "chat handler error forwarding" (§3.4.12): content 2 is a 400, here with OpenAI's param
    // and code instead of Ollama's "invalid message content type: float64".
    const auto error = refusal(chat_body(R"([{"role":"user","content":2}])"));
    EXPECT_TRUE(IsInvalidRequest(error, "messages[0].content", "invalid_type"));
}

TEST(ChatRequest, MessageErrorsNameTheMessage) {
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"test-model"})"), "messages",
                                 "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body("[]")), "messages", "empty_array"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(chat_body(R"({"role":"user"})")), "messages", "invalid_type"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"user","content":"a"},"b"])")),
                                 "messages[1]", "invalid_type"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"content":"a"}])")), "messages[0].role",
                                 "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"bot","content":"a"}])")),
                                 "messages[0].role", "invalid_value"));
    // No content and no tool calls (Ollama: "invalid message content type: <nil>").
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"user"}])")), "messages[0].content",
                                 "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"assistant","content":null}])")),
                                 "messages[0].content", "missing_required_parameter"));
}

TEST(ChatRequest, ModelIsRequired) {
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"messages":[{"role":"user","content":"x"}]})"),
                                 "model", "missing_required_parameter"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"model":"","messages":[{"role":"user","content":"x"}]})"),
                         "model", "missing_required_parameter"));
}

TEST(ChatRequest, DeveloperBecomesSystemAndFunctionBecomesTool) {
    // Departs from Ollama, which passes `developer` through (§2.1): chat templates know only
    // system/user/assistant/tool, so a developer prompt would be dropped by most of them.
    const ChatRequest request = translate(chat_body(R"([
        {"role":"developer","content":"Be brief."},
        {"role":"user","content":"Weather?","name":"alice"},
        {"role":"function","name":"get_weather","content":"sunny"}])"));
    EXPECT_EQ(request.native["messages"], json::parse(R"([
        {"role":"system","content":"Be brief."},
        {"role":"user","content":"Weather?"},
        {"role":"tool","content":"sunny","tool_name":"get_weather"}])"));
}

const std::string kWeatherCall = R"({"id":"id","type":"function","function":{
    "name":"get_current_weather",
    "arguments":"{\"location\": \"Paris, France\", \"format\": \"celsius\"}"}})";
const json kNativeWeatherCall = json::parse(R"({"id":"id","function":{"index":0,
    "name":"get_current_weather","arguments":{"location":"Paris, France","format":"celsius"}}})");

TEST(ChatRequest, AssistantToolCallsWithoutContent) {
    // "chat handler with tools" (§3.4.5): arguments parsed into an object, content "".
    const ChatRequest request = translate(chat_body(
        R"([{"role":"user","content":"What's the weather like in Paris Today?"},
            {"role":"assistant","tool_calls":[)" +
        kWeatherCall + "]}]"));
    json expected = json::parse(R"({"role":"assistant","content":""})");
    expected["tool_calls"] = json::array({kNativeWeatherCall});
    EXPECT_EQ(request.native["messages"][1], expected);
}

TEST(ChatRequest, AssistantToolCallsWithContentEmptyContentOrReasoning) {
    // §3.4.6, §3.4.7 and §3.4.8. Both reasoning_content (DeepSeek/vLLM) and Ollama's
    // `reasoning` become native thinking; reasoning_content wins when both are sent.
    const std::pair<const char*, const char*> cases[] = {
        {R"("content":"Let's see what the weather is like in Paris")",
         R"({"role":"assistant","content":"Let's see what the weather is like in Paris"})"},
        {R"("content":"")", R"({"role":"assistant","content":""})"},
        {R"("reasoning":"Let's see what the weather is like in Paris")",
         R"({"role":"assistant","content":"",
             "thinking":"Let's see what the weather is like in Paris"})"},
        {R"("reasoning_content":"first","reasoning":"second","content":null)",
         R"({"role":"assistant","content":"","thinking":"first"})"},
    };
    for (const auto& [fields, native] : cases) {
        const ChatRequest request =
            translate(chat_body(R"([{"role":"user","content":"q"},{"role":"assistant",)" +
                                std::string(fields) + R"(,"tool_calls":[)" + kWeatherCall + "]}]"));
        json expected = json::parse(native);
        expected["tool_calls"] = json::array({kNativeWeatherCall});
        EXPECT_EQ(request.native["messages"][1], expected) << fields;
    }
}

TEST(ChatRequest, EmptyToolCallArgumentsMeanNoArguments) {
    // Departs from Ollama, which answers 400 "invalid tool call arguments" for "" (§2.1):
    // clients send "" for a call without parameters.
    const ChatRequest request = translate(chat_body(R"([{"role":"user","content":"q"},
        {"role":"assistant","content":null,"tool_calls":[
            {"id":"c1","type":"function","function":{"name":"now","arguments":""}},
            {"type":"function","function":{"name":"today"}}]}])"));
    EXPECT_EQ(request.native["messages"][1]["tool_calls"], json::parse(R"([
        {"id":"c1","function":{"index":0,"name":"now","arguments":{}}},
        {"function":{"index":1,"name":"today","arguments":{}}}])"));
}

TEST(ChatRequest, ToolCallErrorsNameTheCall) {
    const auto with_call = [](const std::string& call) {
        return chat_body(R"([{"role":"assistant","content":null,"tool_calls":[)" + call + "]}]");
    };
    EXPECT_TRUE(IsInvalidRequest(
        refusal(with_call(R"({"type":"function","function":{"name":"f","arguments":"{oops"}})")),
        "messages[0].tool_calls[0].function.arguments", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(
        refusal(with_call(R"({"type":"function","function":{"name":"f","arguments":"[1]"}})")),
        "messages[0].tool_calls[0].function.arguments", "invalid_value"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(with_call(R"({"type":"function","function":{"arguments":"{}"}})")),
                         "messages[0].tool_calls[0].function.name", "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(with_call(R"({"id":"x","type":"function"})")),
                                 "messages[0].tool_calls[0].function",
                                 "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(with_call(R"("call")")), "messages[0].tool_calls[0]",
                                 "invalid_type"));
    EXPECT_TRUE(IsInvalidRequest(
        refusal(chat_body(R"([{"role":"assistant","content":null,"tool_calls":{}}])")),
        "messages[0].tool_calls", "invalid_type"));
}

TEST(ChatRequest, DeeplyNestedToolCallArgumentsAreRefused) {
    // `arguments` is a JSON string, so the nesting bound of parse_request_body never sees its
    // brackets: it needs its own. Unbounded, a 100,000-deep object would reach the native body,
    // whose dump() overflows the stack (DESIGN §4: hostile input never crashes the daemon).
    // 1,000 levels show the bound without risking this test binary's stack.
    const std::string deep = R"({\"a\":)" + std::string(1000, '[') + std::string(1000, ']') + "}";
    const auto error = refusal(chat_body(
        R"([{"role":"assistant","content":null,"tool_calls":[{"type":"function",
            "function":{"name":"f","arguments":")" +
        deep + R"("}}]}])"));
    EXPECT_TRUE(
        IsInvalidRequest(error, "messages[0].tool_calls[0].function.arguments", "invalid_value"));
}

TEST(ChatRequest, ToolResultWithCallIdGetsTheFunctionName) {
    // "tool response with call ID" (§3.4.9): the name is looked up from the earlier call.
    const ChatRequest request = translate(chat_body(R"([
        {"role":"user","content":"What's the weather like in Paris Today?"},
        {"role":"assistant","tool_calls":[{"id":"id_abc","type":"function","function":{
            "name":"get_current_weather","arguments":"{\"location\":\"Paris, France\"}"}}]},
        {"role":"tool","tool_call_id":"id_abc",
         "content":"The weather in Paris is 20 degrees Celsius"}])"));
    EXPECT_EQ(request.native["messages"][2], json::parse(R"({"role":"tool",
        "content":"The weather in Paris is 20 degrees Celsius",
        "tool_name":"get_current_weather","tool_call_id":"id_abc"})"));
}

TEST(ChatRequest, ToolResultNeedsAToolCallId) {
    // Departs from "tool response with name" (§3.4.10), which accepts a tool message with only a
    // name: OpenAI requires tool_call_id on tool messages. The deprecated `function` role is the
    // one that carries a name alone (DeveloperBecomesSystemAndFunctionBecomesTool).
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(R"([{"role":"user","content":"q"},
        {"role":"tool","name":"get_current_weather","content":"20 degrees"}])")),
                                 "messages[1].tool_call_id", "missing_required_parameter"));
    // An explicit name wins over the lookup.
    const ChatRequest named = translate(chat_body(R"([
        {"role":"tool","tool_call_id":"c9","name":"explicit","content":"x"}])"));
    EXPECT_EQ(named.native["messages"][0], json::parse(R"({"role":"tool","content":"x",
        "tool_call_id":"c9","tool_name":"explicit"})"));
}

TEST(ChatRequest, ToolResultWithArrayContentKeepsItsCallId) {
    // Departs from Ollama, where an array-content tool message loses tool_call_id and tool_name
    // (§2.1): it is still one tool result.
    const ChatRequest request = translate(chat_body(R"([
        {"role":"assistant","tool_calls":[{"id":"c1","type":"function",
            "function":{"name":"lookup","arguments":"{}"}}]},
        {"role":"tool","tool_call_id":"c1","content":[{"type":"text","text":"part 1"},
            {"type":"text","text":"part 2"}]}])"));
    EXPECT_EQ(request.native["messages"][1], json::parse(R"({"role":"tool",
        "content":"part 1\npart 2","tool_call_id":"c1","tool_name":"lookup"})"));
}

const std::string kWeatherTool = R"({"type":"function","function":{"name":"get_weather",
    "description":"Get the current weather","parameters":{"type":"object",
    "required":["location"],"properties":{"location":{"type":"string",
    "description":"The city and state"},"unit":{"type":"string",
    "enum":["celsius","fahrenheit"]}}}}})";
const std::string kTimeTool = R"({"type":"function","function":{"name":"get_time"}})";

TEST(ChatRequest, ToolsArePassedUnchanged) {
    // "chat handler with streaming tools" (§3.4.11).
    const ChatRequest request =
        translate(chat_body(kHello, R"({"stream":true,"tools":[)" + kWeatherTool + "]}"));
    EXPECT_EQ(request.native["tools"], json::parse("[" + kWeatherTool + "]"));
    EXPECT_EQ(request.native["stream"], true);
}

TEST(ChatRequest, ToolChoiceNarrowsTheOfferedTools) {
    // Departs from Ollama, which ignores tool_choice (§2.1): Ollama cannot force a call, but it
    // can be offered only the tools the client allows.
    const std::string tools = R"({"tools":[)" + kWeatherTool + "," + kTimeTool + "]";
    const json both = json::parse("[" + kWeatherTool + "," + kTimeTool + "]");
    EXPECT_EQ(translate(chat_body(kHello, tools + "}")).native["tools"], both);
    EXPECT_EQ(translate(chat_body(kHello, tools + R"(,"tool_choice":"auto"})")).native["tools"],
              both);
    EXPECT_EQ(translate(chat_body(kHello, tools + R"(,"tool_choice":"required"})")).native["tools"],
              both);
    EXPECT_FALSE(
        translate(chat_body(kHello, tools + R"(,"tool_choice":"none"})")).native.contains("tools"));
    EXPECT_EQ(translate(chat_body(kHello, tools + R"(,"tool_choice":{"type":"function",
                  "function":{"name":"get_time"}}})"))
                  .native["tools"],
              json::parse("[" + kTimeTool + "]"));
    EXPECT_EQ(translate(chat_body(kHello, tools + R"(,"tool_choice":{"type":"allowed_tools",
                  "allowed_tools":{"mode":"auto","tools":[{"type":"function",
                  "function":{"name":"get_weather"}}]}}})"))
                  .native["tools"],
              json::parse("[" + kWeatherTool + "]"));
}

TEST(ChatRequest, ToolAndToolChoiceErrors) {
    const std::string tools = R"({"tools":[)" + kWeatherTool + "]";
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, tools + R"(,"tool_choice":{
        "type":"function","function":{"name":"get_time"}}})")),
                                 "tool_choice", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, tools + R"(,"tool_choice":"always"})")),
                                 "tool_choice", "invalid_value"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(chat_body(kHello, tools + R"(,"tool_choice":{"type":"custom"}})")),
                         "tool_choice.type", "unsupported_value"));
    EXPECT_TRUE(IsInvalidRequest(
        refusal(chat_body(kHello, R"({"tools":[{"type":"custom","custom":{"name":"x"}}]})")),
        "tools[0].type", "unsupported_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"tools":[{"type":"function"}]})")),
                                 "tools[0].function", "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(
        refusal(chat_body(kHello, R"({"tools":[{"type":"function","function":{}}]})")),
        "tools[0].function.name", "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"tools":["get_weather"]})")),
                                 "tools[0]", "invalid_type"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(chat_body(kHello, R"({"tools":{}})")), "tools", "invalid_type"));
}

TEST(ChatRequest, DeprecatedFunctionsAreRefusedNamingTheFieldSent) {
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"functions":[{"name":"f"}]})")),
                                 "functions", "unsupported_parameter"));
    // The refusal names the deprecated field the request actually sent.
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"function_call":"auto"})")),
                                 "function_call", "unsupported_parameter"));
}

TEST(ChatRequest, ResponseFormat) {
    EXPECT_FALSE(translate(chat_body(kHello, R"({"response_format":{"type":"text"}})"))
                     .native.contains("format"));
    EXPECT_EQ(translate(chat_body(kHello, R"({"response_format":{"type":"json_object"}})"))
                  .native["format"],
              "json");
    // json_schema: the schema itself; name and strict are OpenAI-only.
    EXPECT_EQ(translate(chat_body(kHello, R"({"response_format":{"type":"json_schema",
                  "json_schema":{"name":"r","strict":true,"schema":{"type":"object",
                  "properties":{"a":{"type":"integer"}}}}}})"))
                  .native["format"],
              json::parse(R"({"type":"object","properties":{"a":{"type":"integer"}}})"));
    // Without a schema, JSON is still asked for (Ollama sends no format at all).
    EXPECT_EQ(translate(chat_body(kHello, R"({"response_format":{"type":"json_schema",
                  "json_schema":{"name":"r"}}})"))
                  .native["format"],
              "json");
    EXPECT_TRUE(
        IsInvalidRequest(refusal(chat_body(kHello, R"({"response_format":{"type":"yaml"}})")),
                         "response_format.type", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"response_format":{}})")),
                                 "response_format.type", "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"response_format":"json"})")),
                                 "response_format", "invalid_type"));
}

TEST(ChatRequest, ReasoningEffortBecomesThink) {
    // TestFromChatRequest_ReasoningEffort (§3.1.2).
    const std::pair<const char*, json> cases[] = {
        {"high", "high"},   {"medium", "medium"}, {"low", "low"},  {"max", "max"},
        {"minimal", "low"}, {"xhigh", "max"},     {"none", false},
    };
    for (const auto& [effort, think] : cases) {
        const ChatRequest request =
            translate(chat_body(kHello, std::string(R"({"reasoning_effort":")") + effort + "\"}"));
        EXPECT_EQ(request.native["think"], think) << effort;
    }
    EXPECT_FALSE(translate(chat_body(kHello)).native.contains("think"));
    EXPECT_FALSE(
        translate(chat_body(kHello, R"({"reasoning_effort":""})")).native.contains("think"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"reasoning_effort":"extreme"})")),
                                 "reasoning_effort", "invalid_value"));
    // Departs from Ollama, which maps "ultra" to "max": it is not among OpenAI's values.
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"reasoning_effort":"ultra"})")),
                                 "reasoning_effort", "invalid_value"));
}

TEST(ChatRequest, NestedReasoningEffortWins) {
    EXPECT_EQ(translate(chat_body(kHello, R"({"reasoning_effort":"low",
                  "reasoning":{"effort":"high"}})"))
                  .native["think"],
              "high");
    // Departs from Ollama, where a `reasoning` object without effort hides reasoning_effort.
    EXPECT_EQ(translate(chat_body(kHello, R"({"reasoning_effort":"low","reasoning":{}})"))
                  .native["think"],
              "low");
    EXPECT_TRUE(
        IsInvalidRequest(refusal(chat_body(kHello, R"({"reasoning":{"effort":"extreme"}})")),
                         "reasoning.effort", "invalid_value"));
    EXPECT_EQ(think_for_effort("minimal", "x"), "low");
}

TEST(ChatRequest, Logprobs) {
    // TestFromChatRequest_WithLogprobs (§3.1.8).
    const ChatRequest request =
        translate(chat_body(kHello, R"({"logprobs":true,"top_logprobs":5})"));
    EXPECT_EQ(request.native["logprobs"], true);
    EXPECT_EQ(request.native["top_logprobs"], 5);
    // TestFromChatRequest_LogprobsDefault (§3.1.9): Go's zero values; here simply absent.
    const ChatRequest plain = translate(chat_body(kHello, R"({"logprobs":false})"));
    EXPECT_FALSE(plain.native.contains("logprobs"));
    EXPECT_FALSE(plain.native.contains("top_logprobs"));
    // TestFromChatRequest_TopLogprobsRange (§3.1.27): 0–20 pass. Ollama leaves the range check
    // to the native side; we refuse 21 ourselves, and top_logprobs without logprobs as OpenAI.
    for (const int top : {0, 1, 10, 20}) {
        EXPECT_EQ(translate(chat_body(kHello, R"({"logprobs":true,"top_logprobs":)" +
                                                  std::to_string(top) + "}"))
                      .native["top_logprobs"],
                  top);
    }
    EXPECT_TRUE(
        IsInvalidRequest(refusal(chat_body(kHello, R"({"logprobs":true,"top_logprobs":21})")),
                         "top_logprobs", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"top_logprobs":2})")),
                                 "top_logprobs", "invalid_value"));
}

TEST(ChatRequest, NChoosesTheNumberOfCalls) {
    EXPECT_EQ(translate(chat_body(kHello, R"({"n":3})")).choices, 3);
    EXPECT_EQ(translate(chat_body(kHello, R"({"n":null})")).choices, 1);
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"n":0})")), "n", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"n":129})")), "n", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"n":1.5})")), "n", "invalid_type"));
}

TEST(ChatRequest, WhatCannotBeHonouredIsRefused) {
    // Ollama silently ignores these (§2.1); a client relying on them should know.
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"logit_bias":{"50256":-100}})")),
                                 "logit_bias", "unsupported_parameter"));
    EXPECT_TRUE(IsInvalidRequest(
        refusal(chat_body(kHello, R"({"audio":{"voice":"alloy","format":"wav"}})")), "audio",
        "unsupported_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(chat_body(kHello, R"({"modalities":["text","audio"]})")),
                                 "modalities", "unsupported_value"));
    // Empty or harmless values pass, and fields without a native meaning are not sent.
    const ChatRequest request = translate(chat_body(kHello, R"({"logit_bias":{},
        "modalities":["text"],"user":"u","store":false,"metadata":{"k":"v"},
        "parallel_tool_calls":true,"service_tier":"auto","safety_identifier":"s"})"));
    EXPECT_EQ(request.native, json::parse(R"({"model":"test-model",
        "messages":[{"role":"user","content":"Hello"}],"stream":false})"));
}

TEST(ChatRequest, OllamaExtrasAndModelDefaults) {
    const ModelDefaultsTable defaults{
        {"test-model", {json::parse(R"({"num_ctx":8192,"temperature":0.1})"), "30m"}}};
    const ChatRequest request = translate(
        chat_body(kHello, R"({"temperature":0.7,"options":{"top_k":20},"keep_alive":"5m"})"),
        defaults);
    EXPECT_EQ(request.native, json::parse(R"({"model":"test-model",
        "messages":[{"role":"user","content":"Hello"}],"stream":false,"keep_alive":"5m",
        "options":{"temperature":0.7,"top_k":20,"num_ctx":8192}})"));
}

}  // namespace
}  // namespace ollama_proxy::openai
