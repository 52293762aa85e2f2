#include "net/admin_endpoints.hpp"

#include "net/own_endpoints.hpp"
#include "net/reconfigure.hpp"
#include "net/worker.hpp"
#include "ollama_proxy/header_rules.hpp"
#include "ollama_proxy/text.hpp"
#include "ops/logging.hpp"
#include "ops/status_page.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace ollama_proxy {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxLinesPerRead = 5000;

double seconds_since(SteadyClock::time_point then) {
    const std::chrono::duration<double> age = SteadyClock::now() - then;
    return static_cast<double>(static_cast<long long>(age.count() * 10)) / 10;  // 0.1 s steps
}

// What the proxy knows of a remote: reachable true or false by its latest exchange or probe,
// null before any.
json remote_json(const UpstreamTarget& target) {
    const auto health = target.health->snapshot();
    json remote{{"target", target.display}, {"reachable", nullptr}};
    const bool failed_last =
        health.last_failure && (!health.last_answer || *health.last_failure >= *health.last_answer);
    if (failed_last) {
        remote["reachable"] = false;
        remote["error"] = health.last_error;
        remote["checked_seconds_ago"] = seconds_since(*health.last_failure);
    } else if (health.last_answer) {
        remote["reachable"] = true;
        remote["checked_seconds_ago"] = seconds_since(*health.last_answer);
    }
    if (!health.remote_version.empty()) remote["version"] = health.remote_version;
    return remote;
}

json window_json(const auth::WindowStatus& window) {
    return {{"limit", window.limit},
            {"remaining", window.remaining},
            {"reset", auth::duration_text(window.reset)}};
}

// Keys by name only, with what they have used: never a key or its digest.
json keys_json(const auth::AccessPolicy& policy) {
    json keys = json::array();
    const auto now = auth::KeyQuota::Clock::now();
    for (std::size_t i = 0; i < policy.keys.size(); ++i) {
        auto& quota = *policy.quotas[i];
        const auto limits = quota.limits();
        const auto status = quota.status(now);
        json key{{"name", policy.keys.name(i)}, {"in_flight", status.in_flight}};
        if (limits.max_concurrent) key["max_concurrent"] = *limits.max_concurrent;
        if (status.requests) key["requests"] = window_json(*status.requests);
        if (status.tokens) key["tokens"] = window_json(*status.tokens);
        keys.push_back(std::move(key));
    }
    return keys;
}

json requests_by_route(const ProxyState& state) {
    json routes = json::object();
    for (const auto& [route, count] : state.metrics.requests_by_route())
        routes[route] = count;
    return routes;
}

LocalReply answer_status(const ProxyState& state) {
    const auto policy = state.access_policy();
    const auto uptime =
        std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now() - state.started);
    const auto ring = log_ring();
    const auto& file = state.config.config_file;
    json body{{"version", OLLAMA_PROXY_VERSION},
              {"listener", state.listening},
              {"openai_base_path", state.config.openai.base_path},
              {"config_file", file.empty() ? json(nullptr) : json(file)},
              {"remote", remote_json(*state.remote())},
              {"uptime_seconds", uptime.count()},
              {"requests_total", state.requests.load(std::memory_order_relaxed)},
              {"requests_by_route", requests_by_route(state)},
              {"active_exchanges", state.active_exchanges.load(std::memory_order_relaxed)},
              {"active_streams", state.metrics.in_flight_streams()},
              {"auth", {{"enabled", policy->enabled}, {"keys", keys_json(*policy)}}},
              {"logs", {{"capacity", ring ? ring->capacity() : 0}}}};
    return json_reply(200, body);
}

// Prometheus' text exposition format.
LocalReply answer_metrics(const ProxyState& state) {
    metrics::ScrapeContext context;
    context.in_flight_requests = state.active_exchanges.load(std::memory_order_relaxed);
    context.uptime_seconds =
        std::chrono::duration<double>(SteadyClock::now() - state.started).count();
    context.version = OLLAMA_PROXY_VERSION;
    LocalReply reply;
    reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
    reply.body = state.metrics.render(context);
    return reply;
}

// The value of `name` in a query string, if it is there.
std::optional<std::string_view> query_value(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
            pair[name.size()] == '=')
            return pair.substr(name.size() + 1);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

std::optional<std::uint64_t> query_number(std::string_view query, std::string_view name,
                                          std::uint64_t fallback, bool& bad) {
    const auto text = query_value(query, name);
    if (!text) return fallback;
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size()) {
        bad = true;
        return std::nullopt;
    }
    return value;
}

LocalReply answer_logs(std::string_view query) {
    bool bad = false;
    const auto after = query_number(query, "after", 0, bad);
    const auto limit = query_number(query, "limit", kMaxLinesPerRead, bad);
    if (bad) return error_reply(Dialect::ollama, 400, "after and limit must be whole numbers");
    const auto ring = log_ring();
    json lines = json::array();
    std::uint64_t next = *after;
    if (ring) {
        for (auto& line : ring->since(*after, std::min<std::uint64_t>(*limit, kMaxLinesPerRead))) {
            next = line.seq;
            lines.push_back({{"seq", line.seq}, {"text", std::move(line.text)}});
        }
    }
    return json_reply(200, {{"lines", std::move(lines)}, {"next", next}});
}

