// OpenAI errors before any stream starts, and hostile request bodies: each gets OpenAI's error
// JSON with the right status and retry hint, and the proxy keeps serving.
#include "support/openai_support.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

namespace it {
namespace {

class OpenAIErrors : public OpenAISuite<OpenAIErrors> {
  public:  // read by OpenAISuite
    static std::vector<std::string> proxy_args() { return {"--upstream-head-timeout", "1"}; }

  protected:
    static Response post(const std::string& target, const std::string& body) {
        return fetch(proxy_->port(),
                     make_request("POST", target, {{"Content-Type", "application/json"}}, body),
                     scaled(30s));
    }
};

TEST_F(OpenAIErrors, RemoteStatus500GivesApiErrorThatShouldNotBeRetried) {
    for (const bool stream : {false, true}) {
        SCOPED_TRACE(stream ? "stream" : "no stream");
        arm_fault(*fake_, "status=500");
        const Response r = post("/v1/chat/completions", v1_chat_body("hello", stream));
        EXPECT_TRUE(is_openai_error(r, 500, "api_error"));
        EXPECT_EQ(error_object(r.body)["message"], "injected status 500") << r.body;
        EXPECT_EQ(r.header("x-should-retry"), "false") << r.head.raw;
        EXPECT_FALSE(r.header("x-request-id").value_or("").empty()) << r.head.raw;
    }
}

TEST_F(OpenAIErrors, RemoteStatus503MayBeRetried) {
    arm_fault(*fake_, "status=503");
    const Response r = post("/v1/chat/completions", v1_chat_body("hello", true));
    EXPECT_TRUE(is_openai_error(r, 503, "api_error"));
    EXPECT_FALSE(r.head.has("x-should-retry")) << r.head.raw;
}

TEST_F(OpenAIErrors, SlowRemoteHeadGives504AfterTheHeadTimeout) {
    arm_fault(*fake_, "slow-head=3000");
    const auto started = Clock::now();
    const Response r = post("/v1/chat/completions", v1_chat_body("hello", true));
    const auto elapsed = Clock::now() - started;
    EXPECT_TRUE(is_openai_error(r, 504, "api_error"));
    EXPECT_EQ(r.header("x-should-retry"), "false") << r.head.raw;
    EXPECT_NE(error_object(r.body).value("message", "").find(fake_->address()), std::string::npos)
        << r.body;
    EXPECT_GE(elapsed, 900ms);
    EXPECT_LT(elapsed, sanitized() ? scaled(3s) : 2800ms)
        << "the head timeout of 1 s was ignored: " << ms(elapsed) << " ms";
}

TEST_F(OpenAIErrors, UnknownModelGives404ModelNotFound) {
    for (const bool stream : {false, true}) {
        SCOPED_TRACE(stream ? "stream" : "no stream");
        const Response r =
            post("/v1/chat/completions", R"({"model":"no-such-model:1b","stream":)" +
                                             std::string(stream ? "true" : "false") +
                                             R"(,"messages":[{"role":"user","content":"hi"}]})");
        EXPECT_TRUE(is_openai_error(r, 404, "not_found_error"));
        const auto error = error_object(r.body);
        EXPECT_EQ(error["code"], "model_not_found") << r.body;
        EXPECT_NE(error.value("message", "").find("no-such-model:1b"), std::string::npos) << r.body;
        EXPECT_EQ(r.header("x-should-retry"), "false") << r.head.raw;
    }
}

TEST_F(OpenAIErrors, WrongMethodGives405) {
    const Response r = fetch(proxy_->port(), make_request("GET", "/v1/chat/completions"));
    EXPECT_TRUE(is_openai_error(r, 405, "invalid_request_error"));
    EXPECT_NE(error_object(r.body).value("message", "").find("POST"), std::string::npos) << r.body;
    EXPECT_TRUE(fake_->requests().empty()) << fake_->requests().dump();
}

TEST_F(OpenAIErrors, UnknownPathGives404InvalidUrl) {
    const Response r = post("/v1/nope", "{}");
    EXPECT_TRUE(is_openai_error(r, 404, "invalid_request_error"));
    const auto error = error_object(r.body);
    EXPECT_EQ(error["message"], "Invalid URL (POST /v1/nope)") << r.body;
    EXPECT_TRUE(error["param"].is_null()) << r.body;
    EXPECT_TRUE(error["code"].is_null()) << r.body;
    EXPECT_TRUE(fake_->requests().empty()) << fake_->requests().dump();
}

TEST_F(OpenAIErrors, DeeplyNestedBodyGives400AndTheProxySurvives) {
    constexpr std::size_t kDepth = 100'000;
    const std::string body = std::string(kDepth, '[') + std::string(kDepth, ']');
    const Response r = post("/v1/chat/completions", body);
    EXPECT_TRUE(is_openai_error(r, 400, "invalid_request_error"));
    EXPECT_TRUE(proxy_->process().running()) << "the proxy died on a deep document";
    // An object nested as deep, inside an otherwise valid request, is refused too.
    std::string deep_object;
    for (std::size_t i = 0; i < kDepth; ++i)
        deep_object += R"({"a":)";
    deep_object += "1" + std::string(kDepth, '}');
    const Response nested =
        post("/v1/chat/completions", v1_chat_body("hi", false, R"("metadata":)" + deep_object));
    EXPECT_TRUE(is_openai_error(nested, 400, "invalid_request_error"));
    EXPECT_TRUE(proxy_->process().running()) << "the proxy died on a deep document";
    EXPECT_TRUE(fake_->requests().empty()) << "a refused body went upstream";
}

TEST_F(OpenAIErrors, InvalidJsonGives400) {
    const Response r = post("/v1/chat/completions", R"({"model":"llama3.2:latest","messages":)");
    EXPECT_TRUE(is_openai_error(r, 400, "invalid_request_error"));
    EXPECT_EQ(r.header("x-should-retry"), "false") << r.head.raw;
    const Response array = post("/v1/chat/completions", "[1,2]");
    EXPECT_TRUE(is_openai_error(array, 400, "invalid_request_error"));
    const Response empty = post("/v1/chat/completions", "");
    EXPECT_TRUE(is_openai_error(empty, 400, "invalid_request_error"));
    EXPECT_TRUE(fake_->requests().empty()) << "a refused body went upstream";
}

// ---- remote down ----------------------------------------------------------------------------

TEST(OpenAIRemoteDown, UnusedPortGives502NamingTheRemoteThatMayBeRetried) {
    const std::string remote = "127.0.0.1:" + std::to_string(unused_port());
    auto proxy = Proxy::start({"--remote-host", remote});
    for (const bool stream : {false, true}) {
        SCOPED_TRACE(stream ? "stream" : "no stream");
        const Response r =
            fetch(proxy->port(), v1_chat_request(v1_chat_body("hi", stream)), scaled(30s));
        EXPECT_TRUE(is_openai_error(r, 502, "api_error"));
        EXPECT_NE(error_object(r.body).value("message", "").find(remote), std::string::npos)
            << r.body;
        EXPECT_FALSE(r.head.has("x-should-retry")) << "a restarting remote is worth a retry\n"
                                                   << r.head.raw;
    }
    const Response models = fetch(proxy->port(), make_request("GET", "/v1/models"), scaled(30s));
    EXPECT_TRUE(is_openai_error(models, 502, "api_error"));
    EXPECT_EQ(fetch(proxy->port(), make_request("GET", "/health")).status(), 200);
}

// ---- body limit -----------------------------------------------------------------------------

constexpr std::size_t kLimit = 4096;

class OpenAIBodyLimit : public OpenAISuite<OpenAIBodyLimit> {
  public:  // read by OpenAISuite
    static std::vector<std::string> proxy_args() {
        return {"--max-body-size", std::to_string(kLimit)};
    }

