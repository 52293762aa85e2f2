#include "ops/log_ring.hpp"

#include <algorithm>

namespace ollama_proxy {

void LogRing::sink_it_(const spdlog::details::log_msg& msg) {
    if (capacity_ == 0) return;
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::string text(formatted.data(), formatted.size());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    if (lines_.size() == capacity_) lines_.pop_front();
    lines_.push_back({++last_seq_, std::move(text)});
}

std::vector<LogRing::Line> LogRing::since(std::uint64_t after, std::size_t limit) {
    std::lock_guard lock(mutex_);
    // Sequence numbers rise by one from front to back, so the first wanted line is found by
    // arithmetic rather than a search.
    std::vector<Line> out;
    // A number from beyond the last line was handed out by an earlier run of the daemon.
    if (after > last_seq_) after = 0;
    if (lines_.empty() || after >= lines_.back().seq) return out;
    const std::uint64_t first = lines_.front().seq;
    std::size_t index = after < first ? 0 : static_cast<std::size_t>(after - first + 1);
    const std::size_t count = std::min(limit, lines_.size() - index);
    out.reserve(count);
    for (const std::size_t end = index + count; index < end; ++index)
        out.push_back(lines_[index]);
    return out;
}

std::size_t LogRing::clear() {
    std::lock_guard lock(mutex_);
    const std::size_t held = lines_.size();
    lines_.clear();
    return held;
}

}  // namespace ollama_proxy
