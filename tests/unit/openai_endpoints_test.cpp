// The OpenAI routing table: which native calls a request plans, what their bodies are, how the
// replies are assembled, and the 404/405/400 answers for everything else.

#include "ollama_proxy/openai/endpoints.hpp"
#include "openai_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using test::IsApiError;
using test::IsInvalidRequest;
using test::kDone;
using test::sse_events;
using test::thrown_api_error;

constexpr std::uint64_t kSeed = 99;
constexpr std::int64_t kNow = 1700000000;

// A context like the exchange's: no model defaults, a seeded id source, a fixed clock, a store.
struct Planner {
    ModelDefaultsTable defaults;
    IdSource ids{kSeed};
    ResponseStore responses{10, std::chrono::seconds(3600)};
    PlanContext context = make_context();

    PlanContext make_context() {
        PlanContext made{defaults, ids, kNow, "/v1"};
        made.responses = &responses;
        made.clock = [] { return kNow + 5; };
        return made;
    }

    Plan plan(std::string_view method, std::string_view path, std::string_view body = {}) {
        return plan_request(method, path, body, context);
    }
    std::optional<ApiError> refusal(std::string_view method, std::string_view path,
                                    std::string_view body = {}) {
        return thrown_api_error([&] { plan(method, path, body); });
    }
};

const std::string kChat = R"({"model":"llama3.2","messages":[{"role":"user","content":"Hi"}]})";
const std::string kChatReply = R"({"model":"llama3.2","message":{"role":"assistant",
    "content":"Hello!"},"done":true,"done_reason":"stop","prompt_eval_count":4,"eval_count":2})";

TEST(Endpoints, OnlyPostCarriesABody) {
    EXPECT_TRUE(takes_body("POST"));
    EXPECT_FALSE(takes_body("GET"));
    EXPECT_FALSE(takes_body("DELETE"));
}

TEST(Endpoints, UnknownPathsAre404InvalidUrl) {
    // OpenAI's own wording and type for an unknown route (openai-api.md §1.2).
    Planner planner;
    const auto error = planner.refusal("POST", "/foo", "{}");
    EXPECT_TRUE(IsApiError(error, 404, "invalid_request_error", nullptr, nullptr));
    EXPECT_EQ(error->message, "Invalid URL (POST /v1/foo)");
    for (const char* path : {"/chat/completions/", "/chat", "", "/responses/", "/Models"}) {
        EXPECT_TRUE(IsApiError(planner.refusal("GET", path), 404, "invalid_request_error", nullptr,
                               nullptr))
            << path;
    }
    planner.context.base_path = "/openai/v1";
    EXPECT_EQ(planner.refusal("GET", "/nope")->message, "Invalid URL (GET /openai/v1/nope)");
}

TEST(Endpoints, WrongMethodsAre405NamingTheAllowedOne) {
    Planner planner;
    const auto chat = planner.refusal("GET", "/chat/completions");
    EXPECT_TRUE(IsApiError(chat, 405, "invalid_request_error", nullptr, nullptr));
    EXPECT_EQ(chat->message, "Method GET is not allowed for /v1/chat/completions; use POST.");
    EXPECT_TRUE(IsApiError(planner.refusal("PUT", "/completions", "{}"), 405,
                           "invalid_request_error", nullptr, nullptr));
    EXPECT_TRUE(IsApiError(planner.refusal("GET", "/embeddings"), 405, "invalid_request_error",
                           nullptr, nullptr));
    EXPECT_TRUE(IsApiError(planner.refusal("GET", "/responses"), 405, "invalid_request_error",
                           nullptr, nullptr));
    const auto models = planner.refusal("POST", "/models", "{}");
    EXPECT_TRUE(IsApiError(models, 405, "invalid_request_error", nullptr, nullptr));
    EXPECT_EQ(models->message, "Method POST is not allowed for /v1/models; use GET.");
    EXPECT_TRUE(IsApiError(planner.refusal("DELETE", "/models/llama3.2"), 405,
                           "invalid_request_error", nullptr, nullptr));
}

