// One key's quotas: requests, tokens and requests in flight, the headers that report them, and
// the Retry-After they announce.
#include "ollama_proxy/auth/key_quota.hpp"

#include <gtest/gtest.h>

namespace ollama_proxy::auth {
namespace {

using namespace std::chrono_literals;
using Clock = SlidingWindow::Clock;
using Refusal = QuotaVerdict::Refusal;

Clock::time_point at(Clock::duration offset) {
    return Clock::time_point(std::chrono::hours(1000)) + offset;
}

TEST(KeyQuota, TokensAreCountedWhenResponsesFinishAndRefuseOnceSpent) {
    KeyQuota quota({std::nullopt, 100, std::nullopt});
    EXPECT_EQ(quota.admit(at(0s)).refusal, Refusal::none);
    quota.add_tokens(at(1s), 60);
    quota.release();
    // 40 left: a request is admitted (its size is unknown until it ends) ...
    const QuotaVerdict second = quota.admit(at(2s));
    EXPECT_EQ(second.refusal, Refusal::none);
    ASSERT_TRUE(second.status.tokens);
    EXPECT_EQ(second.status.tokens->remaining, 40u);
    quota.add_tokens(at(3s), 45);
    quota.release();
    // ... and past the limit the next one waits until the first 60 tokens leave the window.
    const QuotaVerdict refused = quota.admit(at(4s));
    EXPECT_EQ(refused.refusal, Refusal::tokens);
    EXPECT_EQ(refused.retry_after, 57'100ms);
    EXPECT_EQ(refused.status.tokens->remaining, 0u);
    EXPECT_EQ(quota.admit(at(61'100ms)).refusal, Refusal::none);
}

TEST(KeyQuota, ConcurrencyIsCappedAndPlacesComeBackOnRelease) {
    KeyQuota quota({std::nullopt, std::nullopt, 2u});
    EXPECT_EQ(quota.admit(at(0s)).refusal, Refusal::none);
    EXPECT_EQ(quota.admit(at(0s)).refusal, Refusal::none);
    const QuotaVerdict third = quota.admit(at(0s));
    EXPECT_EQ(third.refusal, Refusal::concurrency);
    EXPECT_EQ(third.retry_after, 1s);
    EXPECT_EQ(third.status.in_flight, 2u);
    quota.release();
    EXPECT_EQ(quota.admit(at(0s)).refusal, Refusal::none);
}

TEST(KeyQuota, NewLimitsKeepWhatWasCounted) {
    KeyQuota quota({5, std::nullopt, std::nullopt});
    for (int i = 0; i < 4; ++i)
        quota.admit(at(0s));
    quota.set_limits({4, std::nullopt, std::nullopt});
    EXPECT_EQ(quota.admit(at(1s)).refusal, Refusal::requests);
    quota.set_limits({10, std::nullopt, std::nullopt});
    const QuotaVerdict verdict = quota.admit(at(1s));
    EXPECT_EQ(verdict.refusal, Refusal::none);
    EXPECT_EQ(verdict.status.requests->remaining, 5u);
}

TEST(KeyQuota, HeadersNameEveryLimitTheKeyHas) {
    KeyQuota quota({3, 1000, std::nullopt});
    quota.add_tokens(at(0s), 250);
    const QuotaVerdict verdict = quota.admit(at(0s));
    const auto headers = rate_limit_headers(verdict.status);
    const std::vector<std::pair<std::string, std::string>> expected{
        {"x-ratelimit-limit-requests", "3"},      {"x-ratelimit-remaining-requests", "2"},
        {"x-ratelimit-reset-requests", "1m0.1s"}, {"x-ratelimit-limit-tokens", "1000"},
        {"x-ratelimit-remaining-tokens", "750"},  {"x-ratelimit-reset-tokens", "1m0.1s"}};
    EXPECT_EQ(headers, expected);
    EXPECT_TRUE(rate_limit_headers(KeyQuota({}).admit(at(0s)).status).empty());
}

TEST(KeyQuota, DurationsAreWrittenTheWayOpenAIWritesThem) {
    EXPECT_EQ(duration_text(0s), "0s");
    EXPECT_EQ(duration_text(-5s), "0s");
    EXPECT_EQ(duration_text(250ms), "250ms");
    EXPECT_EQ(duration_text(12s), "12s");
    EXPECT_EQ(duration_text(60s), "1m0s");
    EXPECT_EQ(duration_text(390'500ms), "6m30.5s");
    EXPECT_EQ(duration_text(1'050ms), "1.05s");
}

TEST(KeyQuota, RetryAfterRoundsUpToWholeSeconds) {
    EXPECT_EQ(retry_after_seconds(0s), 1u);
    EXPECT_EQ(retry_after_seconds(1ms), 1u);
    EXPECT_EQ(retry_after_seconds(1s), 1u);
    EXPECT_EQ(retry_after_seconds(1001ms), 2u);
    EXPECT_EQ(retry_after_seconds(60'100ms), 61u);
}

}  // namespace
}  // namespace ollama_proxy::auth
