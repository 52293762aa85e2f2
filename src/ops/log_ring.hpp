// The last lines of the log, kept in memory for the status page: a sink beside the journal or
// the file, so that an operator can read (and copy) what the daemon just did without a shell on
// the machine. Each line gets a sequence number, so a page polling with "after N" never misses
// or repeats a line, and a clear is simply forgetting what is held.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace ollama_proxy {

class LogRing final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    struct Line {
        std::uint64_t seq;
        std::string text;  // formatted, without the line break
    };

    explicit LogRing(std::size_t capacity) : capacity_(capacity) {}

    std::size_t capacity() const { return capacity_; }
    // The lines held with a sequence number above `after`, oldest first, at most `limit`. An
    // `after` past the last line ever logged (a page that outlived a restart) means from the start.
    std::vector<Line> since(std::uint64_t after, std::size_t limit);
    // Forgets every line held; returns how many there were. Numbering goes on.
    std::size_t clear();

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override {}

  private:
    const std::size_t capacity_;
    std::deque<Line> lines_;
    std::uint64_t last_seq_ = 0;
};

}  // namespace ollama_proxy