TEST(Endpoints, BadBodiesAre400) {
    Planner planner;
    for (const char* path : {"/chat/completions", "/completions", "/embeddings",
                             "/images/generations", "/responses"}) {
        EXPECT_TRUE(IsInvalidRequest(planner.refusal("POST", path, "{oops"), nullptr, nullptr))
            << path;
        EXPECT_TRUE(IsInvalidRequest(planner.refusal("POST", path, "[]"), nullptr, nullptr))
            << path;
        EXPECT_TRUE(IsInvalidRequest(planner.refusal("POST", path, "{}"), "model",
                                     "missing_required_parameter"))
            << path;
        const std::string deep =
            R"({"model":"m","x":)" + std::string(100, '[') + std::string(100, ']') + "}";
        EXPECT_TRUE(IsInvalidRequest(planner.refusal("POST", path, deep), nullptr, nullptr))
            << path;
    }
}

TEST(Endpoints, ChatPlansOneNativeChatCall) {
    Planner planner;
    const Plan plan = planner.plan("POST", "/chat/completions", kChat);
    EXPECT_EQ(plan.model, "llama3.2");
    ASSERT_EQ(plan.calls.size(), 1u);
    EXPECT_EQ(plan.calls[0].method, "POST");
    EXPECT_EQ(plan.calls[0].path, "/api/chat");
    EXPECT_EQ(json::parse(plan.calls[0].body), json::parse(R"({"model":"llama3.2",
        "messages":[{"role":"user","content":"Hi"}],"stream":false})"));
    EXPECT_EQ(plan.stream, nullptr);
    ASSERT_TRUE(plan.assemble);

    const json reply = json::parse(plan.assemble({kChatReply}));
    EXPECT_EQ(reply, json::parse(R"({"id":")" + test::nth_id(kSeed, "chatcmpl-") + R"(",
        "object":"chat.completion","created":1700000000,"model":"llama3.2",
        "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!","refusal":null},
                    "logprobs":null,"finish_reason":"stop"}],
        "usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}})"));
    EXPECT_EQ(reply["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
    EXPECT_EQ(reply["id"].get<std::string>().size(), 9u + 24u);
}

TEST(Endpoints, ChatWithNGivesNCallsAndNChoices) {
    Planner planner;
    const Plan plan =
        planner.plan("POST", "/chat/completions",
                     R"({"model":"llama3.2","n":3,"messages":[{"role":"user","content":"Hi"}]})");
    ASSERT_EQ(plan.calls.size(), 3u);
    for (const NativeCall& call : plan.calls) {
        EXPECT_EQ(call.path, "/api/chat");
        EXPECT_EQ(call.body, plan.calls[0].body);
    }
    const json reply = json::parse(plan.assemble({kChatReply, kChatReply, kChatReply}));
    ASSERT_EQ(reply["choices"].size(), 3u);
    EXPECT_EQ(reply["choices"][2]["index"], 2);
    EXPECT_EQ(reply["usage"]["total_tokens"], 4 + 3 * 2);  // the shared prompt counts once
}

TEST(Endpoints, ChatAssembleRefusesAReplyThatIsNotAnObject) {
    Planner planner;
    const Plan plan = planner.plan("POST", "/chat/completions", kChat);
    for (const char* body : {"not json", "[]", ""}) {
        const auto error = thrown_api_error([&] { plan.assemble({body}); });
        EXPECT_TRUE(IsApiError(error, 502, "api_error", nullptr, nullptr)) << body;
        ASSERT_TRUE(error);
        EXPECT_EQ(error->message, "remote Ollama sent a reply that is not a JSON object");
    }
}

TEST(Endpoints, StreamingChatPlansATranslatorWithOneIdAndTheClock) {
    Planner planner;
    const Plan plan = planner.plan(
        "POST", "/chat/completions",
        R"({"model":"llama3.2","stream":true,"n":2,"stream_options":{"include_usage":true},
            "messages":[{"role":"user","content":"Hi"}]})");
    ASSERT_EQ(plan.calls.size(), 2u);
    EXPECT_EQ(json::parse(plan.calls[0].body)["stream"], true);
    EXPECT_FALSE(plan.assemble);
    ASSERT_NE(plan.stream, nullptr);

    const std::string line = R"({"message":{"content":"Yo"},"done":true,"done_reason":"stop",
                                 "prompt_eval_count":1,"eval_count":1})";
    const test::StreamRun run = test::run_lines(*plan.stream, {{line}, {line}});
    const std::vector<json> events = sse_events(run.sse);
    ASSERT_EQ(events.size(), 6u);
    for (std::size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(events[i]["id"], test::nth_id(kSeed, "chatcmpl-")) << i;
        EXPECT_EQ(events[i]["created"], kNow) << i;
        EXPECT_EQ(events[i]["model"], "llama3.2") << i;
    }
    EXPECT_EQ(events[2]["choices"][0]["index"], 1);
    EXPECT_EQ(events[4]["usage"]["total_tokens"], 3);  // the shared prompt counts once
    EXPECT_EQ(events[5], kDone);
}

