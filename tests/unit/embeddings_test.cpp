// POST /v1/embeddings on top of POST /api/embed: the request mapping and the embedding list,
// float or base64.

#include "ollama_proxy/openai/embeddings.hpp"

#include "openai_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using test::contains;
using test::IsApiError;
using test::IsInvalidRequest;
using test::thrown_api_error;

EmbeddingRequest translate(const std::string& body, const ModelDefaultsTable& defaults = {}) {
    return translate_embedding_request(json::parse(body), defaults);
}

std::optional<ApiError> refusal(const std::string& body) {
    return thrown_api_error([&] { translate(body); });
}

// ---- request -----------------------------------------------------------------------------

TEST(EmbeddingRequest, SingleInput) {
    // TestEmbeddingsMiddleware "embed handler single input" (§3.6.1).
    const EmbeddingRequest request = translate(R"({"input":"Hello","model":"test-model"})");
    EXPECT_EQ(request.native, json::parse(R"({"model":"test-model","input":"Hello"})"));
    EXPECT_EQ(request.model, "test-model");
    EXPECT_EQ(request.inputs, 1u);
    EXPECT_FALSE(request.base64);
}

TEST(EmbeddingRequest, BatchInput) {
    // §3.6.2.
    const EmbeddingRequest request =
        translate(R"({"input":["Hello","World"],"model":"test-model","user":"u-1"})");
    EXPECT_EQ(request.native, json::parse(R"({"model":"test-model","input":["Hello","World"]})"));
    EXPECT_EQ(request.inputs, 2u);
}

TEST(EmbeddingRequest, DimensionsTruncateAndTheOllamaExtrasAreSent) {
    // Ollama's layer sends only model, input and dimensions (§2.5); truncate, keep_alive and
    // options are the native knobs an OpenAI client can otherwise not reach.
    const EmbeddingRequest request = translate(R"({"input":"x","model":"m","dimensions":256,
        "truncate":false,"keep_alive":"1h","options":{"num_ctx":512}})");
    EXPECT_EQ(request.native, json::parse(R"({"model":"m","input":"x","dimensions":256,
        "truncate":false,"keep_alive":"1h","options":{"num_ctx":512}})"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"input":"x","model":"m","dimensions":0})"),
                                 "dimensions", "invalid_value"));
}

TEST(EmbeddingRequest, ModelDefaultsApply) {
    const ModelDefaultsTable defaults{
        {"nomic-embed-text", {json::parse(R"({"num_ctx":2048})"), "10m"}}};
    const EmbeddingRequest request =
        translate(R"({"input":"x","model":"nomic-embed-text:latest"})", defaults);
    EXPECT_EQ(request.native, json::parse(R"({"model":"nomic-embed-text:latest","input":"x",
        "options":{"num_ctx":2048},"keep_alive":"10m"})"));
}

TEST(EmbeddingRequest, EncodingFormatIsCaseInsensitive) {
    // InvalidEncodingFormat (§3.6.6): these six are accepted.
    for (const char* format : {"float", "FLOAT", "Float"}) {
        EXPECT_FALSE(translate(std::string(R"({"input":"x","model":"m","encoding_format":")") +
                               format + "\"}")
                         .base64)
            << format;
    }
    for (const char* format : {"base64", "BASE64", "Base64"}) {
        EXPECT_TRUE(translate(std::string(R"({"input":"x","model":"m","encoding_format":")") +
                              format + "\"}")
                        .base64)
            << format;
    }
    EXPECT_FALSE(translate(R"({"input":"x","model":"m","encoding_format":null})").base64);
}

TEST(EmbeddingRequest, AnUnknownEncodingFormatIsRefused) {
    // §3.6.6: json, hex, invalid_format → 400 naming encoding_format. The empty string is not a
    // documented value either (Ollama's converter treats it as float, §3.2.1).
    for (const char* format : {"json", "hex", "invalid_format", ""}) {
        const auto error = refusal(std::string(R"({"input":"x","model":"m","encoding_format":")") +
                                   format + "\"}");
        EXPECT_TRUE(IsInvalidRequest(error, "encoding_format", "invalid_value")) << format;
        ASSERT_TRUE(error);
        EXPECT_TRUE(contains(error->message, "encoding_format")) << error->message;
    }
}

TEST(EmbeddingRequest, MissingOrEmptyInputIsRefused) {
    // "embed handler error forwarding" (§3.6.3): no input → 400.
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"model":"m"})"), "input", "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","input":null})"), "input",
                                 "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","input":[]})"), "input", "invalid_value"));
    // Departs from Ollama, which embeds "" (§2.5.3): OpenAI refuses empty strings.
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","input":""})"), "input", "invalid_value"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"model":"m","input":["a",""]})"), "input", "invalid_value"));
}

