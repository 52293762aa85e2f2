// Failures: an unreachable or misbehaving remote and malformed client requests each get a precise
// answer, and the proxy keeps serving afterwards.
#include "support/servers.hpp"

#include <gtest/gtest.h>

namespace it {
namespace {

const std::string kChat =
    R"({"model":"llama3.2:latest","messages":[{"role":"user","content":"one two three four"}]})";

std::string error_of(const Response& r) {
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (!body.is_object() || !body.contains("error") || !body["error"].is_string()) {
        ADD_FAILURE() << "not an {\"error\": \"...\"} body: " << r.body;
        return {};
    }
    return body["error"].get<std::string>();
}

TEST(RemoteDown, UnusedPortGives502NamingTheRemoteAndTheCause) {
    const std::uint16_t port = unused_port();
    auto proxy = Proxy::start({"--remote-host", "127.0.0.1:" + std::to_string(port)});
    const Response r = fetch(proxy->port(), make_request("GET", "/api/tags"));
    EXPECT_EQ(r.status(), 502);
    EXPECT_NE(r.header("content-type").value_or("").find("application/json"), std::string::npos);
    const std::string error = error_of(r);
    EXPECT_NE(error.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << error;
    EXPECT_NE(error.find("refused"), std::string::npos) << error;
    EXPECT_EQ(fetch(proxy->port(), make_request("GET", "/health")).status(), 200);
}

TEST(RemoteDown, StoppedRemoteGives502EvenWithAPooledConnection) {
    auto fake = FakeOllama::start();
    auto proxy = Proxy::start_for(*fake);
    Connection connection = Connection::open(proxy->port());
    ASSERT_EQ(connection.exchange(make_request("GET", "/api/tags")).status(), 200);
    fake->stop();
    const Response r = connection.exchange(make_request("GET", "/api/tags"), scaled(30s));
    EXPECT_EQ(r.status(), 502);
    const std::string error = error_of(r);
    EXPECT_NE(error.find(fake->address()), std::string::npos) << error;
    EXPECT_NE(error.find("refused"), std::string::npos) << error;
}

TEST(RemoteDown, ExpectContinueIsNotAnsweredWith100WhenTheRemoteIsDown) {
    auto proxy = Proxy::start({"--remote-host", "127.0.0.1:" + std::to_string(unused_port())});
    Connection connection = Connection::open(proxy->port());
    connection.send(make_request("POST", "/api/blobs/sha256:" + std::string(64, 'a'),
                                 {{"Content-Length", "1000000"}, {"Expect", "100-continue"}}));
    const ResponseHead head = connection.read_head(scaled(10s));
    EXPECT_EQ(head.status, 502) << "the body was invited although it could go nowhere";
    // The unread body would be taken for the next request: the connection must not be reused.
    EXPECT_TRUE(connection.wait_closed(scaled(5s)));
}

class Failure : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        fake_ = FakeOllama::start();
        proxy_ = Proxy::start_for(*fake_,
                                  {"--upstream-head-timeout", "1", "--upstream-idle-timeout", "1",
                                   "--client-head-timeout", "1", "--max-header-size", "8192"});
    }
    static void TearDownTestSuite() {
        proxy_.reset();
        fake_.reset();
    }
    void TearDown() override {
        EXPECT_TRUE(serves_tags(proxy_->port())) << "the proxy stopped serving after the failure";
        if (HasFailure()) std::cout << "proxy log:\n" << proxy_->log() << std::endl;
    }

    // A short chat stream; `fault` empty means none.
    static Response chat_with_fault(std::uint16_t port, const std::string& fault) {
        Headers headers{{"x-fake-interval-ms", "10"}};
        if (!fault.empty()) headers.push_back({"x-fake-fault", fault});
        return fetch(port, make_request("POST", "/api/chat", headers, kChat), scaled(30s));
    }

