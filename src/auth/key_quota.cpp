#include "ollama_proxy/auth/key_quota.hpp"

#include <cmath>
#include <cstdio>

namespace ollama_proxy::auth {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

WindowStatus window_status(SlidingWindow& window, std::uint64_t limit,
                           SlidingWindow::Clock::time_point now) {
    const std::uint64_t used = window.used(now);
    return {limit, used < limit ? limit - used : 0, window.until_empty(now)};
}

}  // namespace

void KeyQuota::set_limits(QuotaLimits limits) {
    const std::lock_guard lock(mutex_);
    limits_ = limits;
}

QuotaLimits KeyQuota::limits() const {
    const std::lock_guard lock(mutex_);
    return limits_;
}

QuotaVerdict KeyQuota::admit(Clock::time_point now) {
    const std::lock_guard lock(mutex_);
    QuotaVerdict verdict;
    verdict.limits = limits_;
    using Refusal = QuotaVerdict::Refusal;
    if (limits_.max_concurrent && in_flight_ >= *limits_.max_concurrent) {
        // No clock says when a running request ends; a second is a fair first guess.
        verdict.refusal = Refusal::concurrency;
        verdict.retry_after = std::chrono::seconds(1);
    } else if (limits_.requests_per_minute && requests_.used(now) >= *limits_.requests_per_minute) {
        verdict.refusal = Refusal::requests;
        verdict.retry_after = requests_.wait_below(now, *limits_.requests_per_minute);
    } else if (limits_.tokens_per_minute && tokens_.used(now) >= *limits_.tokens_per_minute) {
        verdict.refusal = Refusal::tokens;
        verdict.retry_after = tokens_.wait_below(now, *limits_.tokens_per_minute);
    } else {
        requests_.add(now, 1);
        ++in_flight_;
    }
    verdict.status = status_locked(now);
    return verdict;
}

void KeyQuota::release() {
    const std::lock_guard lock(mutex_);
    if (in_flight_ > 0) --in_flight_;
}

void KeyQuota::add_tokens(Clock::time_point now, std::uint64_t tokens) {
    const std::lock_guard lock(mutex_);
    if (tokens > 0) tokens_.add(now, tokens);
}

QuotaStatus KeyQuota::status(Clock::time_point now) {
    const std::lock_guard lock(mutex_);
    return status_locked(now);
}

QuotaStatus KeyQuota::status_locked(Clock::time_point now) {
    QuotaStatus status;
    if (limits_.requests_per_minute)
        status.requests = window_status(requests_, *limits_.requests_per_minute, now);
    if (limits_.tokens_per_minute)
        status.tokens = window_status(tokens_, *limits_.tokens_per_minute, now);
    status.in_flight = in_flight_;
    return status;
}

std::string duration_text(SlidingWindow::Duration duration) {
    const long long ms = duration_cast<milliseconds>(duration).count();
    if (ms <= 0) return "0s";
    if (ms < 1000) return std::to_string(ms) + "ms";
    const long long minutes = ms / 60000;
    const long long rest = ms % 60000;
    std::string seconds = std::to_string(rest / 1000);
    if (rest % 1000 != 0) {
        char fraction[8];
        std::snprintf(fraction, sizeof fraction, ".%03lld", rest % 1000);
        std::string digits(fraction);
        while (digits.back() == '0')
            digits.pop_back();
        seconds += digits;
    }
    return (minutes > 0 ? std::to_string(minutes) + "m" : std::string()) + seconds + "s";
}

std::uint64_t retry_after_seconds(SlidingWindow::Duration wait) {
    const long long ms = duration_cast<milliseconds>(wait).count();
    return std::max<long long>(1, (ms + 999) / 1000);
}

std::vector<std::pair<std::string, std::string>> rate_limit_headers(const QuotaStatus& status) {
    std::vector<std::pair<std::string, std::string>> headers;
    const auto add = [&headers](const WindowStatus& window, const std::string& kind) {
        headers.emplace_back("x-ratelimit-limit-" + kind, std::to_string(window.limit));
        headers.emplace_back("x-ratelimit-remaining-" + kind, std::to_string(window.remaining));
        headers.emplace_back("x-ratelimit-reset-" + kind, duration_text(window.reset));
    };
    if (status.requests) add(*status.requests, "requests");
    if (status.tokens) add(*status.tokens, "tokens");
    return headers;
}

}  // namespace ollama_proxy::auth
