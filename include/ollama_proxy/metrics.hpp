// The proxy's metrics: what each finished exchange adds to the counters and histograms, and the
// text a Prometheus server scrapes from /metrics (text exposition format 0.0.4).
//
// Pure: exchanges are recorded as values (no clocks, no sockets), so tests feed them directly
// and compare the rendered text. Every label has bounded cardinality: paths are reduced to known
// routes, and model and key names past a cap are counted as "other".
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ollama_proxy::metrics {

// The routes a path is counted under: each native and OpenAI endpoint (the latter under the
// configured OpenAI base path), the proxy's own endpoints, and "other" for everything else.
class RouteTable {
  public:
    explicit RouteTable(std::string_view openai_base_path);

    std::size_t classify(std::string_view path) const;
    const std::string& name(std::size_t route) const { return names_[route]; }
    std::size_t size() const { return names_.size(); }
    // /health, /ready, /metrics and /_proxy: answered by the proxy, never relayed.
    bool is_own(std::size_t route) const { return route < own_routes_; }

  private:
    std::vector<std::string> names_;
    std::size_t own_routes_ = 0;
    std::size_t openai_first_ = 0;  // index of the first OpenAI route
    std::size_t native_first_ = 0;  // index of the first native route
    std::string openai_base_;       // "" when the OpenAI API is at the root
};

// What went wrong between the proxy and the remote, in a few kinds.
enum class UpstreamError { none, connect, timeout, no_response, cut, bad_reply, http_error };
inline constexpr std::array<std::string_view, 6> upstream_error_kinds = {
    "connect", "timeout", "no_response", "cut", "bad_reply", "http_error"};

// From an access-log outcome and the status the client got. `relayed` is false for the proxy's
// own endpoints, whose 5xx (a /ready that is not ready) are not the remote's errors.
UpstreamError classify_upstream_error(std::string_view outcome, unsigned status, bool relayed);

// Which quota refused a request on its head, if one did.
enum class QuotaLimit { none, requests, tokens, concurrency };

// One finished exchange, as the access log sees it.
struct Exchange {
    std::string_view path;
    unsigned status = 0;
    std::string_view model;  // empty when none is known
    std::string_view key;    // the key's name; empty without auth
    std::string_view outcome = "ok";
    double duration_seconds = 0;
    // Request start to the first response body bytes from the remote, when there were any.
    std::optional<double> first_body_seconds;
    std::uint64_t prompt_tokens = 0;
    std::uint64_t completion_tokens = 0;
    QuotaLimit quota_refusal = QuotaLimit::none;
};

// Request durations and times to first token: milliseconds for refusals and cached answers up
// to minutes for cold model loads and long generations.
inline constexpr std::array<double, 15> latency_buckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

struct Histogram {
    std::array<std::uint64_t, latency_buckets.size() + 1> counts{};  // per bucket, last is +Inf
    double sum = 0;
    std::uint64_t count = 0;

    void observe(double seconds);
};

// What the scrape adds that the registry does not hold.
struct ScrapeContext {
    std::int64_t in_flight_requests = 0;
    double uptime_seconds = 0;
    std::string_view version;
};

class Registry {
  public:
    static constexpr std::size_t default_max_models = 100;
    static constexpr std::size_t default_max_keys = 1000;

    explicit Registry(std::string_view openai_base_path,
                      std::size_t max_models = default_max_models,
                      std::size_t max_keys = default_max_keys);
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // Counts one finished exchange, whatever its outcome. Never throws.
    void record(const Exchange& exchange) noexcept;

    // Marks an exchange as relaying a streamed response while it lives.
    class StreamGuard {
      public:
        explicit StreamGuard(std::atomic<std::int64_t>& gauge) : gauge_(&gauge) {
            gauge_->fetch_add(1, std::memory_order_relaxed);
        }
        StreamGuard(StreamGuard&& other) noexcept : gauge_(std::exchange(other.gauge_, nullptr)) {}
        StreamGuard(const StreamGuard&) = delete;
        StreamGuard& operator=(const StreamGuard&) = delete;
        StreamGuard& operator=(StreamGuard&&) = delete;
        ~StreamGuard() {
            if (gauge_ != nullptr) gauge_->fetch_sub(1, std::memory_order_relaxed);
        }

      private:
        std::atomic<std::int64_t>* gauge_;
    };
    StreamGuard stream_started() { return StreamGuard(streams_); }

    std::int64_t in_flight_streams() const { return streams_.load(std::memory_order_relaxed); }
    // Requests finished so far by route, all statuses, in route order; routes never seen left out.
    std::vector<std::pair<std::string, std::uint64_t>> requests_by_route() const;

    // The whole exposition text.
    std::string render(const ScrapeContext& context) const;

  private:
    // Interned label values: index 0 is "", index 1 is "other" (where values past the cap go).
    struct Names {
        std::vector<std::string> values{"", "other"};
        std::map<std::string, std::uint32_t, std::less<>> ids;
        std::size_t cap;

        explicit Names(std::size_t max) : cap(max) {}
        std::uint32_t intern(std::string_view value);
    };
    struct Tokens {
        std::uint64_t prompt = 0;
        std::uint64_t completion = 0;
    };
    struct Data {
        Names models;
        Names keys;
        // (route, status, model) -> count
        std::unordered_map<std::uint64_t, std::uint64_t> requests;
        std::vector<Histogram> durations;  // by route
        // (route, model) -> time to first token
        std::unordered_map<std::uint64_t, Histogram> first_token;
        // (model, key) -> tokens
        std::unordered_map<std::uint64_t, Tokens> tokens;
        std::array<std::uint64_t, upstream_error_kinds.size()> upstream_errors{};
        // (key, limit) -> count
        std::map<std::pair<std::uint32_t, QuotaLimit>, std::uint64_t> quota_rejections;

        Data(std::size_t routes, std::size_t max_models, std::size_t max_keys)
            : models(max_models), keys(max_keys), durations(routes) {}
    };

    void record_locked(const Exchange& exchange);

    const RouteTable routes_;
    mutable std::mutex mutex_;
    Data data_;
    std::atomic<std::int64_t> streams_{0};
};

// A label value written for the exposition format: backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);

}  // namespace ollama_proxy::metrics
