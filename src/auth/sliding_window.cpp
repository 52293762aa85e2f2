#include "ollama_proxy/auth/sliding_window.hpp"

#include <algorithm>

namespace ollama_proxy::auth {
namespace {

template <std::size_t N>
std::size_t ring_index(std::int64_t slot) {
    const auto n = static_cast<std::int64_t>(N);
    return static_cast<std::size_t>(((slot % n) + n) % n);
}

}  // namespace

std::int64_t SlidingWindow::slot_of(Clock::time_point when) {
    const auto since = when.time_since_epoch();
    // Floor division: steady_clock may start anywhere, even before its epoch.
    std::int64_t slot = since / kSlot;
    if (since < Duration::zero() && since % kSlot != Duration::zero()) --slot;
    return slot;
}

SlidingWindow::Clock::time_point SlidingWindow::slot_start(std::int64_t slot) {
    return Clock::time_point(std::chrono::duration_cast<Duration>(slot * kSlot));
}

// Moves the window's end to `slot`, forgetting the slots that fall out of it.
void SlidingWindow::advance(std::int64_t slot) {
    if (total_ == 0) {
        newest_ = slot;
        return;
    }
    if (slot <= newest_) return;
    const std::int64_t steps = std::min<std::int64_t>(slot - newest_, kSlots);
    for (std::int64_t i = 1; i <= steps; ++i) {
        std::uint64_t& count = counts_[ring_index<kSlots>(newest_ + i)];
        total_ -= count;
        count = 0;
    }
    newest_ = slot;
}

std::uint64_t SlidingWindow::used(Clock::time_point now) {
    advance(slot_of(now));
    return total_;
}

void SlidingWindow::add(Clock::time_point now, std::uint64_t count) {
    const std::int64_t slot = slot_of(now);
    advance(slot);
    // A clock read a moment earlier on another thread may arrive late: it counts in the newest
    // slot, which only keeps it a little longer.
    counts_[ring_index<kSlots>(std::max(slot, newest_))] += count;
    total_ += count;
}

SlidingWindow::Duration SlidingWindow::wait_below(Clock::time_point now, std::uint64_t limit) {
    std::uint64_t left = used(now);
    if (left < limit) return Duration::zero();
    // Drop the oldest slots one by one; slot s stops counting once the window's start passes its
    // end, at (s + 1) * kSlot + kSpan.
    const std::int64_t oldest = newest_ - static_cast<std::int64_t>(kSlots) + 1;
    for (std::int64_t slot = oldest; slot <= newest_; ++slot) {
        left -= counts_[ring_index<kSlots>(slot)];
        if (left < limit) return std::max(Duration::zero(), slot_start(slot + 1) + kSpan - now);
    }
    return std::max(Duration::zero(), slot_start(newest_ + 1) + kSpan - now);
}

SlidingWindow::Duration SlidingWindow::until_empty(Clock::time_point now) {
    if (used(now) == 0) return Duration::zero();
    for (std::int64_t slot = newest_; slot > newest_ - static_cast<std::int64_t>(kSlots); --slot) {
        if (counts_[ring_index<kSlots>(slot)] != 0)
            return std::max(Duration::zero(), slot_start(slot + 1) + kSpan - now);
    }
    return Duration::zero();
}

}  // namespace ollama_proxy::auth
