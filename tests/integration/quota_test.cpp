// Per-key quotas over real sockets: requests per minute, tokens per minute counted from the
// native counts of finished replies (streams included), requests in flight; 429s in the
// caller's dialect with an honest Retry-After, and x-ratelimit-* on every authenticated answer.
#include "support/openai_support.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>

namespace it {
namespace {

class Quota : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        fake_ = FakeOllama::start();
        dir_ = std::make_unique<TempDir>();
        const std::string config = (dir_->path() / "config.json").string();
        write_file(config, R"({"auth": {"enabled": true, "tokens": [
            {"key": "sk-three", "name": "three", "limitPerMinute": 3},
            {"key": "sk-tokens", "name": "tokens", "limitTokensPerMinute": 40},
            {"key": "sk-pair", "name": "pair", "maxConcurrent": 2},
            {"key": "sk-plenty", "name": "plenty", "limitPerMinute": 1000,
             "limitTokensPerMinute": 100000}]}})");
        proxy_ = Proxy::start_for(*fake_, {"--config", config});
    }
    static void TearDownTestSuite() {
        proxy_.reset();
        fake_.reset();
        dir_.reset();
    }
    void TearDown() override {
        if (HasFailure()) std::cout << "proxy log:\n" << proxy_->log() << std::endl;
    }

    static Response send(const std::string& raw) { return fetch(proxy_->port(), raw, scaled(20s)); }
    static Response tags(const std::string& key) {
        return send(make_request("GET", "/api/tags", {{"x-api-key", key}}));
    }

    static inline std::unique_ptr<FakeOllama> fake_;
    static inline std::unique_ptr<Proxy> proxy_;
    static inline std::unique_ptr<TempDir> dir_;
};

long header_number(const Response& r, std::string_view name) {
    const auto value = r.header(name);
    return value ? std::stol(*value) : -1;
}

// The prompt + completion counts of a native reply (its final line when streamed).
long native_tokens(const std::string& body) {
    const auto lines = split_lines(body);
    const auto last = nlohmann::json::parse(lines.back());
    return last.value("prompt_eval_count", 0L) + last.value("eval_count", 0L);
}