    static inline std::unique_ptr<FakeOllama> fake_;
    static inline std::unique_ptr<Proxy> proxy_;
};

TEST_F(Failure, SlowRemoteHeadGives504AfterTheHeadTimeout) {
    const auto started = Clock::now();
    const Response r =
        fetch(proxy_->port(),
              make_request("GET", "/api/tags", {{"x-fake-fault", "slow-head=3000"}}), scaled(30s));
    const auto elapsed = Clock::now() - started;
    EXPECT_EQ(r.status(), 504);
    EXPECT_FALSE(error_of(r).empty());
    EXPECT_GE(elapsed, 900ms);
    EXPECT_LT(elapsed, sanitized() ? scaled(3s) : 2800ms) << "the head timeout of 1 s was ignored";
}

TEST_F(Failure, RemoteDyingMidStreamTruncatesTheClientStream) {
    const Response complete = chat_with_fault(fake_->port(), "");
    const auto expected = split_lines(complete.body);
    ASSERT_GT(expected.size(), 3u);

    const Response r = chat_with_fault(proxy_->port(), "die-after=2");
    EXPECT_EQ(r.status(), 200);
    EXPECT_TRUE(r.chunked) << r.head.raw;
    // Without the terminating chunk the client can tell the stream was cut.
    EXPECT_EQ(r.end, BodyEnd::truncated) << "a cut stream ended like a complete one";
    EXPECT_EQ(r.body, expected[0] + "\n" + expected[1] + "\n");
}

TEST_F(Failure, ErrorLineFromTheRemoteEndsTheStreamNormally) {
    const Response direct = chat_with_fault(fake_->port(), "error-after=2");
    const Response r = chat_with_fault(proxy_->port(), "error-after=2");
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.end, BodyEnd::clean);
    EXPECT_EQ(r.body, direct.body);
    const auto lines = split_lines(r.body);
    ASSERT_EQ(lines.size(), 3u) << r.body;
    EXPECT_TRUE(nlohmann::json::parse(lines[2]).contains("error")) << lines[2];
}

TEST_F(Failure, RemoteStatusFaultIsRelayedUnchanged) {
    const std::string raw = make_request("GET", "/api/tags", {{"x-fake-fault", "status=503"}});
    const Response direct = fetch(fake_->port(), raw);
    const Response r = fetch(proxy_->port(), raw);
    EXPECT_EQ(r.status(), 503);
    EXPECT_EQ(r.body, direct.body);
}

TEST_F(Failure, RemoteClosingWithoutAResponseGives502) {
    const Response r =
        fetch(proxy_->port(), make_request("GET", "/api/tags", {{"x-fake-fault", "close"}}));
    EXPECT_EQ(r.status(), 502);
    EXPECT_FALSE(error_of(r).empty());
}

TEST_F(Failure, StalledRemoteIsCutAfterTheIdleTimeout) {
    fake_->clear();
    const auto started = Clock::now();
    const Response r = chat_with_fault(proxy_->port(), "stall-after=1");
    const auto elapsed = Clock::now() - started;
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.end, BodyEnd::truncated) << "a stalled stream ended like a complete one";
    EXPECT_EQ(split_lines(r.body).size(), 1u) << r.body;
    EXPECT_GE(elapsed, 900ms);
    EXPECT_LT(elapsed, sanitized() ? scaled(3s) : 2800ms) << "the idle timeout of 1 s was ignored";
    // The proxy hung up on the remote, too.
    EXPECT_TRUE(wait_until(
        [] {
            return fake_->last_request("/api/chat").value_or(nlohmann::json{})["outcome"] ==
                   "aborted";
        },
        scaled(5s)));
}

TEST_F(Failure, IncompleteClientHeadIsDroppedAfterTheClientHeadTimeout) {
    Connection connection = Connection::open(proxy_->port());
    connection.send("GET /api/tags HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const auto started = Clock::now();
    EXPECT_TRUE(connection.wait_closed(scaled(10s))) << "a slow client held a connection open";
    const auto elapsed = Clock::now() - started;
    EXPECT_GE(elapsed, 800ms);
    EXPECT_LT(elapsed, scaled(3s));
}

TEST_F(Failure, MalformedRequestGives400) {
    Connection connection = Connection::open(proxy_->port());
    const Response r = connection.exchange("GARBAGE\r\n\r\n", scaled(10s));
    EXPECT_EQ(r.status(), 400);
    EXPECT_FALSE(error_of(r).empty());
}

TEST_F(Failure, HeadLargerThanTheLimitGives431) {
    const Response r = fetch(
        proxy_->port(), make_request("GET", "/api/tags", {{"X-Big", std::string(16384, 'a')}}));
    EXPECT_EQ(r.status(), 431);
}

TEST_F(Failure, HeadJustUnderTheLimitPasses) {
    const Response r = fetch(proxy_->port(),
                             make_request("GET", "/api/tags", {{"X-Big", std::string(6000, 'a')}}));
    EXPECT_EQ(r.status(), 200);
}

TEST_F(Failure, ContentLengthWithTransferEncodingGives400AndNeverReachesTheRemote) {
    fake_->clear();
    Connection connection = Connection::open(proxy_->port());
    const Response r = connection.exchange(
        "POST /api/show HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        scaled(10s));
    EXPECT_EQ(r.status(), 400);
    EXPECT_TRUE(fake_->requests().empty()) << fake_->requests().dump();
}

}  // namespace
}  // namespace it
