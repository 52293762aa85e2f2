// The proxy's own endpoints and its graceful shutdown.
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace it {
namespace {

TEST(OwnEndpoints, HealthAnswers200Json) {
    auto proxy = Proxy::start({"--remote-host", "127.0.0.1:" + std::to_string(unused_port())});
    const Response r = fetch(proxy->port(), make_request("GET", "/health"));
    EXPECT_EQ(r.status(), 200);
    EXPECT_NE(r.header("content-type").value_or("").find("application/json"), std::string::npos);
    EXPECT_TRUE(nlohmann::json::parse(r.body, nullptr, false).is_object()) << r.body;
}

TEST(OwnEndpoints, ReadyAnswers200WhenTheRemoteIsUp) {
    auto fake = FakeOllama::start();
    auto proxy = Proxy::start_for(*fake);
    const Response r = fetch(proxy->port(), make_request("GET", "/ready"));
    EXPECT_EQ(r.status(), 200) << r.body;
    EXPECT_TRUE(nlohmann::json::parse(r.body, nullptr, false).is_object()) << r.body;
}

TEST(OwnEndpoints, ReadyAnswers503WithAnErrorWhenTheRemoteIsDown) {
    auto proxy = Proxy::start({"--remote-host", "127.0.0.1:" + std::to_string(unused_port())});
    const Response r = fetch(proxy->port(), make_request("GET", "/ready"));
    EXPECT_EQ(r.status(), 503);
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    ASSERT_TRUE(body.contains("error") && body["error"].is_string()) << r.body;
    EXPECT_FALSE(body["error"].get<std::string>().empty());
}

TEST(OwnEndpoints, ReadyFollowsTheRemoteGoingDown) {
    auto fake = FakeOllama::start();
    auto proxy = Proxy::start_for(*fake, {"--ready-cache", "0"});
    ASSERT_EQ(fetch(proxy->port(), make_request("GET", "/ready")).status(), 200);
    fake->stop();
    EXPECT_EQ(fetch(proxy->port(), make_request("GET", "/ready")).status(), 503);
}

class Drain : public ::testing::Test {
  protected:
    void SetUp() override { fake_ = FakeOllama::start(); }
    void TearDown() override {
        if (HasFailure() && proxy_) std::cout << "proxy log:\n" << proxy_->log() << std::endl;
    }

    // Starts a chat stream of `words` words paced 200 ms per line and reads its first line.
    std::unique_ptr<BodyReader> start_stream(Connection& connection, int words) {
        connection.send(
            make_request("POST", "/api/chat", {{"x-fake-interval-ms", "200"}}, chat_body(words)));
        const ResponseHead head = connection.read_head(scaled(30s));
        EXPECT_EQ(head.status, 200);
        auto reader = std::make_unique<BodyReader>(connection, head, false);
        EXPECT_TRUE(reader->read_lines(1, scaled(30s)));
        return reader;
    }

    std::unique_ptr<FakeOllama> fake_;
    std::unique_ptr<Proxy> proxy_;
};

TEST_F(Drain, SigtermLetsTheStreamFinishRefusesNewConnectionsAndExitsZero) {
    proxy_ = Proxy::start_for(*fake_, {"--drain-timeout", "30"});
    const std::string expected =
        fetch(fake_->port(),
              make_request("POST", "/api/chat", {{"x-fake-interval-ms", "0"}}, chat_body(8)))
            .body;

    Connection connection = Connection::open(proxy_->port());
    auto reader = start_stream(connection, 8);
    proxy_->process().signal(SIGTERM);

    // The listener closes: new connections are refused while the stream is still running.
    const bool refused = wait_until(
        [&] { return !Connection::try_open(proxy_->port()).has_value(); }, scaled(3s), 20ms);
    EXPECT_TRUE(refused) << "the proxy still accepts connections while draining";
    EXPECT_FALSE(reader->finished()) << "the stream ended before the check";

    const Response r = reader->read_to_end(scaled(30s));
    EXPECT_EQ(r.end, BodyEnd::clean) << "the stream was cut by the drain";
    EXPECT_EQ(r.body, expected);
    const auto ended = Clock::now();
    EXPECT_EQ(proxy_->process().wait_exit(scaled(5s)), 0);
    EXPECT_LT(Clock::now() - ended, scaled(2s));
}

TEST_F(Drain, DrainTimeoutCutsALongStreamAndExitsZero) {
    proxy_ = Proxy::start_for(*fake_, {"--drain-timeout", "0.5"});
    Connection connection = Connection::open(proxy_->port());
    auto reader = start_stream(connection, 40);  // about 8 s of lines
    const auto signalled = Clock::now();
    proxy_->process().signal(SIGTERM);

    const auto code = proxy_->process().wait_exit(scaled(10s));
    const auto exited = Clock::now() - signalled;
    EXPECT_EQ(code, 0);
    EXPECT_GE(exited, 400ms);
    EXPECT_LT(exited, sanitized() ? scaled(3s) : 2500ms) << "the drain timeout was not honoured";

    const Response r = reader->read_to_end(scaled(10s));
    EXPECT_EQ(r.end, BodyEnd::truncated) << "a cut stream ended like a complete one";
    EXPECT_LT(split_lines(r.body).size(), 20u);
}

TEST_F(Drain, SigtermWithNothingInFlightExitsZeroPromptly) {
    proxy_ = Proxy::start_for(*fake_);
    Connection idle = Connection::open(proxy_->port());
    ASSERT_EQ(idle.exchange(make_request("GET", "/api/tags")).status(), 200);
    const auto signalled = Clock::now();
    EXPECT_EQ(proxy_->stop(scaled(5s)), 0);
    EXPECT_LT(Clock::now() - signalled, scaled(2s)) << "an idle keep-alive connection held it";
    EXPECT_TRUE(idle.wait_closed(scaled(2s)));
}

}  // namespace
}  // namespace it
