// Uploads: request bodies of any size stream through the proxy with bounded memory, with
// Content-Length and chunked framing, and with Expect: 100-continue.
#include "support/pattern_body.hpp"
#include "support/proc_stats.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <thread>

namespace it {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

// The proxy relays, it does not buffer: its resident memory may grow by this much at most while
// a body of any size passes through (measured: about 2 MiB, and 13 MiB under sanitizers).
constexpr std::uint64_t kRssGrowthLimitKb = 64 * 1024;

std::string blob_target(const std::string& hex) {
    return "/api/blobs/sha256:" + hex;
}

class Upload : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { fake_ = FakeOllama::start(); }
    static void TearDownTestSuite() { fake_.reset(); }
    void SetUp() override { proxy_ = Proxy::start_for(*fake_); }
    void TearDown() override {
        if (HasFailure()) std::cout << "proxy log:\n" << proxy_->log() << std::endl;
        proxy_.reset();
    }

    // Uploads `body` through the proxy, chunked or with Content-Length; expects 201, the fake to
    // have received exactly these bytes, and the proxy's memory to stay bounded.
    void expect_streamed_upload(const PatternBody& body, bool chunked) {
        const std::string hex = body.sha256_hex();
        const std::string target = blob_target(hex);
        const Headers framing = chunked ? Headers{{"Transfer-Encoding", "chunked"}}
                                        : Headers{{"Content-Length", std::to_string(body.size())}};
        const pid_t pid = proxy_->process().pid();
        const std::uint64_t rss_before = rss_kb(pid);

        Connection connection = Connection::open(proxy_->port());
        connection.send(make_request("POST", target, framing));
        const bool sent = body.produce([&](std::string_view block) {
            if (!chunked) return connection.try_send(block, scaled(60s));
            // Two chunks of different sizes per block exercise chunk boundaries mid-block.
            const std::size_t split = std::min<std::size_t>(block.size(), 333'333);
            for (const auto part : {block.substr(0, split), block.substr(split)}) {
                if (part.empty()) continue;
                char size_line[32];
                std::snprintf(size_line, sizeof size_line, "%zx\r\n", part.size());
                if (!connection.try_send(size_line, scaled(60s)) ||
                    !connection.try_send(part, scaled(60s)) ||
                    !connection.try_send("\r\n", scaled(60s))) {
                    return false;
                }
            }
            return true;
        });
        ASSERT_TRUE(sent) << "the proxy stopped taking the body";
        if (chunked) connection.send("0\r\n\r\n");
        const Response r = connection.read_response(false, scaled(120s));
        const std::uint64_t peak = peak_rss_kb(pid);

        EXPECT_EQ(r.status(), 201) << r.body;
        const auto seen = fake_->last_request(target);
        ASSERT_TRUE(seen.has_value());
        EXPECT_EQ((*seen)["body_bytes"], body.size());
        EXPECT_EQ((*seen)["body_sha256"], hex);
        EXPECT_EQ((*seen)["outcome"], "complete");
        const std::uint64_t growth = peak - std::min(peak, rss_before);
        RecordProperty("proxy_rss_growth_kb", std::to_string(growth));
        EXPECT_LT(growth, kRssGrowthLimitKb)
            << "RSS before " << rss_before << " KiB, peak after " << peak << " KiB";
    }

    static inline std::unique_ptr<FakeOllama> fake_;
    std::unique_ptr<Proxy> proxy_;
};

TEST_F(Upload, GibibyteBlobWithContentLengthStreamsInBoundedMemory) {
    // 1 GiB; 256 MiB under sanitizers, whose proxy is several times slower.
    const std::uint64_t size = sanitized() ? 256 * kMiB : 1024 * kMiB + 12345;
    expect_streamed_upload(PatternBody(size, random_salt() + 1), false);
}

TEST_F(Upload, ChunkedBlobStreamsInBoundedMemory) {
    const std::uint64_t size = sanitized() ? 64 * kMiB : 256 * kMiB + 777;
    expect_streamed_upload(PatternBody(size, random_salt() + 2), true);
}

TEST_F(Upload, ExpectContinueGetsInterimResponseBeforeTheBody) {
    const PatternBody body(4 * kMiB + 5, random_salt() + 3);
    const std::string hex = body.sha256_hex();
    Connection connection = Connection::open(proxy_->port());
    connection.send(make_request(
        "POST", blob_target(hex),
        {{"Content-Length", std::to_string(body.size())}, {"Expect", "100-continue"}}));
    const ResponseHead interim = connection.read_head(scaled(10s));
    ASSERT_EQ(interim.status, 100) << interim.raw;
    EXPECT_EQ(interim.version, "HTTP/1.1");

    ASSERT_TRUE(body.produce([&](std::string_view block) { return connection.try_send(block); }));
    const Response r = connection.read_response(false, scaled(60s));
    EXPECT_EQ(r.status(), 201) << r.body;
    const auto seen = fake_->last_request(blob_target(hex));
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ((*seen)["body_sha256"], hex);
    EXPECT_FALSE(seen->at("headers").contains("expect")) << seen->dump();
}

TEST_F(Upload, DigestMismatchReturnsTheRemotes400Unchanged) {
    const std::string raw = make_request("POST", blob_target(sha256_hex("other content")), {},
                                         "the content actually sent");
    const Response direct = fetch(fake_->port(), raw);
    ASSERT_EQ(direct.status(), 400) << direct.body;
    const Response proxied = fetch(proxy_->port(), raw);
    EXPECT_EQ(proxied.status(), 400);
    EXPECT_EQ(proxied.header("content-type"), direct.header("content-type"));
    EXPECT_EQ(proxied.body, direct.body);
    EXPECT_NE(proxied.body.find("digest mismatch"), std::string::npos) << proxied.body;
}

TEST_F(Upload, RemoteRefusingALargeUploadEarlyReachesTheClient) {
    // The fake answers an invalid digest before reading the body, then closes.
    const PatternBody body(64 * kMiB, random_salt() + 4);
    const std::string target = "/api/blobs/sha256:not-a-digest";
    const std::string expected =
        fetch(fake_->port(), make_request("POST", target, {}, "small")).body;

    Connection connection = Connection::open(proxy_->port());
    connection.send(
        make_request("POST", target, {{"Content-Length", std::to_string(body.size())}}));
    // The body goes out on another thread; the proxy may stop taking it once the remote refused.
    std::thread sender([&] {
        body.produce([&](std::string_view block) { return connection.try_send(block, 10s); });
    });
    Response r;
    try {
        r = connection.read_response(false, scaled(30s));
    } catch (...) {
        ::shutdown(connection.fd(), SHUT_RDWR);
        sender.join();
        throw;
    }
    ::shutdown(connection.fd(), SHUT_RDWR);  // ends the sender's blocked send, if any
    sender.join();
    EXPECT_EQ(r.status(), 400);
    EXPECT_EQ(r.body, expected);
    EXPECT_TRUE(serves_tags(proxy_->port()));
}

}  // namespace
}  // namespace it
