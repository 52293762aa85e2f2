#include "net/own_endpoints.hpp"

#include "net/worker.hpp"
#include "ollama_proxy/target_path.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

namespace ollama_proxy {
namespace http = beast::http;
using nlohmann::json;

namespace {

constexpr std::string_view health_path = "/health";
constexpr std::string_view ready_path = "/ready";

LocalReply json_reply(unsigned status, const json& body) {
    LocalReply reply;
    reply.status = status;
    reply.body = body.dump();
    return reply;
}

// The version string from a /api/version body, or empty when the body is not Ollama's.
std::string parse_version(const std::string& body) {
    const json parsed = json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("version") && parsed["version"].is_string())
        return parsed["version"].get<std::string>();
    return {};
}

template <class Stream>
awaitable<std::string> probe_on(Worker& worker, Stream& stream, beast::flat_buffer& buffer,
                                bool& reusable) {
    const auto& state = worker.state;
    const auto& remote = state.upstream.remote;
    http::request<http::empty_body> req{
        http::verb::get, upstream_target(remote.base_path, "/api/version").target, 11};
    req.set(http::field::host, state.upstream.host_header);
    req.set(http::field::user_agent, "ollama-proxy");
    if (!remote.api_key.empty()) req.set(http::field::authorization, "Bearer " + remote.api_key);

    // A readiness probe must answer quickly even when model loads make real requests slow.
    const auto limit = std::min(to_steady(state.config.timeouts.upstream_head),
                                to_steady(std::chrono::seconds(10)));
    beast::get_lowest_layer(stream).expires_after(limit);
    auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
    if (wec) co_return "sending the probe failed: " + wec.message();
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    auto [rec, rn] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (rec) co_return "no answer to GET /api/version: " + rec.message();
    const auto& res = parser.get();
    if (res.result() != http::status::ok)
        co_return "GET /api/version answered " + std::to_string(res.result_int());
    const std::string version = parse_version(res.body());
    if (version.empty()) co_return "GET /api/version did not answer like Ollama";
    worker.state.readiness.record_version(version);
    reusable = res.keep_alive() && buffer.size() == 0;
    co_return std::string{};
}

// Empty on success; otherwise why the remote is not ready.
awaitable<std::string> probe_remote(Worker& worker) {
    auto acquired = co_await worker.pool.acquire(co_await net::this_coro::executor);
    if (auto* failure = std::get_if<ConnectFailure>(&acquired)) co_return failure->message;
    UpstreamPtr up = std::move(std::get<UpstreamPtr>(acquired));
    bool reusable = false;
    const std::string error = co_await std::visit(
        [&](auto& stream) { return probe_on(worker, stream, up->buffer, reusable); }, up->stream);
    if (reusable) {
        worker.pool.release(std::move(up));
    } else {
        up->close();
    }
    co_return error;
}

awaitable<LocalReply> answer_ready(Worker& worker) {
    auto& state = worker.state;
    auto& readiness = state.readiness;
    const auto now = SteadyClock::now();
    std::string error;
    if (!readiness.fresh(now, to_steady(state.config.timeouts.ready_cache))) {
        error = co_await probe_remote(worker);
        if (error.empty()) {
            readiness.record_answer(SteadyClock::now());
        } else {
            readiness.record_failure(SteadyClock::now(), error);
        }
    }
    const auto snapshot = readiness.snapshot();
    json body{{"remote", state.upstream.display}};
    if (!snapshot.remote_version.empty()) body["version"] = snapshot.remote_version;
    if (!error.empty()) {
        body["status"] = "unavailable";
        body["error"] = error;
        co_return json_reply(503, body);
    }
    body["status"] = "ready";
    co_return json_reply(200, body);
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

LocalReply answer_status(Worker& worker) {
    const ProxyState& state = worker.state;
    const auto policy = state.access_policy();
    const auto readiness = state.readiness.snapshot();
    json remote{{"target", state.upstream.display}};
    if (!readiness.remote_version.empty()) remote["version"] = readiness.remote_version;
    const auto uptime =
        std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now() - state.started);
    json body{
        {"version", OLLAMA_PROXY_VERSION},
        {"listener", state.config.server.host + ":" + std::to_string(state.config.server.port)},
        {"openai_base_path", state.config.openai.base_path},
        {"remote", std::move(remote)},
        {"uptime_seconds", uptime.count()},
        {"requests_total", state.requests.load(std::memory_order_relaxed)},
        {"active_exchanges", state.active_exchanges.load(std::memory_order_relaxed)},
        {"auth", {{"enabled", policy->enabled}, {"keys", keys_json(*policy)}}}};
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
    reply.status = 200;
    reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
    reply.body = state.metrics.render(context);
    return reply;
}

LocalReply answer_admin(Worker& worker, std::string_view path) {
    if (path == "/_proxy/status") return answer_status(worker);
    if (path == "/metrics") return answer_metrics(worker.state);
    return error_reply(Dialect::ollama, 404,
                       "no such admin endpoint: " + std::string(path.substr(0, 128)));
}

}  // namespace

bool is_own_endpoint(std::string_view path) {
    return path == health_path || path == ready_path;
}

awaitable<LocalReply> answer_own_endpoint(Worker& worker, std::string_view path,
                                          std::string_view method) {
    if (method != "GET" && method != "HEAD") {
        LocalReply reply = error_reply(Dialect::ollama, 405, "method not allowed");
        reply.headers.emplace_back("Allow", "GET, HEAD");
        co_return reply;
    }
    if (path == health_path) co_return json_reply(200, {{"status", "ok"}});
    if (path == ready_path) co_return co_await answer_ready(worker);
    co_return answer_admin(worker, path);
}

}  // namespace ollama_proxy
