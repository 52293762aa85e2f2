// Cancellation: a client that hangs up mid-stream makes the proxy abort the upstream request at
// once instead of letting the remote generate for no one.
#include "support/proxy_fixture.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

namespace it {
namespace {

class Cancellation : public ProxyAndFake {
  protected:
    void SetUp() override { fake_->clear(); }

    // Starts a chat stream with `headers`, reads its first line and hangs up; returns how long
    // after the hang-up the fake recorded the request as aborted.
    static std::optional<Millis> abort_delay_after_hang_up(const Headers& headers) {
        Connection connection = Connection::open(proxy_->port());
        connection.send(make_request("POST", "/api/chat", headers, chat_body(30)));
        const ResponseHead head = connection.read_head(scaled(30s));
        EXPECT_EQ(head.status, 200);
        BodyReader reader(connection, head, false);
        EXPECT_TRUE(reader.read_lines(1, scaled(30s))) << reader.body();
        EXPECT_FALSE(reader.finished());
        connection.close();
        const auto closed = Clock::now();

        std::string outcome;
        const bool aborted = wait_until(
            [&] {
                const auto seen = fake_->last_request("/api/chat");
                outcome = seen ? seen->value("outcome", "") : "";
                return outcome == "aborted";
            },
            scaled(10s), 20ms);
        if (!aborted) {
            ADD_FAILURE() << "the upstream request was not aborted; outcome: " << outcome;
            return std::nullopt;
        }
        return std::chrono::duration_cast<Millis>(Clock::now() - closed);
    }
};

TEST_F(Cancellation, HangUpDuringAStalledStreamAbortsTheUpstreamRequest) {
    const auto aborted_before = fake_->stats()["aborted_streams"].get<std::uint64_t>();
    const auto delay = abort_delay_after_hang_up({{"x-fake-fault", "stall-after=1"}});
    ASSERT_TRUE(delay.has_value());
    EXPECT_LT(*delay, scaled(1500ms));
    EXPECT_EQ(fake_->stats()["aborted_streams"].get<std::uint64_t>(), aborted_before + 1);
    // The aborted connection was closed, not pooled: the next request gets a sound answer.
    EXPECT_TRUE(serves_tags(proxy_->port()));
    EXPECT_EQ(fake_->last_request("/api/tags").value_or(nlohmann::json{})["outcome"], "complete");
}

TEST_F(Cancellation, HangUpDuringAPacedStreamAbortsTheUpstreamRequest) {
    const auto delay = abort_delay_after_hang_up({{"x-fake-interval-ms", "200"}});
    ASSERT_TRUE(delay.has_value());
    EXPECT_LT(*delay, scaled(1500ms));
    EXPECT_TRUE(serves_tags(proxy_->port()));
}

TEST_F(Cancellation, HangUpBeforeTheResponseHeadAbortsTheUpstreamRequest) {
    Connection connection = Connection::open(proxy_->port());
    connection.send(make_request("GET", "/api/tags", {{"x-fake-fault", "slow-head=5000"}}));
    ASSERT_TRUE(
        wait_until([] { return fake_->last_request("/api/tags").has_value(); }, scaled(5s)));
    connection.close();
    const auto closed = Clock::now();
    EXPECT_TRUE(wait_until(
        [] {
            const auto seen = fake_->last_request("/api/tags");
            return seen && seen->value("outcome", "") == "aborted";
        },
        scaled(3s)))
        << "the remote kept working for a client that had left";
    EXPECT_LT(Clock::now() - closed, scaled(1500ms));
}

TEST_F(Cancellation, HangUpMidUploadNeverCompletesTheUpstreamRequest) {
    const std::string target = "/api/blobs/sha256:" + std::string(64, 'c');
    for (const bool chunked : {false, true}) {
        SCOPED_TRACE(chunked ? "chunked" : "content-length");
        fake_->clear();
        Connection connection = Connection::open(proxy_->port());
        const Headers framing = chunked ? Headers{{"Transfer-Encoding", "chunked"}}
                                        : Headers{{"Content-Length", "8000000"}};
        connection.send(make_request("POST", target, framing));
        const std::string part(1'000'000, 'x');
        connection.send(chunked ? "f4240\r\n" + part + "\r\n" : part);
        ASSERT_TRUE(
            wait_until([&] { return fake_->last_request(target).has_value(); }, scaled(5s)));
        connection.close();
        std::string outcome;
        EXPECT_TRUE(wait_until(
            [&] {
                const auto seen = fake_->last_request(target);
                outcome = seen ? seen->value("outcome", "") : "";
                return outcome == "aborted";
            },
            scaled(5s)))
            << "outcome " << outcome << ": a cut upload must not end like a complete one";
        EXPECT_NE(fake_->last_request(target).value_or(nlohmann::json{})["status"], 201);
    }
    EXPECT_TRUE(serves_tags(proxy_->port()));
}

TEST_F(Cancellation, RequestsAfterManyHangUpsStillSucceed) {
    for (int i = 0; i < 5; ++i) {
        Connection connection = Connection::open(proxy_->port());
        connection.send(
            make_request("POST", "/api/chat", {{"x-fake-interval-ms", "50"}}, chat_body(20)));
        const ResponseHead head = connection.read_head(scaled(30s));
        ASSERT_EQ(head.status, 200);
        BodyReader reader(connection, head, false);
        ASSERT_TRUE(reader.read_lines(1, scaled(30s)));
    }
    const std::string raw =
        make_request("POST", "/api/chat", {{"x-fake-interval-ms", "0"}}, chat_body(3));
    const std::string expected = fetch(fake_->port(), raw).body;
    for (int i = 0; i < 5; ++i) {
        const Response r = fetch(proxy_->port(), raw, scaled(30s));
        EXPECT_EQ(r.status(), 200);
        EXPECT_EQ(r.end, BodyEnd::clean);
        EXPECT_EQ(r.body, expected);
    }
}

}  // namespace
}  // namespace it
