// The quotas of one client key: requests per minute, tokens per minute (prompt + completion,
// counted when a response finishes) and requests in flight. Shared by every thread serving the
// key, and kept across a reload for as long as the key exists.
#pragma once

#include "ollama_proxy/auth/sliding_window.hpp"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ollama_proxy::auth {

struct QuotaLimits {
    std::optional<std::uint64_t> requests_per_minute;
    std::optional<std::uint64_t> tokens_per_minute;
    std::optional<unsigned> max_concurrent;
};

// One window as the x-ratelimit-* headers report it.
struct WindowStatus {
    std::uint64_t limit = 0;
    std::uint64_t remaining = 0;
    SlidingWindow::Duration reset{};  // until the window is empty again
};

struct QuotaStatus {
    std::optional<WindowStatus> requests;  // present when the key has that limit
    std::optional<WindowStatus> tokens;
    unsigned in_flight = 0;
};

struct QuotaVerdict {
    enum class Refusal { none, requests, tokens, concurrency };
    Refusal refusal = Refusal::none;
    SlidingWindow::Duration retry_after{};  // when refused: how long until it would be admitted
    QuotaStatus status;                     // after this request was counted, if admitted
    QuotaLimits limits;                     // the limits it was judged by
};

class KeyQuota {
  public:
    using Clock = SlidingWindow::Clock;

    explicit KeyQuota(QuotaLimits limits) { set_limits(limits); }

    // A reload may change the limits; what was counted so far stays counted.
    void set_limits(QuotaLimits limits);
    QuotaLimits limits() const;

    // Admits one request or says which limit refuses it. An admitted request is counted and
    // holds one in-flight place until release().
    QuotaVerdict admit(Clock::time_point now);
    void release();
    // The prompt + completion tokens of a finished response.
    void add_tokens(Clock::time_point now, std::uint64_t tokens);
    QuotaStatus status(Clock::time_point now);

  private:
    QuotaStatus status_locked(Clock::time_point now);

    mutable std::mutex mutex_;
    QuotaLimits limits_;
    SlidingWindow requests_;
    SlidingWindow tokens_;
    unsigned in_flight_ = 0;
};

// The response headers that report a status: x-ratelimit-{limit,remaining,reset}-{requests,
// tokens}, as OpenAI names them.
std::vector<std::pair<std::string, std::string>> rate_limit_headers(const QuotaStatus& status);

// A duration the way OpenAI writes x-ratelimit-reset-*: "0s", "250ms", "12s", "1m0s", "6m30.5s".
std::string duration_text(SlidingWindow::Duration duration);

// Retry-After in whole seconds, rounded up, at least 1: a client that waits that long is
// admitted (unless others took the room first).
std::uint64_t retry_after_seconds(SlidingWindow::Duration wait);

}  // namespace ollama_proxy::auth
