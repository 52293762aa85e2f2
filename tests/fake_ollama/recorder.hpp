#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace fake_ollama {

enum class outcome { in_progress, complete, cut, aborted };

// What the fake saw of one non-control request. Mutable parts are only touched through
// request_log, under its lock, because the log may be read while the request is still running.
struct request_record {
    std::uint64_t id = 0;
    std::string method;
    std::string target;
    std::string version;                         // "1.1" or "1.0"
    std::map<std::string, std::string> headers;  // lowercased name; repeats joined by ", "
    std::uint64_t body_bytes = 0;
    std::string body_sha256;  // hex; empty until the body has been read
    std::string body_prefix;  // the first body bytes, up to kBodyPrefixLimit
    std::optional<unsigned> status;
    outcome result = outcome::in_progress;
    std::optional<std::uint64_t> abort_ms;
};

inline constexpr std::size_t kBodyPrefixLimit = 64 * 1024;

// Arrival-ordered log, bounded by entry count and stored body bytes so that a benchmark
// cannot grow it without limit; the oldest entries go first.
class request_log {
  public:
    explicit request_log(std::size_t max_entries);

    std::shared_ptr<request_record> add(request_record record);
    void set_body(const std::shared_ptr<request_record>& record, std::uint64_t bytes,
                  std::string sha256_hex, std::string prefix);
    void set_status(const std::shared_ptr<request_record>& record, unsigned status);
    void set_outcome(const std::shared_ptr<request_record>& record, outcome result,
                     std::optional<std::uint64_t> abort_ms = std::nullopt);
    void clear();
    // The JSON array served by GET /_fake/requests.
    [[nodiscard]] std::string to_json() const;

  private:
    void evict_locked();

    mutable std::mutex mutex_;
    std::deque<std::shared_ptr<request_record>> entries_;
    std::size_t max_entries_;
    std::size_t stored_bytes_ = 0;
    std::uint64_t next_id_ = 1;
};

struct counters {
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> active_streams{0};
    std::atomic<std::uint64_t> aborted_streams{0};
    std::atomic<std::uint64_t> connections_accepted{0};
    std::atomic<std::uint64_t> connections_used{0};  // carried at least one non-control request
    std::atomic<std::uint64_t> active_connections{0};

    // Zeroes the cumulative counters; the gauges (active_*) describe live state and stay.
    void reset();
    [[nodiscard]] std::string to_json() const;
};

// Digests ("sha256:<hex>") of blobs uploaded in this process.
class blob_store {
  public:
    [[nodiscard]] bool contains(const std::string& digest) const;
    void add(std::string digest);

  private:
    mutable std::mutex mutex_;
    std::unordered_set<std::string> digests_;
};

std::string_view outcome_name(outcome result);

// True if `bytes` is valid UTF-8, allowing a sequence cut short by the prefix limit at the end.
bool valid_utf8_prefix(std::string_view bytes, bool truncated);

}  // namespace fake_ollama