LocalReply answer_logs_clear() {
    const auto ring = log_ring();
    return json_reply(200, {{"cleared", ring ? ring->clear() : 0}});
}

LocalReply answer_reload(ProxyState& state) {
    const ReloadReport report = reload_configuration(state);
    if (report.error) return error_reply(Dialect::ollama, 400, "reload failed: " + *report.error);
    return json_reply(200, {{"status", "reloaded"}, {"restart_required", report.restart_required}});
}

awaitable<LocalReply> answer_recheck(Worker& worker) {
    const TargetPtr target = worker.state.remote();
    co_await probe_remote(worker, target);
    co_return json_reply(200, remote_json(*target));
}

awaitable<LocalReply> answer_remote_switch(Worker& worker, const AdminRequest& request) {
    ProxyState& state = worker.state;
    const auto parsed = parse_remote_switch(request.body, state.remote()->remote);
    if (!parsed.ok()) co_return error_reply(Dialect::ollama, 400, parsed.error);
    const SwitchReport report = switch_remote(state, *parsed.value, request.peer);
    if (report.error) co_return error_reply(Dialect::ollama, 400, *report.error);
    // The page shows at once whether the new remote answers.
    const TargetPtr target = state.remote();
    co_await probe_remote(worker, target);
    const auto& file = state.config.config_file;
    json body{{"remote", remote_json(*target)},
              {"persisted", report.persisted},
              {"config_file", file.empty() ? json(nullptr) : json(file)}};
    if (!report.warning.empty()) body["warning"] = report.warning;
    co_return json_reply(200, body);
}

bool is_json(std::string_view content_type) {
    const std::string_view media = content_type.substr(0, content_type.find(';'));
    return iequals(trim_blanks(media), "application/json");
}

// The actions: each changes the daemon, so each wants a JSON body, which a page of another
// origin cannot send without a preflight.
awaitable<LocalReply> answer_action(Worker& worker, const AdminRequest& request) {
    if (!is_json(request.content_type))
        co_return error_reply(Dialect::ollama, 415,
                              "send the request as Content-Type: application/json");
    if (request.path == "/_proxy/logs/clear") co_return answer_logs_clear();
    if (request.path == "/_proxy/reload") co_return answer_reload(worker.state);
    if (request.path == "/_proxy/recheck") co_return co_await answer_recheck(worker);
    co_return co_await answer_remote_switch(worker, request);
}

// The operator's page: it only talks to its own origin, so everything else is forbidden.
LocalReply status_page_reply() {
    LocalReply reply;
    reply.body = std::string(status_page_html());
    reply.content_type = "text/html; charset=utf-8";
    reply.headers = {{"Cache-Control", "no-store"},
                     {"Content-Security-Policy",
                      "default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; "
                      "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                      "form-action 'none'; frame-ancestors 'none'"},
                     {"X-Content-Type-Options", "nosniff"},
                     {"Referrer-Policy", "no-referrer"}};
    return reply;
}

// The page's relative URLs resolve against /_proxy/, so /_proxy sends the browser there.
LocalReply page_redirect() {
    LocalReply reply;
    reply.status = 308;
    reply.content_type.clear();
    reply.headers.emplace_back("Location", "/_proxy/");
    return reply;
}

bool is_action(std::string_view path) {
    return path == "/_proxy/logs/clear" || path == "/_proxy/reload" || path == "/_proxy/recheck" ||
           path == "/_proxy/remote";
}

}  // namespace

awaitable<LocalReply> answer_admin(Worker& worker, const AdminRequest& request) {
    const bool read = request.method == "GET" || request.method == "HEAD";
    if (is_action(request.path)) {
        if (request.method != "POST") co_return method_not_allowed("POST");
        co_return co_await answer_action(worker, request);
    }
    if (request.path == "/_proxy/" || request.path == "/_proxy") {
        if (!read) co_return method_not_allowed("GET, HEAD");
        co_return request.path == "/_proxy" ? page_redirect() : status_page_reply();
    }
    const bool known = request.path == "/_proxy/status" || request.path == "/_proxy/logs" ||
                       request.path == "/metrics";
    if (!known) {
        co_return error_reply(
            Dialect::ollama, 404,
            "no such admin endpoint: " + std::string(request.path.substr(0, 128)));
    }
    if (!read) co_return method_not_allowed("GET, HEAD");
    if (request.path == "/_proxy/status") co_return answer_status(worker.state);
    if (request.path == "/metrics") co_return answer_metrics(worker.state);
    co_return answer_logs(request.query);
}

}  // namespace ollama_proxy
