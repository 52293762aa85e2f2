// A count of events (requests, or tokens) over the last minute, for quotas that must hold in
// every 60 s window, not only in fixed calendar minutes: a fixed window admits twice its limit
// across a boundary, and a token bucket of the same size does too.
//
// Time is kept in 100 ms slots. An event is counted until the whole slot it fell in is more
// than 60 s old, so the window the check sees is 60 s to 60.1 s long: the rounding can only
// refuse a request a little early, never admit one too many. The clock is the caller's, so
// tests drive it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace ollama_proxy::auth {

class SlidingWindow {
  public:
    using Clock = std::chrono::steady_clock;
    using Duration = Clock::duration;

    static constexpr std::chrono::milliseconds kSlot{100};
    static constexpr std::chrono::seconds kSpan{60};

    // The events counted at `now`.
    std::uint64_t used(Clock::time_point now);
    void add(Clock::time_point now, std::uint64_t count);
    // How long from `now` until fewer than `limit` events are counted (zero when already so).
    Duration wait_below(Clock::time_point now, std::uint64_t limit);
    // How long from `now` until nothing is counted any more.
    Duration until_empty(Clock::time_point now);

  private:
    static constexpr std::size_t kSlots = kSpan / kSlot + 1;  // the slots a 60 s span touches

    void advance(std::int64_t slot);
    static std::int64_t slot_of(Clock::time_point when);
    static Clock::time_point slot_start(std::int64_t slot);

    std::array<std::uint64_t, kSlots> counts_{};
    std::uint64_t total_ = 0;
    std::int64_t newest_ = 0;  // the slot `counts_` ends with; only meaningful once total_ > 0
};

}  // namespace ollama_proxy::auth