TEST(Endpoints, CompletionsPlanOneGenerateCallPerChoice) {
    Planner planner;
    const Plan plan =
        planner.plan("POST", "/completions", R"({"model":"m","prompt":["a","b"],"echo":true})");
    EXPECT_EQ(plan.model, "m");
    ASSERT_EQ(plan.calls.size(), 2u);
    EXPECT_EQ(plan.calls[0].method, "POST");
    EXPECT_EQ(plan.calls[0].path, "/api/generate");
    EXPECT_EQ(json::parse(plan.calls[0].body),
              json::parse(R"({"model":"m","prompt":"a","stream":false})"));
    EXPECT_EQ(json::parse(plan.calls[1].body),
              json::parse(R"({"model":"m","prompt":"b","stream":false})"));
    EXPECT_EQ(plan.stream, nullptr);

    const json reply = json::parse(
        plan.assemble({R"({"response":"1","done":true,"done_reason":"stop","eval_count":1})",
                       R"({"response":"2","done":true,"done_reason":"stop","eval_count":1})"}));
    EXPECT_EQ(reply["id"], test::nth_id(kSeed, "cmpl-"));
    EXPECT_EQ(reply["object"], "text_completion");
    EXPECT_EQ(reply["created"], kNow);
    EXPECT_EQ(reply["choices"][0]["text"], "a1");
    EXPECT_EQ(reply["choices"][1]["text"], "b2");
}

TEST(Endpoints, StreamingCompletionsKeepTheEcho) {
    Planner planner;
    const Plan plan = planner.plan("POST", "/completions",
                                   R"({"model":"m","prompt":"Q","echo":true,"stream":true})");
    ASSERT_NE(plan.stream, nullptr);
    EXPECT_FALSE(plan.assemble);
    const test::StreamRun run =
        test::run_lines(*plan.stream, {{R"({"response":"A","done":true,"done_reason":"stop"})"}});
    const std::vector<json> events = sse_events(run.sse);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0]["id"], test::nth_id(kSeed, "cmpl-"));
    EXPECT_EQ(events[0]["choices"][0]["text"], "QA");
    EXPECT_EQ(events[2], kDone);
}

TEST(Endpoints, EmbeddingsPlanOneEmbedCall) {
    Planner planner;
    const Plan plan = planner.plan("POST", "/embeddings",
                                   R"({"model":"e","input":["x","y"],"encoding_format":"base64"})");
    EXPECT_EQ(plan.model, "e");
    ASSERT_EQ(plan.calls.size(), 1u);
    EXPECT_EQ(plan.calls[0].method, "POST");
    EXPECT_EQ(plan.calls[0].path, "/api/embed");
    EXPECT_EQ(json::parse(plan.calls[0].body), json::parse(R"({"model":"e","input":["x","y"]})"));
    const json reply = json::parse(
        plan.assemble({R"({"embeddings":[[0.1,0.2],[0.3,0.4]],"prompt_eval_count":2})"}));
    EXPECT_EQ(reply, json::parse(R"({"object":"list","data":[
        {"object":"embedding","index":0,"embedding":"zczMPc3MTD4="},
        {"object":"embedding","index":1,"embedding":"mpmZPs3MzD4="}],"model":"e",
        "usage":{"prompt_tokens":2,"total_tokens":2}})"));
    EXPECT_TRUE(IsApiError(thrown_api_error([&] { plan.assemble({R"({"embeddings":[[1]]})"}); }),
                           502, "api_error", nullptr, nullptr));
}

