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

// The version string from a /api/version body, or empty when the body is not Ollama's.
std::string parse_version(const std::string& body) {
    const json parsed = json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("version") && parsed["version"].is_string())
        return parsed["version"].get<std::string>();
    return {};
}

template <class Stream>
awaitable<std::string> probe_on(Worker& worker, const UpstreamTarget& target, Stream& stream,
                                beast::flat_buffer& buffer, bool& reusable) {
    const auto& state = worker.state;
    const auto& remote = target.remote;
    http::request<http::empty_body> req{
        http::verb::get, upstream_target(remote.base_path, "/api/version").target, 11};
    req.set(http::field::host, target.host_header);
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
    target.health->record_version(version);
    reusable = res.keep_alive() && buffer.size() == 0;
    co_return std::string{};
}

// Empty on success; otherwise why the remote is not ready.
awaitable<std::string> probe(Worker& worker, const TargetPtr& target) {
    const auto ex = co_await net::this_coro::executor;
    // Always a new connection: a pooled one the remote has since closed would report it down,
    // and a probe is rare enough that the connection costs nothing that matters.
    auto acquired = co_await worker.pool.connect(ex, target);
    if (auto* failure = std::get_if<ConnectFailure>(&acquired)) co_return failure->message;
    UpstreamPtr up = std::move(std::get<UpstreamPtr>(acquired));
    bool reusable = false;
    const std::string error = co_await std::visit(
        [&](auto& stream) { return probe_on(worker, *target, stream, up->buffer, reusable); },
        up->stream);
    if (reusable) {
        worker.pool.release(std::move(up));
    } else {
        up->close();
    }
    co_return error;
}

awaitable<LocalReply> answer_ready(Worker& worker) {
    const TargetPtr target = worker.state.remote();
    std::string error;
    if (!target->health->fresh(SteadyClock::now(),
                               to_steady(worker.state.config.timeouts.ready_cache)))
        error = co_await probe_remote(worker, target);
    const auto snapshot = target->health->snapshot();
    json body{{"remote", target->display}};
    if (!snapshot.remote_version.empty()) body["version"] = snapshot.remote_version;
    if (!error.empty()) {
        body["status"] = "unavailable";
        body["error"] = error;
        co_return json_reply(503, body);
    }
    body["status"] = "ready";
    co_return json_reply(200, body);
}

}  // namespace

awaitable<std::string> probe_remote(Worker& worker, const TargetPtr& target) {
    std::string error = co_await probe(worker, target);
    if (error.empty()) {
        target->health->record_answer(SteadyClock::now());
    } else {
        target->health->record_failure(SteadyClock::now(), error);
    }
    co_return error;
}

bool is_own_endpoint(std::string_view path) {
    return path == health_path || path == ready_path;
}

awaitable<LocalReply> answer_own_endpoint(Worker& worker, std::string_view path,
                                          std::string_view method) {
    if (method != "GET" && method != "HEAD") co_return method_not_allowed("GET, HEAD");
    if (path == health_path) co_return json_reply(200, {{"status", "ok"}});
    co_return co_await answer_ready(worker);
}

}  // namespace ollama_proxy
