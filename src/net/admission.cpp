#include "net/admission.hpp"

#include "net/worker.hpp"
#include "ollama_proxy/header_rules.hpp"
#include "ollama_proxy/openai/api_error.hpp"
#include "ollama_proxy/target_path.hpp"

#include <boost/asio/ip/address_v4.hpp>
#include <boost/beast/http/field.hpp>
#include <fmt/format.h>

namespace ollama_proxy {
namespace http = beast::http;
using auth::QuotaVerdict;

namespace {

LocalReply dialect_error(Dialect dialect, unsigned status, const std::string& message,
                         const char* code) {
    LocalReply reply = error_reply(dialect, status, message);
    if (dialect == Dialect::openai && code != nullptr) {
        openai::ApiError error = openai::error_with_status(status, message);
        error.code = code;
        reply.body = error.body();
    }
    return reply;
}

// Preflights are answered here, before any key is asked for: browsers never send one with
// them. A page of an origin that is not allowed is refused outright, as Ollama does, so that a
// web page cannot drive a proxy on the user's machine.
std::optional<LocalReply> check_origin(const auth::AccessPolicy& policy, const GateRequest& request,
                                       Admission& admission, AccessRecord& record) {
    const auto& req = request.head;
    const std::string_view origin = req[http::field::origin];
    if (origin.empty()) return std::nullopt;
    const bool preflight = req.method() == http::verb::options &&
                           req.find(http::field::access_control_request_method) != req.end();
    if (!policy.origins.allows(origin, req[http::field::host])) {
        record.outcome = "origin-refused";
        return dialect_error(request.dialect, 403,
                             fmt::format("origin {} is not allowed: add it to cors.origins "
                                         "(or OLLAMA_ORIGINS)",
                                         origin),
                             nullptr);
    }
    if (preflight) {
        record.outcome = "preflight";
        LocalReply reply;
        reply.status = 204;
        reply.content_type.clear();
        reply.headers = cors::preflight_headers(origin, policy.header,
                                                req[http::field::access_control_request_headers]);
        return reply;
    }
    admission.headers = cors::response_headers(origin);
    admission.cross_origin = true;
    return std::nullopt;
}

// The name a Host header gives, without its port; IPv6 literals keep their brackets.
std::string_view host_name(std::string_view host) {
    if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
    return host.substr(0, host.rfind(':'));
}

// A browser on this machine can be made to call the proxy by any web page, and with DNS
// rebinding even as the page's own origin (a name its owner points at 127.0.0.1). Such a request
// names the attacker's host, so loopback callers reach the admin surface only when they address
// the proxy by an IP address or as localhost.
bool addressed_locally(std::string_view host) {
    std::string_view name = host_name(host);
    if (name.size() > 2 && name.front() == '[') return true;  // only an IPv6 address has brackets
    if (iequals(name, "localhost")) return true;
    if (name.size() > 10 && iequals(name.substr(name.size() - 10), ".localhost")) return true;
    error_code ec;
    net::ip::make_address_v4(std::string(name), ec);
    return !ec;
}

// An action (anything but GET and HEAD) must come from the status page itself, or from a
// client that is not a browser (which sends no Origin).
bool same_origin_or_none(const GateRequest& request) {
    const auto& req = request.head;
    if (req.method() == http::verb::get || req.method() == http::verb::head) return true;
    const std::string_view origin = req[http::field::origin];
    if (origin.empty()) return true;
    const std::string_view host = req[http::field::host];
    return origin.size() == 7 + host.size() && iequals(origin.substr(0, 7), "http://") &&
           iequals(origin.substr(7), host);
}

std::optional<LocalReply> check_admin(const auth::AccessPolicy& policy, const GateRequest& request,
                                      std::string_view presented, AccessRecord& record) {
    const bool by_key = policy.is_admin_key(presented);
    if (!same_origin_or_none(request)) {
        record.outcome = "admin-refused";
        return error_reply(Dialect::ollama, 403,
                           "admin actions are accepted from the proxy's own status page only");
    }
    if (by_key) return std::nullopt;
    if (request.loopback_peer) {
        if (addressed_locally(request.head[http::field::host])) return std::nullopt;
        record.outcome = "admin-refused";
        return error_reply(Dialect::ollama, 403,
                           "the proxy's admin endpoints answer requests addressed to it by IP "
                           "address or as localhost only");
    }
    record.outcome = "admin-refused";
    if (!policy.admin) {
        return error_reply(Dialect::ollama, 403,
                           "the proxy's admin endpoints answer loopback callers only; set "
                           "auth.adminKey to reach them from elsewhere");
    }
    LocalReply reply =
        error_reply(Dialect::ollama, 401,
                    presented.empty() ? "admin key required" : "incorrect admin key provided");
    reply.headers.emplace_back("WWW-Authenticate", "Bearer");
    return reply;
}

LocalReply unauthorized(const auth::AccessPolicy& policy, Dialect dialect,
                        std::string_view presented, AccessRecord& record) {
    record.outcome = "unauthorized";
    const std::string message = presented.empty()
                                    ? "No API key provided: send it in the " + policy.header +
                                          " header or as Authorization: Bearer <key>."
                                    : std::string("Incorrect API key provided.");
    LocalReply reply =
        dialect_error(dialect, 401, message, presented.empty() ? nullptr : "invalid_api_key");
    reply.headers.emplace_back("WWW-Authenticate", "Bearer");
    return reply;
}

std::string refusal_message(const QuotaVerdict& verdict, const std::string& name,
                            std::uint64_t seconds) {
    const auth::QuotaLimits& limits = verdict.limits;
    switch (verdict.refusal) {
        case QuotaVerdict::Refusal::requests:
            return fmt::format(
                "Rate limit reached for key {}: {} requests per minute. Try again in {}s.", name,
                limits.requests_per_minute.value_or(0), seconds);
        case QuotaVerdict::Refusal::tokens:
            return fmt::format(
                "Rate limit reached for key {}: {} tokens per minute. Try again in {}s.", name,
                limits.tokens_per_minute.value_or(0), seconds);
        default:
            return fmt::format(
                "Too many requests in flight for key {}: at most {} at once. Try again in {}s.",
                name, limits.max_concurrent.value_or(0), seconds);
    }
}

metrics::QuotaLimit refused_by(QuotaVerdict::Refusal refusal) {
    switch (refusal) {
        case QuotaVerdict::Refusal::requests:
            return metrics::QuotaLimit::requests;
        case QuotaVerdict::Refusal::tokens:
            return metrics::QuotaLimit::tokens;
        case QuotaVerdict::Refusal::concurrency:
            return metrics::QuotaLimit::concurrency;
        case QuotaVerdict::Refusal::none:
            break;
    }
    return metrics::QuotaLimit::none;
}

LocalReply too_many(const QuotaVerdict& verdict, const std::string& name, Dialect dialect,
                    AccessRecord& record) {
    record.outcome = "rate-limited";
    record.quota_refusal = refused_by(verdict.refusal);
    const std::uint64_t seconds = auth::retry_after_seconds(verdict.retry_after);
    LocalReply reply =
        dialect_error(dialect, 429, refusal_message(verdict, name, seconds), "rate_limit_exceeded");
    // Retry-After in whole seconds, rounded up, for everyone; the exact wait for clients that
    // read OpenAI's retry-after-ms (the official SDKs do).
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(verdict.retry_after);
    reply.headers.emplace_back("Retry-After", std::to_string(seconds));
    reply.headers.emplace_back("retry-after-ms",
                               std::to_string(std::max<long long>(1, ms.count())));
    return reply;
}

}  // namespace

void Admission::hold(std::shared_ptr<auth::KeyQuota> quota, bool counts_tokens) {
    quota_ = std::move(quota);
    counts_tokens_ = counts_tokens;
}

void Admission::finish() {
    if (!quota_) return;
    if (counts_tokens_) quota_->add_tokens(auth::KeyQuota::Clock::now(), usage_.tokens());
    quota_->release();
    quota_.reset();
}

bool is_admin_path(std::string_view path) {
    return path == "/metrics" || path_is_under(path, "/_proxy");
}

std::optional<LocalReply> pass_gate(const ProxyState& state, const GateRequest& request,
                                    Admission& admission, AccessRecord& record) {
    admission.policy = state.access_policy();
    const auth::AccessPolicy& policy = *admission.policy;
    if (auto refusal = check_origin(policy, request, admission, record)) return refusal;
    const auto& req = request.head;
    const std::string_view presented =
        auth::presented_key(req[policy.header], req[http::field::authorization]);
    if (is_admin_path(request.path)) return check_admin(policy, request, presented, record);
    if (!policy.enabled) return std::nullopt;
    const auto index = policy.keys.match(presented);
    if (!index) return unauthorized(policy, request.dialect, presented, record);
    record.key = policy.keys.name(*index);
    const auto& quota = policy.quotas[*index];
    const QuotaVerdict verdict = quota->admit(auth::KeyQuota::Clock::now());
    for (auto& header : auth::rate_limit_headers(verdict.status))
        admission.headers.push_back(std::move(header));
    if (verdict.refusal != QuotaVerdict::Refusal::none)
        return too_many(verdict, record.key, request.dialect, record);
    admission.hold(quota, verdict.limits.tokens_per_minute.has_value());
    return std::nullopt;
}

}  // namespace ollama_proxy