TEST(Endpoints, ResponsesPlanOneNativeChatCallAndKeepTheResponse) {
    Planner planner;
    const Plan plan = planner.plan("POST", "/responses", R"({"model":"llama3.2","input":"Hi"})");
    EXPECT_EQ(plan.model, "llama3.2");
    ASSERT_EQ(plan.calls.size(), 1u);
    EXPECT_EQ(plan.calls[0].method, "POST");
    EXPECT_EQ(plan.calls[0].path, "/api/chat");
    EXPECT_EQ(json::parse(plan.calls[0].body), json::parse(R"({"model":"llama3.2",
        "messages":[{"role":"user","content":"Hi"}],"stream":false})"));
    EXPECT_EQ(plan.stream, nullptr);
    ASSERT_TRUE(plan.assemble);

    const json reply = json::parse(plan.assemble({kChatReply}));
    const std::string id = test::nth_id(kSeed, "resp_");
    EXPECT_EQ(reply["id"], id);
    EXPECT_EQ(reply["object"], "response");
    EXPECT_EQ(reply["created_at"], kNow);
    EXPECT_EQ(reply["completed_at"], kNow + 5);  // the context's clock, at the end
    EXPECT_EQ(reply["output"][0]["content"][0]["text"], "Hello!");
    EXPECT_EQ(reply["usage"]["total_tokens"], 6);

    // The next request continues from it.
    ASSERT_NE(planner.responses.find(id), nullptr);
    const Plan next = planner.plan("POST", "/responses", R"({"model":"llama3.2",
        "input":"And then?","previous_response_id":")" + id + R"("})");
    EXPECT_EQ(json::parse(next.calls[0].body)["messages"], json::parse(R"([
        {"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"},
        {"role":"user","content":"And then?"}])"));
}

TEST(Endpoints, StreamingResponsesPlanTheEventStream) {
    Planner planner;
    const Plan plan =
        planner.plan("POST", "/responses", R"({"model":"llama3.2","input":"Hi","stream":true})");
    ASSERT_NE(plan.stream, nullptr);
    EXPECT_FALSE(plan.assemble);
    EXPECT_EQ(json::parse(plan.calls[0].body)["stream"], true);
    const test::StreamRun run = test::run_lines(
        *plan.stream, {{R"({"message":{"content":"Yo"},"done":true,"done_reason":"stop"})"}});
    const std::vector<json> events = test::typed_sse_events(run.sse);
    ASSERT_EQ(events.size(), 9u);
    EXPECT_EQ(events[0]["response"]["id"], test::nth_id(kSeed, "resp_"));
    EXPECT_EQ(events[8]["type"], "response.completed");
    EXPECT_NE(planner.responses.find(test::nth_id(kSeed, "resp_")), nullptr);
}

TEST(Endpoints, ResponsesWithoutAStoreKnowNoPreviousResponse) {
    Planner planner;
    planner.context.responses = nullptr;
    const Plan plan = planner.plan("POST", "/responses", R"({"model":"m","input":"Hi"})");
    plan.assemble({kChatReply});
    const auto error = planner.refusal("POST", "/responses",
                                       R"({"model":"m","input":"Hi","previous_response_id":")" +
                                           test::nth_id(kSeed, "resp_") + R"("})");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->status, 404u);
    EXPECT_EQ(error->code, "previous_response_not_found");
}

TEST(Endpoints, ModelListPlansATagsCall) {
    Planner planner;
    const Plan plan = planner.plan("GET", "/models");
    ASSERT_EQ(plan.calls.size(), 1u);
    EXPECT_EQ(plan.calls[0].method, "GET");
    EXPECT_EQ(plan.calls[0].path, "/api/tags");
    EXPECT_EQ(plan.calls[0].body, "");
    EXPECT_EQ(json::parse(plan.assemble({"{}"})), json::parse(R"({"object":"list","data":[]})"));
    EXPECT_EQ(json::parse(plan.assemble({R"({"models":[{"name":"a:latest","model":"a:latest",
                  "modified_at":"2023-11-14T22:13:20Z"}]})"})),
              json::parse(R"({"object":"list","data":[{"id":"a:latest","object":"model",
                  "created":1700000000,"owned_by":"library"}]})"));
    EXPECT_TRUE(IsApiError(thrown_api_error([&] { plan.assemble({"<html>"}); }), 502, "api_error",
                           nullptr, nullptr));
}

