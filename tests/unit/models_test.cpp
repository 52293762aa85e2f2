// GET /v1/models (from /api/tags) and GET /v1/models/{id} (from /api/show).

#include "ollama_proxy/openai/models.hpp"

#include "openai_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using test::IsApiError;
using test::IsInvalidRequest;
using test::thrown_api_error;

TEST(ModelList, ListsTagsAsModels) {
    // TestListMiddleware "list handler" (§3.7.1). Natively modified_at is an RFC 3339 time with
    // the server's offset; 2023-06-16T13:03:22-04:00 is 1686935002.
    const json tags = json::parse(R"({"models":[{"name":"test-model","model":"test-model",
        "modified_at":"2023-06-16T13:03:22.123456-04:00","size":1,"digest":"abc"}]})");
    EXPECT_EQ(json::parse(model_list(tags)), json::parse(R"({"object":"list","data":[
        {"id":"test-model","object":"model","created":1686935002,"owned_by":"library"}]})"));
}

TEST(ModelList, UsesTheModelFieldThenTheNameInTagOrder) {
    // TestToListCompletionUsesModelIdentity (§3.1.11).
    const json tags = json::parse(R"({"models":[
        {"name":"legacy-name:latest","model":"namespace/exposed-model:latest",
         "modified_at":"2009-02-13T23:31:30Z"},
        {"name":"fallback-name:latest","model":"","modified_at":"2009-02-13T23:31:31Z"},
        {"name":"hf.co/org/repo:Q4_K_M","modified_at":"2009-02-13T23:31:32Z"}]})");
    EXPECT_EQ(json::parse(model_list(tags)), json::parse(R"({"object":"list","data":[
        {"id":"namespace/exposed-model:latest","object":"model","created":1234567890,
         "owned_by":"namespace"},
        {"id":"fallback-name:latest","object":"model","created":1234567891,
         "owned_by":"library"},
        {"id":"hf.co/org/repo:Q4_K_M","object":"model","created":1234567892,
         "owned_by":"org"}]})"));
}

TEST(ModelList, NoModelsIsAnEmptyArray) {
    // Departs from Ollama's "list handler empty output" (§3.7.2), which answers "data": null:
    // OpenAI's list always has an array, and the SDK pages iterate over it.
    const json empty = json::parse(R"({"object":"list","data":[]})");
    EXPECT_EQ(json::parse(model_list(json::parse("{}"))), empty);
    EXPECT_EQ(json::parse(model_list(json::parse(R"({"models":[]})"))), empty);
    EXPECT_EQ(json::parse(model_list(json::parse(R"({"models":null})"))), empty);
    // Exact text: an array, never null.
    EXPECT_EQ(model_list(json::parse("{}")), R"({"object":"list","data":[]})");
}

TEST(ModelList, SkipsEntriesWithoutAnIdAndToleratesBadTimes) {
    const json tags = json::parse(R"({"models":[7,{"size":3},{"name":"a","modified_at":"soon"},
        {"name":"b","modified_at":12}]})");
    EXPECT_EQ(json::parse(model_list(tags)), json::parse(R"({"object":"list","data":[
        {"id":"a","object":"model","created":0,"owned_by":"library"},
        {"id":"b","object":"model","created":0,"owned_by":"library"}]})"));
}

TEST(ModelList, SomethingThatIsNotATagListIsA502) {
    for (const char* reply : {"[]", "\"models\"", R"({"models":"x"})", R"({"models":{}})"}) {
        EXPECT_TRUE(IsApiError(thrown_api_error([&] { model_list(json::parse(reply)); }), 502,
                               "api_error", nullptr, nullptr))
            << reply;
    }
}

TEST(ModelObject, OneModelFromItsShowReply) {
    // TestRetrieveMiddleware "retrieve handler" (§3.7.3): the id is the one asked for.
    const json show = json::parse(R"({"modified_at":"2023-06-16T17:03:22Z","details":{}})");
    EXPECT_EQ(json::parse(model_object("test-model", show)),
              json::parse(R"({"id":"test-model","object":"model","created":1686935002,
                              "owned_by":"library"})"));
    EXPECT_EQ(json::parse(model_object("hf.co/org/repo:Q4", json::parse("[]"))),
              json::parse(R"({"id":"hf.co/org/repo:Q4","object":"model","created":0,
                              "owned_by":"org"})"));
}

TEST(OwnedBy, IsTheNamespaceBeforeTheModelName) {
    EXPECT_EQ(owned_by("llama3.2:latest"), "library");
    EXPECT_EQ(owned_by("namespace/model:latest"), "namespace");
    EXPECT_EQ(owned_by("hf.co/org/model:tag"), "org");
    EXPECT_EQ(owned_by("registry.ollama.ai/library/llama3"), "library");
    EXPECT_EQ(owned_by("/model"), "library");
}

TEST(ModelIdFromPath, DecodesPercentEscapesAndKeepsRawSlashes) {
    // openai-node v5+ sends %2F; curl and older SDKs send the slashes raw (openai-api.md §5).
    EXPECT_EQ(model_id_from_path("test-model"), "test-model");
    EXPECT_EQ(model_id_from_path("hf.co%2Forg%2Frepo:Q4_K_M"), "hf.co/org/repo:Q4_K_M");
    EXPECT_EQ(model_id_from_path("hf.co%2forg%2frepo:Q4_K_M"), "hf.co/org/repo:Q4_K_M");
    EXPECT_EQ(model_id_from_path("hf.co/org/repo:Q4_K_M"), "hf.co/org/repo:Q4_K_M");
    EXPECT_EQ(model_id_from_path("llama3.2%3Alatest"), "llama3.2:latest");
    EXPECT_EQ(model_id_from_path("%41"), "A");
}

TEST(ModelIdFromPath, BadEscapesAndAnEmptyIdAre400) {
    for (const char* tail : {"", "%", "%2", "abc%4", "%zz", "a%G1"}) {
        EXPECT_TRUE(IsInvalidRequest(thrown_api_error([&] { model_id_from_path(tail); }), "model",
                                     "invalid_value"))
            << tail;
    }
}

}  // namespace
}  // namespace ollama_proxy::openai
