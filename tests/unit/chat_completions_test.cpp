// POST /v1/chat/completions on top of POST /api/chat: the request rewritten as a native chat
// body, native replies as a chat.completion, and native NDJSON lines as chat.completion.chunk
// events. Cases follow Ollama's own tests (ollama-api.md §3.1, §3.3, §3.4) where they agree with
// DESIGN §4; where we follow OpenAI instead, the comment says which case we depart from and why.

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
using test::IsInvalidRequest;
using test::kDone;
using test::sse_events;
using test::Step;
using test::StreamRun;
using test::thrown_api_error;

constexpr std::uint64_t kSeed = 20240501;
const Envelope kEnvelope{"chatcmpl-fixed", 1700000000, "test-model"};

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

// The `n`-th fresh id of a source seeded like the translators'.
std::string fresh_id(std::string_view prefix, int n = 0) {
    IdSource ids(kSeed);
    std::string id;
    for (int i = 0; i <= n; ++i)
        id = ids.make(prefix);
    return id;
}

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
    EXPECT_EQ(calls[0]["id"], fresh_id("call_", 0));
    EXPECT_EQ(calls[0]["id"].get<std::string>().size(), 5u + 24u);
    EXPECT_EQ(calls[1]["id"], "same");
    EXPECT_EQ(calls[2]["id"], fresh_id("call_", 1));
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

// ==== streaming reply =======================================================================

// The chunk every stream event but the usage one is: one choice with `delta`.
json chunk(const json& delta, const json& finish = nullptr, std::size_t index = 0,
           const json& logprobs = nullptr) {
    json choice = json::object();
    choice["index"] = index;
    choice["delta"] = delta;
    choice["logprobs"] = logprobs;
    choice["finish_reason"] = finish;
    json out = json::object();
    out["id"] = kEnvelope.id;
    out["object"] = "chat.completion.chunk";
    out["created"] = kEnvelope.created;
    out["model"] = kEnvelope.model;
    out["choices"] = json::array();
    out["choices"].push_back(choice);
    return out;
}

// With include_usage every chunk but the last carries "usage": null, as OpenAI's do.
json with_null_usage(json event) {
    event["usage"] = nullptr;
    return event;
}

json usage_chunk(int prompt, int completion) {
    json out = json::object();
    out["id"] = kEnvelope.id;
    out["object"] = "chat.completion.chunk";
    out["created"] = kEnvelope.created;
    out["model"] = kEnvelope.model;
    out["choices"] = json::array();
    out["usage"] = {{"prompt_tokens", prompt},
                    {"completion_tokens", completion},
                    {"total_tokens", prompt + completion}};
    return out;
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
    EXPECT_EQ(first, json::parse(R"([{"index":0,"id":")" + fresh_id("call_") +
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