TEST(EmbeddingRequest, TokenArraysAndOtherTypesAreRefused) {
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","input":[1,2,3]})"), "input",
                                 "unsupported_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","input":[[1,2],[3]]})"), "input",
                                 "unsupported_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","input":5})"), "input", "invalid_type"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"model":"m","input":{"a":1}})"), "input", "invalid_type"));
}

TEST(EmbeddingRequest, AtMost2048Inputs) {
    json body{{"model", "m"}, {"input", json(std::vector<std::string>(2048, "x"))}};
    EXPECT_EQ(translate_embedding_request(body, {}).inputs, 2048u);
    body["input"].push_back("x");
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([&] { translate_embedding_request(body, {}); }),
                                 "input", "invalid_value"));
}

TEST(EmbeddingRequest, ModelIsRequired) {
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"input":"x"})"), "model", "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"input":"x","model":""})"), "model",
                                 "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"input":"x","model":7})"), "model", "invalid_type"));
}

// ---- reply -------------------------------------------------------------------------------

EmbeddingRequest request_for(std::size_t inputs, bool base64) {
    EmbeddingRequest request;
    request.model = "test-model";
    request.inputs = inputs;
    request.base64 = base64;
    return request;
}

TEST(EmbeddingList, FloatVectorsPassThroughUnrounded) {
    // TestToEmbeddingList "float" (§3.2.1): the native doubles, not float32-rounded ones.
    const json reply = json::parse(R"({"model":"test-model","embeddings":[[0.1,-0.2,0.3]],
                                       "prompt_eval_count":10})");
    EXPECT_EQ(json::parse(embedding_list(reply, request_for(1, false))),
              json::parse(R"({"object":"list","data":[{"object":"embedding","index":0,
                  "embedding":[0.1,-0.2,0.3]}],"model":"test-model",
                  "usage":{"prompt_tokens":10,"total_tokens":10}})"));
}

TEST(EmbeddingList, Base64IsLittleEndianFloat32) {
    // TestToEmbeddingList "base64" (§3.2.1) and EncodingFormats (§3.6.4).
    const json reply = json::parse(R"({"embeddings":[[0.1,-0.2,0.3]],"prompt_eval_count":5})");
    EXPECT_EQ(json::parse(embedding_list(reply, request_for(1, true))),
              json::parse(R"({"object":"list","data":[{"object":"embedding","index":0,
                  "embedding":"zczMPc3MTL6amZk+"}],"model":"test-model",
                  "usage":{"prompt_tokens":5,"total_tokens":5}})"));
}

TEST(EmbeddingList, BatchWithBase64KeepsInputOrder) {
    // §3.2.1 batch and BatchWithBase64 (§3.6.5).
    const json reply = json::parse(R"({"embeddings":[[0.1,0.2],[0.3,0.4],[0.5,0.6]]})");
    const json list = json::parse(embedding_list(reply, request_for(3, true)));
    ASSERT_EQ(list["data"].size(), 3u);
    const char* expected[] = {"zczMPc3MTD4=", "mpmZPs3MzD4=", "AAAAP5qZGT8="};
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(list["data"][i]["index"], i);
        EXPECT_EQ(list["data"][i]["embedding"], expected[i]);
    }
    EXPECT_EQ(list["usage"], json::parse(R"({"prompt_tokens":0,"total_tokens":0})"));
}

TEST(EmbeddingList, MissingEmbeddingsAreA502) {
    // Departs from Ollama, which answers 0 data items for `embeddings: null` (§3.2.1): a list
    // that does not match the inputs is a broken reply (openai-python even raises on it).
    for (const char* reply : {"{}", R"({"embeddings":null})", R"({"embeddings":{}})", "[]"}) {
        const auto error =
            thrown_api_error([&] { embedding_list(json::parse(reply), request_for(1, false)); });
        EXPECT_TRUE(IsApiError(error, 502, "api_error", nullptr, nullptr)) << reply;
    }
}

TEST(EmbeddingList, AVectorCountOtherThanTheInputCountIsA502) {
    const json reply = json::parse(R"({"embeddings":[[0.1],[0.2]]})");
    const auto error = thrown_api_error([&] { embedding_list(reply, request_for(3, false)); });
    EXPECT_TRUE(IsApiError(error, 502, "api_error", nullptr, nullptr));
    ASSERT_TRUE(error);
    EXPECT_EQ(error->message,
              "remote Ollama sent an invalid embedding reply: 2 vectors for 3 inputs");
}

TEST(EmbeddingList, NonNumericVectorsAreA502InBothFormats) {
    for (const bool base64 : {false, true}) {
        for (const char* reply : {R"({"embeddings":[[0.1,"x"]]})", R"({"embeddings":[5]})"}) {
            EXPECT_TRUE(IsApiError(thrown_api_error([&] {
                                       embedding_list(json::parse(reply), request_for(1, base64));
                                   }),
                                   502, "api_error", nullptr, nullptr))
                << reply << " base64=" << base64;
        }
    }
}

}  // namespace
}  // namespace ollama_proxy::openai
