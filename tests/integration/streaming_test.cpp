// Streaming: NDJSON lines reach the client as the remote produces them, not when it finishes,
// and the relayed body is byte-identical to the remote's.
#include "support/proxy_fixture.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace it {
namespace {

constexpr int kIntervalMs = 200;
constexpr Millis kInterval{kIntervalMs};

long long ms(Clock::duration d) {
    return std::chrono::duration_cast<Millis>(d).count();
}

class Streaming : public ProxyAndFake {
  protected:
    // Streams `body` to `path` through the proxy with the fake pacing lines kInterval apart;
    // checks the timing of their arrival and that the body equals the remote's own.
    static void expect_incremental_stream(const std::string& path, const std::string& body) {
        const Response direct =
            fetch(fake_->port(), make_request("POST", path, {{"x-fake-interval-ms", "0"}}, body));
        ASSERT_EQ(direct.status(), 200) << direct.body;
        const auto expected_lines = split_lines(direct.body);
        ASSERT_GE(expected_lines.size(), 8u) << direct.body;

        Connection connection = Connection::open(proxy_->port());
        const auto sent = Clock::now();
        const Response streamed = connection.exchange(
            make_request("POST", path, {{"x-fake-interval-ms", std::to_string(kIntervalMs)}}, body),
            scaled(60s));
        ASSERT_EQ(streamed.status(), 200);
        EXPECT_EQ(streamed.header("content-type"), direct.header("content-type"));
        EXPECT_TRUE(streamed.chunked) << streamed.head.raw;
        EXPECT_EQ(streamed.end, BodyEnd::clean);
        EXPECT_EQ(streamed.body, direct.body);

        const auto lines = timed_lines(streamed.body, streamed.arrivals);
        ASSERT_EQ(lines.size(), expected_lines.size());
        const auto first = lines.front().at - sent;
        const auto last = lines.back().at - sent;
        // Buffering the whole response would deliver the first line together with the last.
        EXPECT_LT(first, last - 3 * kInterval)
            << "first line after " << ms(first) << " ms, last after " << ms(last) << " ms";
        const auto spread = lines.back().at - lines.front().at;
        const int gap_count = static_cast<int>(lines.size()) - 1;
        EXPECT_GE(spread, gap_count * kInterval * 6 / 10)
            << "lines arrived within " << ms(spread) << " ms";

        std::vector<Millis> gaps;
        for (std::size_t i = 1; i < lines.size(); ++i) {
            gaps.push_back(std::chrono::duration_cast<Millis>(lines[i].at - lines[i - 1].at));
        }
        std::sort(gaps.begin(), gaps.end());
        const Millis median = gaps[gaps.size() / 2];
        EXPECT_GE(median, kInterval / 2) << "median gap " << median.count() << " ms";
        EXPECT_LE(median, kInterval * 3) << "median gap " << median.count() << " ms";
    }
};

TEST_F(Streaming, ChatLinesArriveAsTheRemoteSendsThem) {
    expect_incremental_stream("/api/chat",
                              R"({"model":"llama3.2:latest","messages":[{"role":"user",)"
                              R"("content":"alpha beta gamma delta epsilon zeta eta theta"}]})");
}

TEST_F(Streaming, GenerateLinesArriveAsTheRemoteSendsThem) {
    expect_incremental_stream(
        "/api/generate",
        R"({"model":"llama3.2:latest","prompt":"alpha beta gamma delta epsilon zeta eta theta"})");
}

TEST_F(Streaming, PullProgressArrivesAsTheRemoteSendsIt) {
    expect_incremental_stream("/api/pull", R"({"model":"llama3.2:latest"})");
}

TEST_F(Streaming, NonStreamingChatIsByteIdenticalToTheRemote) {
    const std::string raw = make_request(
        "POST", "/api/chat", {},
        R"({"model":"llama3.2:latest","stream":false,"messages":[{"role":"user","content":"hi"}]})");
    const Response direct = fetch(fake_->port(), raw);
    const Response proxied = fetch(proxy_->port(), raw);
    ASSERT_EQ(direct.status(), 200) << direct.body;
    EXPECT_EQ(proxied.status(), 200);
    EXPECT_EQ(proxied.header("content-type"), direct.header("content-type"));
    EXPECT_EQ(proxied.body, direct.body);
}

}  // namespace
}  // namespace it