  protected:
    // A valid chat body of exactly `size` bytes (padded with spaces).
    static std::string body_of_size(std::size_t size) {
        std::string body = v1_chat_body("padded", false);
        EXPECT_LE(body.size(), size);
        body.insert(1, size - body.size(), ' ');
        return body;
    }

    static ::testing::AssertionResult is_too_large(const Response& r) {
        auto result = is_openai_error(r, 413, "invalid_request_error");
        if (!result) return result;
        const auto error = error_object(r.body);
        if (error["code"] != "request_too_large") {
            return ::testing::AssertionFailure() << "code " << error["code"] << ": " << r.body;
        }
        if (error.value("message", "").find(std::to_string(kLimit)) == std::string::npos) {
            return ::testing::AssertionFailure() << "the message should name the limit: " << r.body;
        }
        return ::testing::AssertionSuccess();
    }
};

TEST_F(OpenAIBodyLimit, BodyOfExactlyTheLimitIsServedAndOneMoreByteIsNot) {
    const Response at_limit =
        fetch(proxy_->port(), v1_chat_request(body_of_size(kLimit)), scaled(30s));
    EXPECT_EQ(at_limit.status(), 200) << at_limit.body;
    const Response over =
        fetch(proxy_->port(), v1_chat_request(body_of_size(kLimit + 1)), scaled(30s));
    EXPECT_TRUE(is_too_large(over));
    EXPECT_EQ(requests_to(*fake_, "/api/chat").size(), 1u) << fake_->requests().dump();
}

TEST_F(OpenAIBodyLimit, ContentLengthOverTheLimitGives413BeforeTheBodyIsSent) {
    Connection connection = Connection::open(proxy_->port());
    // Only the head: a proxy that waited for the body would never answer.
    connection.send(
        make_request("POST", "/v1/chat/completions",
                     {{"Content-Type", "application/json"}, {"Content-Length", "10000000"}}));
    const ResponseHead head = connection.read_head(scaled(3s));
    EXPECT_EQ(head.status, 413) << head.raw;
    BodyReader reader(connection, head, false);
    const Response r = reader.read_to_end(scaled(3s));
    EXPECT_TRUE(is_too_large(r));
    EXPECT_EQ(r.header("x-should-retry"), "false") << r.head.raw;
    // The unread body would be taken for the next request: the connection must end.
    EXPECT_TRUE(connection.wait_closed(scaled(3s)));
    EXPECT_TRUE(fake_->requests().empty()) << fake_->requests().dump();
}

TEST_F(OpenAIBodyLimit, ExpectContinueOverTheLimitGets413Without100) {
    Connection connection = Connection::open(proxy_->port());
    connection.send(make_request("POST", "/v1/chat/completions",
                                 {{"Content-Type", "application/json"},
                                  {"Content-Length", std::to_string(kLimit + 1)},
                                  {"Expect", "100-continue"}}));
    const ResponseHead head = connection.read_head(scaled(3s));
    EXPECT_EQ(head.status, 413) << "the body was invited although it is too large\n" << head.raw;
    EXPECT_TRUE(connection.wait_closed(scaled(3s)));
    EXPECT_TRUE(fake_->requests().empty()) << fake_->requests().dump();
}

TEST_F(OpenAIBodyLimit, ChunkedBodyGrowingPastTheLimitGives413AndClose) {
    Connection connection = Connection::open(proxy_->port());
    const std::string first(kLimit - 10, ' ');
    const std::string second(100, ' ');
    connection.send(
        make_request("POST", "/v1/chat/completions",
                     {{"Content-Type", "application/json"}, {"Transfer-Encoding", "chunked"}}));
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", first.size());
    connection.send(size_line + first + "\r\n");
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", second.size());
    connection.send(size_line + second + "\r\n");
    const Response r = connection.read_response(false, scaled(3s));
    EXPECT_TRUE(is_too_large(r));
    EXPECT_EQ(r.header("connection"), "close") << r.head.raw;
    EXPECT_TRUE(connection.wait_closed(scaled(3s))) << "the rest of the body would be misread";
    EXPECT_TRUE(fake_->requests().empty()) << fake_->requests().dump();
}

TEST_F(OpenAIBodyLimit, ChunkedBodyUnderTheLimitIsServed) {
    const std::string body = v1_chat_body("chunked body", false);
    const std::size_t half = body.size() / 2;
    char first[32], second[32];
    std::snprintf(first, sizeof first, "%zx\r\n", half);
    std::snprintf(second, sizeof second, "%zx\r\n", body.size() - half);
    Connection connection = Connection::open(proxy_->port());
    const Response r = connection.exchange(
        make_request("POST", "/v1/chat/completions",
                     {{"Content-Type", "application/json"}, {"Transfer-Encoding", "chunked"}}) +
            first + body.substr(0, half) + "\r\n" + second + body.substr(half) + "\r\n0\r\n\r\n",
        scaled(30s));
    ASSERT_EQ(r.status(), 200) << r.body;
    EXPECT_EQ(r.json()["choices"][0]["message"]["content"], fake_answer("chunked body"));
    // The body was read to its end, so the connection carries the next request.
    EXPECT_EQ(connection.exchange(make_request("GET", "/v1/models"), scaled(30s)).status(), 200);
}

TEST_F(OpenAIBodyLimit, ExpectContinueUnderTheLimitGets100Then200) {
    const std::string body = v1_chat_body("expect continue", false);
    Connection connection = Connection::open(proxy_->port());
    connection.send(make_request("POST", "/v1/chat/completions",
                                 {{"Content-Type", "application/json"},
                                  {"Content-Length", std::to_string(body.size())},
                                  {"Expect", "100-continue"}}));
    const ResponseHead interim = connection.read_head(scaled(3s));
    ASSERT_EQ(interim.status, 100) << interim.raw;
    EXPECT_EQ(interim.version, "HTTP/1.1");
    connection.send(body);
    const Response r = connection.read_response(false, scaled(30s));
    ASSERT_EQ(r.status(), 200) << r.body;
    EXPECT_EQ(r.json()["choices"][0]["message"]["content"], fake_answer("expect continue"));
    const auto native = requests_to(*fake_, "/api/chat");
    ASSERT_EQ(native.size(), 1u);
    EXPECT_FALSE(native[0]["headers"].contains("expect")) << native[0].dump();
}

}  // namespace
}  // namespace it
