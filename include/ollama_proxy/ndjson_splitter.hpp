// Splits an NDJSON byte stream into lines, whatever the read boundaries: a line may arrive in
// pieces across many reads, or several lines may arrive in one read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ollama_proxy {

class NdjsonSplitter {
  public:
    // A line longer than `max_line_bytes` is a protocol error rather than something to buffer
    // without bound (a misbehaving remote must not exhaust the proxy's memory).
    explicit NdjsonSplitter(std::size_t max_line_bytes = 16 * 1024 * 1024)
        : max_line_bytes_(max_line_bytes) {}

    // Calls `on_line(std::string_view)` for every complete line in `bytes`, without its "\n" (or
    // "\r\n"); blank lines are skipped. Returns false once a line exceeds the bound; the splitter
    // is then unusable.
    template <class OnLine>
    bool feed(std::string_view bytes, OnLine&& on_line);

    // The bytes after the last newline. Non-empty at end of stream means the remote stopped in
    // the middle of a line.
    std::string_view pending() const { return carry_; }

    bool overflowed() const { return overflowed_; }

  private:
    bool append_partial(std::string_view piece);
    static std::string_view trim_line(std::string_view line);

    std::string carry_;
    std::size_t max_line_bytes_;
    bool overflowed_ = false;
};

template <class OnLine>
bool NdjsonSplitter::feed(std::string_view bytes, OnLine&& on_line) {
    if (overflowed_) return false;
    while (!bytes.empty()) {
        const auto newline = bytes.find('\n');
        if (newline == std::string_view::npos) return append_partial(bytes);
        const auto piece = bytes.substr(0, newline);
        bytes.remove_prefix(newline + 1);
        if (carry_.empty()) {
            // Fast path: the whole line is inside this read, no copy needed.
            if (piece.size() > max_line_bytes_) return !(overflowed_ = true);
            if (const auto line = trim_line(piece); !line.empty()) on_line(line);
            continue;
        }
        if (!append_partial(piece)) return false;
        const std::string line{trim_line(carry_)};
        carry_.clear();
        if (!line.empty()) on_line(std::string_view{line});
    }
    return true;
}

}  // namespace ollama_proxy
