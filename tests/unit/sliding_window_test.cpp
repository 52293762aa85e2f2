// The per-minute windows behind quotas, driven by an injected clock: no 60 s span ever holds
// more than the limit, bursts at a boundary included, and the waits they announce are exact.
#include "ollama_proxy/auth/sliding_window.hpp"

#include "ollama_proxy/auth/key_quota.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>

namespace ollama_proxy::auth {
namespace {

using namespace std::chrono_literals;
using Clock = SlidingWindow::Clock;

// A point on the test's clock, far from the epoch like a real steady clock.
Clock::time_point at(Clock::duration offset) {
    return Clock::time_point(std::chrono::hours(1000)) + offset;
}

TEST(SlidingWindow, CountsWhatWasAddedForAMinuteThenForgetsIt) {
    SlidingWindow window;
    window.add(at(0s), 3);
    window.add(at(30s), 2);
    EXPECT_EQ(window.used(at(59s)), 5u);
    EXPECT_EQ(window.used(at(60s + 50ms)), 5u);  // the first slot ends 60 s after its end
    EXPECT_EQ(window.used(at(60s + 100ms)), 2u);
    EXPECT_EQ(window.used(at(90s + 100ms)), 0u);
    EXPECT_EQ(window.used(at(1h)), 0u);
}

TEST(SlidingWindow, ABurstAtTheBoundaryWaitsForTheWholeMinute) {
    // A fixed window would admit 10 at 59.9 s and 10 more at 60.0 s.
    constexpr std::uint64_t limit = 10;
    KeyQuota quota({limit, std::nullopt, std::nullopt});
    int admitted = 0;
    for (int i = 0; i < 15; ++i) {
        if (quota.admit(at(59'900ms)).refusal == QuotaVerdict::Refusal::none) ++admitted;
        quota.release();
    }
    EXPECT_EQ(admitted, 10);
    const QuotaVerdict refused = quota.admit(at(60s));
    EXPECT_EQ(refused.refusal, QuotaVerdict::Refusal::requests);
    // The burst's slot [59.9, 60.0) stops counting at 120.0 s.
    EXPECT_EQ(refused.retry_after, 60s);
    EXPECT_EQ(quota.admit(at(119'999ms)).refusal, QuotaVerdict::Refusal::requests);
    EXPECT_EQ(quota.admit(at(120s)).refusal, QuotaVerdict::Refusal::none);
}

TEST(SlidingWindow, TheAnnouncedWaitIsTheFirstMomentThatAdmits) {
    SlidingWindow window;
    window.add(at(0s), 1);
    window.add(at(10s), 1);
    window.add(at(20s + 50ms), 1);
    // Limit 3 at 30 s: one more fits once the oldest event goes, at 60.1 s.
    EXPECT_EQ(window.wait_below(at(30s), 3), 30'100ms);
    // Limit 2: the two oldest must go; the second's slot ends at 10.1 s, so at 70.1 s.
    EXPECT_EQ(window.wait_below(at(30s), 2), 40'100ms);
    EXPECT_EQ(window.wait_below(at(30s), 1), 50'100ms);
    EXPECT_EQ(window.wait_below(at(30s), 4), 0s);
    EXPECT_EQ(window.until_empty(at(30s)), 50'100ms);
    EXPECT_EQ(window.until_empty(at(2min)), 0s);
}

// Random arrivals against a limit, checked against an exact log of admissions: no 60 s span
// holds more than the limit, and the wait announced to a refused request is never too short.
TEST(SlidingWindow, NoSixtySecondSpanEverHoldsMoreThanTheLimit) {
    constexpr std::uint64_t limit = 7;
    KeyQuota quota({limit, std::nullopt, std::nullopt});
    std::mt19937 random(42);
    std::deque<Clock::time_point> admitted;
    Clock::time_point now = at(0s);
    for (int i = 0; i < 20000; ++i) {
        now += std::chrono::milliseconds(random() % 2000);
        const QuotaVerdict verdict = quota.admit(now);
        quota.release();
        while (!admitted.empty() && admitted.front() <= now - 60s)
            admitted.pop_front();
        if (verdict.refusal == QuotaVerdict::Refusal::none) {
            admitted.push_back(now);
            ASSERT_LE(admitted.size(), limit) << "at request " << i;
        } else if (admitted.size() == limit) {
            // A full exact log admits again only when its oldest entry is 60 s old.
            ASSERT_GE(now + verdict.retry_after, admitted.front() + 60s) << "at request " << i;
        }
    }
}

}  // namespace
}  // namespace ollama_proxy::auth
