// ApiError: the {"error": {message, type, param, code}} body, the type each status gets, how a
// native error reply is carried over, and which failures the SDKs may retry.

#include "ollama_proxy/openai/api_error.hpp"

#include "openai_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using test::IsApiError;

TEST(ApiErrorBody, HasAllFourKeysInOpenAIsOrderWithNullsForAbsentOnes) {
    const ApiError error = invalid_request("Missing required parameter: 'messages'.", "messages",
                                           "missing_required_parameter");
    // Exact text: the key order is OpenAI's and the body is compact.
    EXPECT_EQ(error.body(), R"({"error":{"message":"Missing required parameter: 'messages'.",)"
                            R"("type":"invalid_request_error","param":"messages",)"
                            R"("code":"missing_required_parameter"}})");
    EXPECT_EQ(error.status, 400u);

    // The OpenAI schema requires param and code even when there is nothing to say.
    const ApiError bare = error_with_status(500, "boom");
    EXPECT_EQ(json::parse(bare.body()),
              json::parse(R"({"error":{"message":"boom","type":"api_error","param":null,
                                       "code":null}})"));
}

TEST(ApiErrorBody, AnExplicitTypeWinsOverTheOneOfTheStatus) {
    const ApiError error = error_with_status(500, "generation failed", "server_error");
    EXPECT_EQ(json::parse(error.body())["error"]["type"], "server_error");
    EXPECT_TRUE(
        IsApiError(error_with_status(404, "gone"), 404, "not_found_error", nullptr, nullptr));
}

TEST(ApiErrorBody, InvalidUtf8InTheMessageIsReplacedNotThrown) {
    // Messages quote upstream text, which may be cut mid-character.
    const ApiError error = error_with_status(502, "remote Ollama answered: caf\xC3");
    const json body = json::parse(error.body());
    EXPECT_EQ(body["error"]["message"], "remote Ollama answered: caf\xEF\xBF\xBD");
}

TEST(ApiErrorType, FollowsOpenAIsTypeForEachStatus) {
    // DESIGN §4. Ollama's own layer uses api_error for everything but 400 and 404 (ollama-api.md
    // §2.0, TestNewError §3.1.6); we use the types OpenAI documents for 401/403/429.
    EXPECT_EQ(error_type_for(400), "invalid_request_error");
    EXPECT_EQ(error_type_for(401), "authentication_error");
    EXPECT_EQ(error_type_for(403), "permission_error");
    EXPECT_EQ(error_type_for(404), "not_found_error");
    EXPECT_EQ(error_type_for(405), "invalid_request_error");
    EXPECT_EQ(error_type_for(413), "invalid_request_error");
    EXPECT_EQ(error_type_for(429), "rate_limit_error");
    EXPECT_EQ(error_type_for(500), "api_error");
    EXPECT_EQ(error_type_for(502), "api_error");
    EXPECT_EQ(error_type_for(503), "api_error");
}

TEST(InvalidRequest, Is400WithParamAndCode) {
    EXPECT_TRUE(IsApiError(invalid_request("x", "stop", "invalid_type"), 400,
                           "invalid_request_error", "stop", "invalid_type"));
    EXPECT_TRUE(IsApiError(invalid_request("x"), 400, "invalid_request_error", nullptr, nullptr));
}

TEST(FromUpstream, CarriesTheNativeErrorStringAndStatus) {
    // TestRetrieveMiddleware "error forwarding" (§3.7.4): native 400 {"error":"model not found"}.
    const ApiError error = from_upstream(400, R"({"error":"model not found"})");
    EXPECT_EQ(error.message, "model not found");
    EXPECT_TRUE(IsApiError(error, 400, "invalid_request_error", nullptr, nullptr));
    EXPECT_EQ(json::parse(error.body()),
              json::parse(R"({"error":{"code":null,"message":"model not found","param":null,
                                       "type":"invalid_request_error"}})"));
}

TEST(FromUpstream, A404IsModelNotFound) {
    // OpenAI's unknown-model reply carries code model_not_found (openai-api.md §5); Ollama's
    // layer leaves code null.
    const ApiError error = from_upstream(404, R"({"error":"model 'nope' not found"})");
    EXPECT_EQ(error.message, "model 'nope' not found");
    EXPECT_TRUE(IsApiError(error, 404, "not_found_error", nullptr, "model_not_found"));
}

TEST(FromUpstream, QuotesABodyThatIsNotANativeError) {
    const ApiError html = from_upstream(502, "  <html>Bad Gateway</html>\r\n");
    EXPECT_EQ(html.message, "remote Ollama answered: <html>Bad Gateway</html>");
    EXPECT_TRUE(IsApiError(html, 502, "api_error", nullptr, nullptr));

    // JSON whose `error` is not a string is quoted as text too.
    const ApiError object = from_upstream(500, R"({"error":{"detail":"x"}})");
    EXPECT_EQ(object.message, R"(remote Ollama answered: {"error":{"detail":"x"}})");

    const ApiError empty = from_upstream(503, " \n");
    EXPECT_EQ(empty.message, "remote Ollama answered with status 503 and no message");
    EXPECT_TRUE(IsApiError(empty, 503, "api_error", nullptr, nullptr));
}

TEST(FromUpstream, CutsALongBodyAt512Bytes) {
    const std::string body(2000, 'x');
    const ApiError error = from_upstream(500, body);
    EXPECT_EQ(error.message, "remote Ollama answered: " + std::string(512, 'x') + "...");
}

TEST(Retryable, ByStatusOnlyFailuresThatMayRecover) {
    // The SDKs retry 408, 409, 429 and 5xx; the proxy marks the ones that will only recur.
    for (const unsigned status : {429u, 503u})
        EXPECT_TRUE(error_with_status(status, "").retryable()) << status;
    // 500 is a model that cannot load or a generation failure; 504 is a remote that already took
    // the whole timeout; a 502 is retryable only when the exchange says the remote could not be
    // reached (the `retry` override below).
    for (const unsigned status : {400u, 401u, 403u, 404u, 405u, 500u, 502u, 504u})
        EXPECT_FALSE(error_with_status(status, "").retryable()) << status;
}

TEST(Retryable, AnExplicitVerdictWinsOverTheStatus) {
    ApiError unreachable = error_with_status(502, "remote Ollama could not be reached");
    unreachable.retry = true;
    EXPECT_TRUE(unreachable.retryable());
    ApiError busy = error_with_status(503, "quota");
    busy.retry = false;
    EXPECT_FALSE(busy.retryable());
    // Carried over from the remote, a 503 and a 429 stay retryable, a 500 does not.
    EXPECT_TRUE(from_upstream(503, R"({"error":"server busy"})").retryable());
    EXPECT_TRUE(from_upstream(429, R"({"error":"too many requests"})").retryable());
    EXPECT_FALSE(from_upstream(500, R"({"error":"model failed to load"})").retryable());
}

}  // namespace
}  // namespace ollama_proxy::openai
