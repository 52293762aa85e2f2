// POST /v1/images/generations on top of POST /api/generate: the native bodies (size, seed, n)
// and the image list, and what is refused because the proxy cannot honour it.

#include "ollama_proxy/openai/images.hpp"

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

ImageRequest translate(const std::string& body, const ModelDefaultsTable& defaults = {}) {
    return translate_image_request(json::parse(body), defaults);
}

std::optional<ApiError> refusal(const std::string& body) {
    return thrown_api_error([&] { translate(body); });
}

TEST(ImageRequest, PromptAndModel) {
    // TestImageGenerationsMiddleware (§3.10): model and prompt carry over.
    const ImageRequest request = translate(R"({"model":"x/flux","prompt":"a beautiful sunset"})");
    EXPECT_EQ(request.model, "x/flux");
    ASSERT_EQ(request.natives.size(), 1u);
    EXPECT_EQ(request.natives[0],
              json::parse(R"({"model":"x/flux","prompt":"a beautiful sunset","stream":false})"));
}

TEST(ImageRequest, SizeBecomesWidthAndHeight) {
    const ImageRequest request =
        translate(R"({"model":"m","prompt":"p","size":"512x768","response_format":"b64_json",
                      "quality":"high","user":"u"})");
    EXPECT_EQ(request.natives[0], json::parse(R"({"model":"m","prompt":"p","stream":false,
        "width":512,"height":768})"));
    EXPECT_EQ(translate(R"({"model":"m","prompt":"p","size":"auto"})").natives[0],
              json::parse(R"({"model":"m","prompt":"p","stream":false})"));
}

TEST(ImageRequest, EachOfNImagesIsOneCallWithItsOwnSeed) {
    const ImageRequest request =
        translate(R"({"model":"m","prompt":"p","n":3,"seed":42,"steps":8,"keep_alive":"1m",
                      "options":{"num_gpu":1}})");
    ASSERT_EQ(request.natives.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        json expected = json::parse(R"({"model":"m","prompt":"p","stream":false,"steps":8,
            "keep_alive":"1m","options":{"num_gpu":1}})");
        expected["options"]["seed"] = 42 + i;
        EXPECT_EQ(request.natives[i], expected) << i;
    }
    const ImageRequest unseeded = translate(R"({"model":"m","prompt":"p","n":2})");
    ASSERT_EQ(unseeded.natives.size(), 2u);
    EXPECT_EQ(unseeded.natives[0], unseeded.natives[1]);
}

TEST(ImageRequest, ModelDefaultsApply) {
    const ModelDefaultsTable defaults{{"m", {json::parse(R"({"num_ctx":1})"), "5m"}}};
    EXPECT_EQ(translate(R"({"model":"m","prompt":"p"})", defaults).natives[0],
              json::parse(R"({"model":"m","prompt":"p","stream":false,"options":{"num_ctx":1},
                  "keep_alive":"5m"})"));
}

TEST(ImageRequest, RequiredFields) {
    // §3.10: missing prompt or model is a 400.
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"model":"m"})"), "prompt", "missing_required_parameter"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"prompt":"p"})"), "model", "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","prompt":7})"), "prompt", "invalid_type"));
}

TEST(ImageRequest, BadValues) {
    for (const char* size : {"1024", "0x10", "10x", "x10", "5000x10", "10x10x10", "ax b", "-1x5"}) {
        const auto error =
            refusal(std::string(R"({"model":"m","prompt":"p","size":")") + size + "\"}");
        EXPECT_TRUE(IsInvalidRequest(error, "size", "invalid_value")) << size;
    }
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"model":"m","prompt":"p","n":11})"), "n", "invalid_value"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"model":"m","prompt":"p","n":0})"), "n", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","prompt":"p","response_format":"jpg"})"),
                                 "response_format", "invalid_value"));
}

TEST(ImageRequest, WhatTheProxyCannotDoIsRefused) {
    const auto url = refusal(R"({"model":"m","prompt":"p","response_format":"url"})");
    EXPECT_TRUE(IsInvalidRequest(url, "response_format", "unsupported_value"));
    EXPECT_TRUE(contains(url->message, "hosts no files")) << url->message;
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","prompt":"p","output_format":"jpeg"})"),
                                 "output_format", "unsupported_value"));
    EXPECT_TRUE(
        IsInvalidRequest(refusal(R"({"model":"m","prompt":"p","background":"transparent"})"),
                         "background", "unsupported_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"model":"m","prompt":"p","stream":true})"), "stream",
                                 "unsupported_value"));
    EXPECT_NO_THROW(translate(R"({"model":"m","prompt":"p","output_format":"png","stream":false,
                                  "background":"auto"})"));
}

// ---- reply -------------------------------------------------------------------------------

TEST(ImageList, OneItemPerReply) {
    // TestImageWriterResponse (§3.10): the native `image` becomes b64_json.
    const ImageRequest request = translate(R"({"model":"m","prompt":"p","n":2})");
    const std::vector<json> replies{
        json::parse(R"({"model":"m","image":"dGVzdC1pbWFnZS1kYXRh","done":true})"),
        json::parse(R"({"model":"m","response":"","image":"AAAA","done":true})")};
    EXPECT_EQ(
        image_list(replies, request, 1234567890),
        R"({"created":1234567890,"data":[{"b64_json":"dGVzdC1pbWFnZS1kYXRh"},{"b64_json":"AAAA"}]})");
}

TEST(ImageList, ATextAnswerMeansTheModelCannotMakeImages) {
    // An ordinary model ignores width and height and writes text.
    const ImageRequest request = translate(R"({"model":"llama3.2","prompt":"p"})");
    const auto error = thrown_api_error([&] {
        image_list({json::parse(R"({"response":"Here is a sunset","done":true})")}, request, 1);
    });
    EXPECT_TRUE(IsInvalidRequest(error, "model", "model_not_supported"));
    EXPECT_TRUE(contains(error->message, "'llama3.2'")) << error->message;
}

TEST(ImageList, InvalidRepliesAre502) {
    const ImageRequest request = translate(R"({"model":"m","prompt":"p"})");
    for (const char* reply : {R"({"done":true})", R"({"image":"","response":""})",
                              R"({"image":42})", R"({"image":"not base64!"})"}) {
        const auto error = thrown_api_error([&] { image_list({json::parse(reply)}, request, 1); });
        EXPECT_TRUE(IsApiError(error, 502, "api_error", nullptr, nullptr)) << reply;
    }
}

}  // namespace
}  // namespace ollama_proxy::openai