TEST_F(Quota, TheRequestLimitAnswers429InTheCallersDialect) {
    fake_->clear();
    for (long remaining : {2L, 1L, 0L}) {
        const Response r = tags("sk-three");
        ASSERT_EQ(r.status(), 200) << r.body;
        EXPECT_EQ(header_number(r, "x-ratelimit-limit-requests"), 3);
        EXPECT_EQ(header_number(r, "x-ratelimit-remaining-requests"), remaining);
        EXPECT_TRUE(r.header("x-ratelimit-reset-requests")) << r.head.raw;
        EXPECT_FALSE(r.header("x-ratelimit-limit-tokens")) << "no token limit is set";
    }
    const Response native = tags("sk-three");
    EXPECT_EQ(native.status(), 429);
    const auto body = nlohmann::json::parse(native.body, nullptr, false);
    ASSERT_TRUE(body.is_object() && body["error"].is_string()) << native.body;
    // The first request is a few ms old: the room it took comes back 60 to 60.1 s after it.
    const long retry_after = header_number(native, "retry-after");
    EXPECT_GE(retry_after, 59);
    EXPECT_LE(retry_after, 61);
    const long retry_ms = header_number(native, "retry-after-ms");
    EXPECT_GT(retry_ms, 59'000);
    EXPECT_LE(retry_ms, retry_after * 1000);
    EXPECT_EQ(header_number(native, "x-ratelimit-remaining-requests"), 0);

    const Response openai =
        send(v1_chat_request(v1_chat_body("hi", false), {{"Authorization", "Bearer sk-three"}}));
    EXPECT_TRUE(is_openai_error(openai, 429, "rate_limit_error"));
    EXPECT_EQ(error_object(openai.body)["code"], "rate_limit_exceeded");
    EXPECT_TRUE(openai.header("retry-after"));
    // Refused requests never reach the remote.
    EXPECT_EQ(fake_->requests().size(), 3u);
}

TEST_F(Quota, EveryAuthenticatedAnswerCarriesTheRateLimitHeaders) {
    const Headers key{{"x-api-key", "sk-plenty"}};
    const std::vector<std::string> requests{
        make_request("POST", "/api/chat", key, chat_body(3)),
        make_request("GET", "/api/nothing-here", key),
        v1_chat_request(v1_chat_body("hi", false), key),
        v1_chat_request(v1_chat_body("hi", true), key),
        v1_chat_request(R"({"model": 5})", key),
        make_request("GET", "/v1/models", key),
    };
    for (const std::string& raw : requests) {
        const Response r = send(raw);
        EXPECT_EQ(header_number(r, "x-ratelimit-limit-requests"), 1000) << raw << r.head.raw;
        EXPECT_GE(header_number(r, "x-ratelimit-remaining-requests"), 0) << raw;
        EXPECT_EQ(header_number(r, "x-ratelimit-limit-tokens"), 100000) << raw;
        EXPECT_TRUE(r.header("x-ratelimit-reset-tokens")) << raw;
        EXPECT_TRUE(r.header("x-request-id")) << raw;
    }
}

TEST_F(Quota, TokensOfFinishedRepliesAreCountedStreamsIncluded) {
    const Headers key{{"x-api-key", "sk-tokens"}};
    // A native stream: its final line's counts are what the key is charged.
    const Response first = send(make_request("POST", "/api/chat", key, chat_body(4)));
    ASSERT_EQ(first.status(), 200) << first.body;
    EXPECT_EQ(header_number(first, "x-ratelimit-remaining-tokens"), 40);
    const long spent = native_tokens(first.body);
    ASSERT_GT(spent, 0);
    ASSERT_LT(spent, 20) << "the test needs two replies to fit under the limit";

    // An OpenAI stream of the same request is charged the same, read from the native lines.
    const Response second = send(v1_chat_request(v1_chat_body("one two three four", true), key));
    ASSERT_EQ(second.status(), 200) << second.body;
    EXPECT_EQ(header_number(second, "x-ratelimit-remaining-tokens"), 40 - spent);

    // Spend the rest, then the key is refused until the oldest tokens leave the window.
    std::optional<Response> refused;
    for (int i = 0; i < 10 && !refused; ++i) {
        Response r = send(make_request("POST", "/api/chat", key, chat_body(4)));
        if (r.status() == 429) refused = std::move(r);
    }
    ASSERT_TRUE(refused) << "the token limit never refused";
    const auto body = nlohmann::json::parse(refused->body);
    EXPECT_NE(body["error"].get<std::string>().find("tokens per minute"), std::string::npos);
    EXPECT_EQ(header_number(*refused, "x-ratelimit-remaining-tokens"), 0);
    EXPECT_GE(header_number(*refused, "retry-after"), 55);
}

TEST_F(Quota, RequestsInFlightAreCapped) {
    // Two slow streams hold both places of the key; a third request is refused at once, and
    // once they end the key is free again.
    const Headers slow{{"x-api-key", "sk-pair"}, {"x-fake-interval-ms", "150"}};
    auto stream = [&] { return send(make_request("POST", "/api/chat", slow, chat_body(6))); };
    auto a = std::async(std::launch::async, stream);
    auto b = std::async(std::launch::async, stream);
    bool both_running = wait_until(
        [] {
            const auto status = nlohmann::json::parse(
                fetch(proxy_->port(), make_request("GET", "/_proxy/status"), scaled(5s)).body);
            for (const auto& k : status["auth"]["keys"])
                if (k["name"] == "pair") return k["in_flight"] == 2;
            return false;
        },
        scaled(5s));
    ASSERT_TRUE(both_running);
    const Response third = tags("sk-pair");
    EXPECT_EQ(third.status(), 429);
    EXPECT_EQ(header_number(third, "retry-after"), 1);
    EXPECT_NE(third.body.find("in flight"), std::string::npos) << third.body;
    EXPECT_EQ(a.get().status(), 200);
    EXPECT_EQ(b.get().status(), 200);
    EXPECT_EQ(tags("sk-pair").status(), 200);
}

// One admitted request: when it was sent and when its answer arrived.
struct Admitted {
    Clock::time_point sent;
    Clock::time_point answered;
};

// For any limit + 1 admitted requests, the last answer must come at least 60 s after the first
// send. Checked without knowing when the proxy admitted each: for every request taken as the
// earliest sent, the (limit + 1)-th earliest answer among those sent after it.
::testing::AssertionResult no_window_exceeds(std::vector<Admitted> admitted, std::size_t limit) {
    std::sort(admitted.begin(), admitted.end(),
              [](const Admitted& a, const Admitted& b) { return a.sent < b.sent; });
    for (std::size_t i = 0; i + limit < admitted.size(); ++i) {
        std::vector<Clock::time_point> answers;
        for (std::size_t j = i; j < admitted.size(); ++j)
            answers.push_back(admitted[j].answered);
        std::nth_element(answers.begin(), answers.begin() + static_cast<long>(limit),
                         answers.end());
        const auto span = answers[limit] - admitted[i].sent;
        if (span < 60s) {
            return ::testing::AssertionFailure()
                   << limit + 1 << " requests admitted within "
                   << std::chrono::duration_cast<Millis>(span).count() << " ms";
        }
    }
    return ::testing::AssertionSuccess();
}

TEST(QuotaUnderLoad, SixtyFourClientsOnOneKeyNeverGetMoreThanTheLimitInAnySixtySeconds) {
    constexpr std::size_t kLimit = 40;
    auto fake = FakeOllama::start();
    TempDir dir;
    const std::string config = (dir.path() / "config.json").string();
    write_file(config, R"({"auth": {"enabled": true, "tokens": [
        {"key": "sk-shared", "limitPerMinute": 40}]}})");
    auto proxy = Proxy::start_for(*fake, {"--config", config});

    std::mutex mutex;
    std::vector<Admitted> admitted;
    std::atomic<int> refused{0}, failed{0};
    const auto stop_at = Clock::now() + 66s;
    std::vector<std::thread> clients;
    for (int c = 0; c < 64; ++c) {
        clients.emplace_back([&] {
            while (Clock::now() < stop_at) {
                const auto sent = Clock::now();
                try {
                    const Response r =
                        fetch(proxy->port(),
                              make_request("GET", "/api/tags", {{"x-api-key", "sk-shared"}}),
                              scaled(20s));
                    if (r.status() == 200) {
                        const std::lock_guard lock(mutex);
                        admitted.push_back({sent, Clock::now()});
                    } else if (r.status() == 429) {
                        ++refused;
                    } else {
                        ++failed;
                    }
                } catch (const std::exception&) {
                    ++failed;
                }
                std::this_thread::sleep_for(200ms);
            }
        });
    }
    for (auto& client : clients)
        client.join();
    std::cout << "admitted " << admitted.size() << ", refused " << refused.load() << " in 66 s\n";
    EXPECT_EQ(failed.load(), 0);
    EXPECT_GT(refused.load(), 1000) << "the clients did not press the limit";
    // Two windows fit in 66 s: the first full, the second at least partly used.
    EXPECT_GT(admitted.size(), kLimit);
    EXPECT_LE(admitted.size(), 2 * kLimit);
    EXPECT_TRUE(no_window_exceeds(admitted, kLimit));
}

}  // namespace
}  // namespace it