TEST(Endpoints, RetrieveDecodesTheIdWithEscapedOrRawSlashes) {
    // openai-node v5+ sends %2F, curl and older SDKs raw slashes (openai-api.md §5); Ollama's
    // router 404s both (§2.4).
    for (const char* path : {"/models/hf.co%2Forg%2Frepo:Q4_K_M", "/models/hf.co/org/repo:Q4_K_M",
                             "/models/hf.co%2Forg%2Frepo%3AQ4_K_M"}) {
        Planner planner;
        const Plan plan = planner.plan("GET", path);
        EXPECT_EQ(plan.model, "hf.co/org/repo:Q4_K_M") << path;
        ASSERT_EQ(plan.calls.size(), 1u);
        EXPECT_EQ(plan.calls[0].method, "POST");
        EXPECT_EQ(plan.calls[0].path, "/api/show");
        EXPECT_EQ(
            json::parse(plan.calls[0].body),
            json::parse(R"({"model":"hf.co/org/repo:Q4_K_M","name":"hf.co/org/repo:Q4_K_M"})"));
        EXPECT_EQ(json::parse(plan.assemble({R"({"modified_at":"2023-11-14T22:13:20Z"})"})),
                  json::parse(R"({"id":"hf.co/org/repo:Q4_K_M","object":"model",
                      "created":1700000000,"owned_by":"org"})"))
            << path;
    }
}

TEST(Endpoints, RetrieveRefusesAnEmptyOrBadlyEscapedId) {
    Planner planner;
    EXPECT_TRUE(IsInvalidRequest(planner.refusal("GET", "/models/"), "model", "invalid_value"));
    EXPECT_TRUE(
        IsInvalidRequest(planner.refusal("GET", "/models/bad%zz"), "model", "invalid_value"));
    const Plan plan = planner.plan("GET", "/models/llama3.2");
    EXPECT_TRUE(IsApiError(thrown_api_error([&] { plan.assemble({"oops"}); }), 502, "api_error",
                           nullptr, nullptr));
}

TEST(Endpoints, ImagesPlanOneGenerateCallPerImage) {
    Planner planner;
    const Plan plan = planner.plan("POST", "/images/generations",
                                   R"({"model":"x/flux","prompt":"a cat","n":2,"size":"64x32"})");
    EXPECT_EQ(plan.model, "x/flux");
    EXPECT_EQ(plan.content_type, "application/json");
    ASSERT_EQ(plan.calls.size(), 2u);
    for (const NativeCall& call : plan.calls) {
        EXPECT_EQ(call.method, "POST");
        EXPECT_EQ(call.path, "/api/generate");
        EXPECT_EQ(json::parse(call.body), json::parse(R"({"model":"x/flux","prompt":"a cat",
            "stream":false,"width":64,"height":32})"));
    }
    EXPECT_EQ(plan.assemble({R"({"image":"AAAA","done":true})", R"({"image":"BBBB","done":true})"}),
              R"({"created":1700000000,"data":[{"b64_json":"AAAA"},{"b64_json":"BBBB"}]})");
    EXPECT_TRUE(IsApiError(thrown_api_error([&] {
                               plan.assemble({"[]", "[]"});
                           }),
                           502, "api_error", nullptr, nullptr));
}

TEST(Endpoints, ModerationsNeedTheConfiguredModel) {
    Planner planner;
    EXPECT_TRUE(IsInvalidRequest(planner.refusal("POST", "/moderations", R"({"input":"x"})"),
                                 nullptr, "moderation_not_configured"));
    planner.context.moderation_model = "guard";
    const Plan plan = planner.plan("POST", "/moderations", R"({"input":["a","b"]})");
    EXPECT_EQ(plan.model, "guard");
    ASSERT_EQ(plan.calls.size(), 2u);
    EXPECT_EQ(plan.calls[1].path, "/api/chat");
    const json native = json::parse(plan.calls[1].body);
    EXPECT_EQ(native["model"], "guard");
    EXPECT_EQ(native["messages"][1], json::parse(R"({"role":"user","content":"b"})"));
    // The id is made when planning, from the exchange's id source.
    EXPECT_TRUE(IsApiError(thrown_api_error([&] {
                               plan.assemble({"{}", "{}"});
                           }),
                           502, "api_error", nullptr, nullptr));
    const std::string answer =
        R"({"categories":{"harassment":false,"harassment/threatening":false,"hate":false,)"
        R"("hate/threatening":false,"illicit":false,"illicit/violent":false,"self-harm":false,)"
        R"("self-harm/intent":false,"self-harm/instructions":false,"sexual":false,)"
        R"("sexual/minors":false,"violence":false,"violence/graphic":false},"category_scores":)"
        R"({"harassment":0,"harassment/threatening":0,"hate":0,"hate/threatening":0,"illicit":0,)"
        R"("illicit/violent":0,"self-harm":0,"self-harm/intent":0,"self-harm/instructions":0,)"
        R"("sexual":0,"sexual/minors":0,"violence":0,"violence/graphic":0}})";
    const std::string reply = json{{"message", {{"content", answer}}}}.dump();
    const json result = json::parse(plan.assemble({reply, reply}));
    EXPECT_EQ(result["id"], test::nth_id(kSeed, "modr-"));
    EXPECT_EQ(result["results"].size(), 2u);
}

