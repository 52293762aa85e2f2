#include "ollama_proxy/metrics.hpp"

#include "ollama_proxy/target_path.hpp"
#include "ollama_proxy/text.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

namespace ollama_proxy::metrics {
namespace {

constexpr std::array<std::string_view, 4> kOwnRoutes = {"/health", "/ready", "/metrics", "/_proxy"};
constexpr std::array<std::string_view, 9> kOpenAIRoutes = {
    "/chat/completions", "/completions",          "/models",
    "/embeddings",       "/images/generations",   "/responses",
    "/moderations",      "/audio/transcriptions", "/audio/translations"};
constexpr std::array<std::string_view, 15> kNativeRoutes = {
    "/api/chat",   "/api/generate", "/api/embed",   "/api/embeddings", "/api/tags",
    "/api/show",   "/api/ps",       "/api/version", "/api/pull",       "/api/push",
    "/api/create", "/api/copy",     "/api/delete",  "/api/blobs",      "/"};
constexpr std::string_view kOther = "other";

std::string_view limit_name(QuotaLimit limit) {
    switch (limit) {
        case QuotaLimit::requests:
            return "requests";
        case QuotaLimit::tokens:
            return "tokens";
        case QuotaLimit::concurrency:
            return "concurrency";
        case QuotaLimit::none:
            break;
    }
    return "none";
}

void append_number(std::string& out, double value) {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

void append_number(std::string& out, std::uint64_t value) {
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

void append_number(std::string& out, std::int64_t value) {
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

// Builds `{a="x",b="y"}` label sets.
class Labels {
  public:
    Labels& add(std::string_view name, std::string_view value) {
        text_ += text_.empty() ? '{' : ',';
        text_ += name;
        text_ += "=\"";
        text_ += escape_label_value(value);
        text_ += '"';
        return *this;
    }
    std::string text() const { return text_.empty() ? std::string{} : text_ + '}'; }
    // With one more label, for histogram buckets.
    std::string with(std::string_view name, std::string_view value) const {
        Labels copy = *this;
        return copy.add(name, value).text();
    }

  private:
    std::string text_;
};

class Writer {
  public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        out_ += help;
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }
    template <class Number>
    void sample(std::string_view name, const std::string& labels, Number value) {
        out_ += name;
        out_ += labels;
        out_ += ' ';
        append_number(out_, value);
        out_ += '\n';
    }
    void histogram(std::string_view name, const Labels& labels, const Histogram& histogram) {
        const std::string base(name);
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < latency_buckets.size(); ++i) {
            cumulative += histogram.counts[i];
            std::string le;
            append_number(le, latency_buckets[i]);
            sample(base + "_bucket", labels.with("le", le), cumulative);
        }
        cumulative += histogram.counts[latency_buckets.size()];
        sample(base + "_bucket", labels.with("le", "+Inf"), cumulative);
        sample(base + "_sum", labels.text(), histogram.sum);
        sample(base + "_count", labels.text(), histogram.count);
    }
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

}  // namespace

// --- routes ----------------------------------------------------------------------------------

RouteTable::RouteTable(std::string_view openai_base_path)
    : openai_base_(openai_base_path == "/" ? std::string_view{} : openai_base_path) {
    for (const auto route : kOwnRoutes)
        names_.emplace_back(route);
    own_routes_ = names_.size();
    openai_first_ = names_.size();
    for (const auto route : kOpenAIRoutes)
        names_.push_back(openai_base_ + std::string(route));
    native_first_ = names_.size();
    for (const auto route : kNativeRoutes)
        names_.emplace_back(route);
    names_.emplace_back(kOther);
}

std::size_t RouteTable::classify(std::string_view path) const {
    const std::size_t other = names_.size() - 1;
    for (std::size_t i = 0; i < kOwnRoutes.size(); ++i) {
        if (path == kOwnRoutes[i]) return i;
    }
    if (path_is_under(path, "/_proxy")) return 3;
    if (openai_base_.empty() || path_is_under(path, openai_base_)) {
        const std::string_view rest = path.substr(openai_base_.size());
        for (std::size_t i = 0; i < kOpenAIRoutes.size(); ++i) {
            if (rest == kOpenAIRoutes[i]) return openai_first_ + i;
        }
        if (rest.starts_with("/models/")) return openai_first_ + 2;
        return other;
    }
    for (std::size_t i = 0; i < kNativeRoutes.size(); ++i) {
        if (path == kNativeRoutes[i]) return native_first_ + i;
    }
    if (path.starts_with("/api/blobs/")) return native_first_ + 13;
    return other;
}

UpstreamError classify_upstream_error(std::string_view outcome, unsigned status, bool relayed) {
    if (outcome == "ok") {
        return relayed && status >= 500 ? UpstreamError::http_error : UpstreamError::none;
    }
    if (outcome == "connect-failed") return UpstreamError::connect;
    if (outcome == "upstream-head-timeout" || outcome == "upstream-idle-timeout")
        return UpstreamError::timeout;
    if (outcome == "upstream-no-response" || outcome == "upstream-write-failed")
        return UpstreamError::no_response;
    if (outcome == "upstream-cut" || outcome == "upstream-incomplete") return UpstreamError::cut;
    if (outcome == "upstream-invalid" || outcome == "upstream-too-large")
        return UpstreamError::bad_reply;
    // An error status from the remote, or an error line in a stream already under way (200):
    // a 4xx is the client's own mistake (an unknown model), not the remote's failure.
    if (outcome == "upstream-error" && (status >= 500 || status == 200))
        return UpstreamError::http_error;
    return UpstreamError::none;
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    while (!value.empty()) {
        // Prometheus refuses a whole scrape over one label that is not UTF-8, and a model name
        // comes from whatever a client sent.
        const std::size_t length = utf8_char_length(value);
        if (length != 1) {
            out += length == 0 ? std::string_view("\xEF\xBF\xBD") : value.substr(0, length);
            value.remove_prefix(std::max<std::size_t>(length, 1));
            continue;
        }
        const char c = value.front();
        value.remove_prefix(1);
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// --- registry --------------------------------------------------------------------------------

void Histogram::observe(double seconds) {
    const auto bucket = std::lower_bound(latency_buckets.begin(), latency_buckets.end(), seconds);
    ++counts[static_cast<std::size_t>(bucket - latency_buckets.begin())];
    sum += seconds;
    ++count;
}

std::uint32_t Registry::Names::intern(std::string_view value) {
    if (value.empty()) return 0;
    if (value == kOther) return 1;
    if (const auto found = ids.find(value); found != ids.end()) return found->second;
    if (ids.size() >= cap) return 1;
    const auto id = static_cast<std::uint32_t>(values.size());
    values.emplace_back(value);
    ids.emplace(values.back(), id);
    return id;
}

Registry::Registry(std::string_view openai_base_path, std::size_t max_models, std::size_t max_keys)
    : routes_(openai_base_path), data_(routes_.size(), max_models, max_keys) {}

void Registry::record(const Exchange& exchange) noexcept {
    try {
        const std::lock_guard lock(mutex_);
        record_locked(exchange);
    } catch (...) {  // out of memory: the exchange goes uncounted, the relay goes on
    }
}

void Registry::record_locked(const Exchange& exchange) {
    const std::uint64_t route = routes_.classify(exchange.path);
    const std::uint64_t model = data_.models.intern(exchange.model);
    const std::uint64_t status = std::min(exchange.status, 999u);
    ++data_.requests[(route << 40) | (status << 24) | model];
    data_.durations[route].observe(exchange.duration_seconds);
    const bool succeeded = exchange.status / 100 == 2 && exchange.outcome == "ok";
    if (succeeded && exchange.first_body_seconds)
        data_.first_token[(route << 32) | model].observe(*exchange.first_body_seconds);
    if (exchange.prompt_tokens + exchange.completion_tokens > 0) {
        const std::uint64_t key = data_.keys.intern(exchange.key);
        Tokens& tokens = data_.tokens[(model << 32) | key];
        tokens.prompt += exchange.prompt_tokens;
        tokens.completion += exchange.completion_tokens;
    }
    const UpstreamError error =
        classify_upstream_error(exchange.outcome, exchange.status, !routes_.is_own(route));
    if (error != UpstreamError::none) ++data_.upstream_errors[static_cast<std::size_t>(error) - 1];
    if (exchange.quota_refusal != QuotaLimit::none)
        ++data_.quota_rejections[{data_.keys.intern(exchange.key), exchange.quota_refusal}];
}

std::vector<std::pair<std::string, std::uint64_t>> Registry::requests_by_route() const {
    std::vector<std::uint64_t> totals(routes_.size());
    {
        const std::lock_guard lock(mutex_);
        for (const auto& [key, count] : data_.requests)
            totals[key >> 40] += count;
    }
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (std::size_t route = 0; route < totals.size(); ++route) {
        if (totals[route] > 0) out.emplace_back(routes_.name(route), totals[route]);
    }
    return out;
}

std::string Registry::render(const ScrapeContext& context) const {
    // Copied under the lock, written out after it: a scrape never holds up the workers for long.
    std::unique_lock lock(mutex_);
    const std::vector<std::string> models = data_.models.values;
    const std::vector<std::string> keys = data_.keys.values;
    std::vector<std::tuple<std::size_t, std::uint64_t, std::string_view, std::uint64_t>> requests;
    std::vector<std::pair<std::size_t, Histogram>> durations;
    std::vector<std::tuple<std::size_t, std::string_view, Histogram>> first_token;
    std::vector<std::tuple<std::string_view, std::string_view, Tokens>> tokens;
    const auto upstream_errors = data_.upstream_errors;
    const auto quota_rejections = data_.quota_rejections;
    requests.reserve(data_.requests.size());
    for (const auto& [key, count] : data_.requests)
        requests.emplace_back(key >> 40, (key >> 24) & 0xFFFF, models[key & 0xFFFFFF], count);
    for (std::size_t route = 0; route < data_.durations.size(); ++route) {
        if (data_.durations[route].count > 0) durations.emplace_back(route, data_.durations[route]);
    }
    for (const auto& [key, histogram] : data_.first_token)
        first_token.emplace_back(key >> 32, models[key & 0xFFFFFFFF], histogram);
    for (const auto& [key, counts] : data_.tokens)
        tokens.emplace_back(models[key >> 32], keys[key & 0xFFFFFFFF], counts);
    lock.unlock();

    std::sort(requests.begin(), requests.end());
    std::sort(first_token.begin(), first_token.end(), [](const auto& a, const auto& b) {
        return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
    });
    std::sort(tokens.begin(), tokens.end(), [](const auto& a, const auto& b) {
        return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
    });

    Writer out;
    out.family("ollama_proxy_requests_total", "counter",
               "Requests finished, by route, status sent and model.");
    for (const auto& [route, status, model, count] : requests) {
        out.sample("ollama_proxy_requests_total",
                   Labels()
                       .add("route", routes_.name(route))
                       .add("status", std::to_string(status))
                       .add("model", model)
                       .text(),
                   count);
    }

    out.family("ollama_proxy_request_duration_seconds", "histogram",
               "Time from the request head to the end of the exchange, by route.");
    for (const auto& [route, histogram] : durations) {
        Labels labels;
        labels.add("route", routes_.name(route));
        out.histogram("ollama_proxy_request_duration_seconds", labels, histogram);
    }

    out.family("ollama_proxy_time_to_first_token_seconds", "histogram",
               "Time from the request head to the first response body bytes from the remote, "
               "for successful exchanges, by route and model.");
    for (const auto& [route, model, histogram] : first_token) {
        Labels labels;
        labels.add("route", routes_.name(route)).add("model", model);
        out.histogram("ollama_proxy_time_to_first_token_seconds", labels, histogram);
    }

    out.family("ollama_proxy_prompt_tokens_total", "counter",
               "Prompt tokens the remote reported (prompt_eval_count), by model and key name.");
    for (const auto& [model, key, counts] : tokens) {
        out.sample("ollama_proxy_prompt_tokens_total",
                   Labels().add("model", model).add("key", key).text(), counts.prompt);
    }
    out.family("ollama_proxy_completion_tokens_total", "counter",
               "Completion tokens the remote reported (eval_count), by model and key name.");
    for (const auto& [model, key, counts] : tokens) {
        out.sample("ollama_proxy_completion_tokens_total",
                   Labels().add("model", model).add("key", key).text(), counts.completion);
    }

    out.family("ollama_proxy_in_flight_requests", "gauge", "Requests being served now.");
    out.sample("ollama_proxy_in_flight_requests", {}, context.in_flight_requests);
    out.family("ollama_proxy_in_flight_streams", "gauge",
               "Exchanges relaying a streamed response now (SSE, chunked or NDJSON).");
    out.sample("ollama_proxy_in_flight_streams", {}, in_flight_streams());

    out.family("ollama_proxy_upstream_errors_total", "counter",
               "Exchanges that failed between the proxy and the remote, by kind.");
    for (std::size_t i = 0; i < upstream_error_kinds.size(); ++i) {
        out.sample("ollama_proxy_upstream_errors_total",
                   Labels().add("kind", upstream_error_kinds[i]).text(), upstream_errors[i]);
    }

    out.family("ollama_proxy_quota_rejections_total", "counter",
               "Requests refused with 429 by a key's quota, by key name and limit.");
    for (const auto& [which, count] : quota_rejections) {
        out.sample(
            "ollama_proxy_quota_rejections_total",
            Labels().add("key", keys[which.first]).add("limit", limit_name(which.second)).text(),
            count);
    }

    out.family("ollama_proxy_build_info", "gauge", "The proxy's version; always 1.");
    out.sample("ollama_proxy_build_info", Labels().add("version", context.version).text(),
               std::uint64_t{1});
    out.family("ollama_proxy_uptime_seconds", "gauge", "Seconds since the proxy started.");
    out.sample("ollama_proxy_uptime_seconds", {}, context.uptime_seconds);
    return out.take();
}

}  // namespace ollama_proxy::metrics