const std::string kFormType = "multipart/form-data; boundary=XyZ";

std::string form_body(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string body;
    for (const auto& [name, value] : fields) {
        body += "--XyZ\r\nContent-Disposition: form-data; name=\"" + name + "\"";
        if (name == "file") body += "; filename=\"a.wav\"\r\nContent-Type: audio/wav";
        body += "\r\n\r\n" + value + "\r\n";
    }
    return body + "--XyZ--\r\n";
}

TEST(Endpoints, TranscriptionOfATranscriptNeedsNoCall) {
    Planner planner;
    planner.context.content_type = kFormType;
    const Plan plan = planner.plan(
        "POST", "/audio/transcriptions",
        form_body({{"model", "whisper-1"}, {"text", "Hello."}, {"response_format", "srt"}}));
    EXPECT_EQ(plan.model, "whisper-1");
    EXPECT_TRUE(plan.calls.empty());
    EXPECT_EQ(plan.content_type, "text/plain; charset=utf-8");
    EXPECT_EQ(plan.assemble({}), "1\n00:00:00,000 --> 00:00:00,000\nHello.\n\n");
}

TEST(Endpoints, TranscriptionOfAFileAsksTheModel) {
    Planner planner;
    planner.context.content_type = kFormType;
    const Plan plan = planner.plan("POST", "/audio/transcriptions",
                                   form_body({{"model", "gemma3n"}, {"file", "abc"}}));
    ASSERT_EQ(plan.calls.size(), 1u);
    EXPECT_EQ(plan.calls[0].path, "/api/chat");
    const json native = json::parse(plan.calls[0].body);
    EXPECT_EQ(native["messages"][1]["images"], json::parse(R"(["YWJj"])"));
    EXPECT_EQ(plan.content_type, "application/json");
    EXPECT_EQ(plan.assemble({R"({"message":{"role":"assistant","content":" Hi. "},"done":true})"}),
              R"({"text":"Hi."})");
}

TEST(Endpoints, TranslationUsesTheConfiguredModelAndAParsedForm) {
    Planner planner;
    planner.context.translation_model = "llama3.2";
    FormData form;
    form.parts.push_back({"text", std::nullopt, "", "Hola."});
    form.parts.push_back({"response_format", std::nullopt, "", "text"});
    planner.context.form = &form;  // the exchange's form wins over the body
    const Plan plan = planner.plan("POST", "/audio/translations", "ignored");
    EXPECT_EQ(plan.model, "llama3.2");
    ASSERT_EQ(plan.calls.size(), 1u);
    EXPECT_EQ(json::parse(plan.calls[0].body)["messages"][1],
              json::parse(R"({"role":"user","content":"Hola."})"));
    EXPECT_EQ(plan.content_type, "text/plain; charset=utf-8");
    EXPECT_EQ(plan.assemble({R"({"message":{"content":"Hello."}})"}), "Hello.\n");
}

TEST(Endpoints, AudioNeedsAForm) {
    Planner planner;
    for (const char* path : {"/audio/transcriptions", "/audio/translations"}) {
        planner.context.content_type = "application/json";
        const auto error = planner.refusal("POST", path, R"({"text":"x"})");
        EXPECT_TRUE(IsInvalidRequest(error, nullptr, nullptr)) << path;
        EXPECT_TRUE(test::contains(error->message, "multipart/form-data")) << error->message;
        planner.context.content_type = kFormType;
        EXPECT_TRUE(IsInvalidRequest(planner.refusal("POST", path, "--XyZ\r\n"), nullptr, nullptr))
            << path;
        EXPECT_TRUE(IsApiError(planner.refusal("GET", path), 405, "invalid_request_error", nullptr,
                               nullptr))
            << path;
    }
}

}  // namespace
}  // namespace ollama_proxy::openai
