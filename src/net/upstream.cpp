#include "net/upstream.hpp"

#include "net/socket_peek.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace ollama_proxy {
namespace {

bool is_ip_literal(const std::string& host) {
    error_code ec;
    net::ip::make_address(host, ec);
    return !ec;
}

std::string describe(const error_code& ec) {
    if (ec == net::error::connection_refused) return "connection refused";
    if (ec == beast::error::timeout) return "timed out";
    return ec.message();
}

// OpenSSL's verdict is far more useful to an operator than "handshake failed".
std::string describe_tls_failure(TlsStream& tls, const error_code& ec) {
    const long verdict = SSL_get_verify_result(tls.native_handle());
    if (verdict != X509_V_OK)
        return std::string("certificate verification failed: ") +
               X509_verify_cert_error_string(verdict);
    return describe(ec);
}

ConnectFailure failure(const UpstreamTarget& target, std::string_view step, std::string cause) {
    return {"cannot reach remote Ollama at " + target.display + ": " + std::string(step) + " " +
            cause};
}

}  // namespace

beast::tcp_stream& UpstreamConnection::lowest() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
                      stream);
}

void UpstreamConnection::close() {
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
}

std::shared_ptr<net::ssl::context> make_tls_context(const RemoteConfig& remote) {
    if (remote.protocol != "https") return nullptr;
    auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
    ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                     net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                     net::ssl::context::no_tlsv1_1);
    if (remote.insecure) {
        ctx->set_verify_mode(net::ssl::verify_none);
        return ctx;
    }
    ctx->set_default_verify_paths();
    if (!remote.ca_file.empty()) ctx->load_verify_file(remote.ca_file);
    ctx->set_verify_mode(net::ssl::verify_peer);
    return ctx;
}

UpstreamTarget make_upstream_target(const RemoteConfig& remote) {
    UpstreamTarget target;
    target.remote = remote;
    const bool v6 = remote.host.find(':') != std::string::npos;
    const std::string host = v6 ? "[" + remote.host + "]" : remote.host;
    const bool default_port = (remote.protocol == "https" && remote.port == 443) ||
                              (remote.protocol == "http" && remote.port == 80);
    target.host_header = default_port ? host : host + ":" + std::to_string(remote.port);
    target.display = remote_display(remote);
    target.tls = make_tls_context(remote);
    return target;
}

awaitable<std::variant<UpstreamPtr, ConnectFailure>> UpstreamPool::connect(net::any_io_executor ex,
                                                                           TargetPtr target) {
    const auto& remote = target->remote;
    tcp::resolver resolver(ex);
    auto [rec, endpoints] =
        co_await resolver.async_resolve(remote.host, std::to_string(remote.port), use_tuple);
    if (rec) co_return failure(*target, "DNS lookup of " + remote.host + " failed:", rec.message());

    beast::tcp_stream tcp_stream(ex);
    tcp_stream.expires_after(to_steady(timeouts_.connect));
    auto [cec, endpoint] = co_await tcp_stream.async_connect(endpoints, use_tuple);
    if (cec) co_return failure(*target, "connect:", describe(cec));
    tcp_stream.socket().set_option(tcp::no_delay(true));

    if (!target->tls) {
        tcp_stream.expires_never();
        auto connection = std::make_unique<UpstreamConnection>(std::move(tcp_stream));
        connection->target = std::move(target);
        co_return connection;
    }
    TlsStream tls(std::move(tcp_stream), *target->tls);
    // SNI is mandatory for hosts behind shared front ends; it is never sent for IP literals.
    if (!is_ip_literal(remote.host) &&
        !SSL_set_tlsext_host_name(tls.native_handle(), remote.host.c_str()))
        co_return failure(*target, "TLS:", "cannot set server name");
    if (!remote.insecure) tls.set_verify_callback(net::ssl::host_name_verification(remote.host));
    auto [hec] = co_await tls.async_handshake(net::ssl::stream_base::client, use_tuple);
    if (hec) co_return failure(*target, "TLS handshake:", describe_tls_failure(tls, hec));
    beast::get_lowest_layer(tls).expires_never();
    auto connection = std::make_unique<UpstreamConnection>(std::move(tls));
    connection->target = std::move(target);
    co_return connection;
}

awaitable<std::variant<UpstreamPtr, ConnectFailure>> UpstreamPool::acquire(net::any_io_executor ex,
                                                                           TargetPtr target) {
    if (auto live = take_live_idle(target)) co_return std::move(live);
    co_return co_await connect(ex, std::move(target));
}

UpstreamPtr UpstreamPool::take_live_idle(const TargetPtr& target) {
    const auto now = SteadyClock::now();
    while (!idle_.empty()) {
        UpstreamPtr candidate = std::move(idle_.back());
        idle_.pop_back();
        // Connections to a remote the operator switched away from are never used again.
        if (candidate->target != target) continue;
        if (now - candidate->idle_since > to_steady(timeouts_.pool_idle)) continue;
        // A closed or chattering idle connection shows up as EOF or readable bytes; only a
        // quiet socket is still usable. A connection released a moment ago is taken on trust:
        // remotes close idle connections after seconds, not milliseconds, and under load this
        // saves a system call per request.
        const bool just_released = now - candidate->idle_since < std::chrono::seconds(1);
        if (!just_released &&
            peek_socket(candidate->lowest().socket().native_handle()) != PeekResult::quiet)
            continue;
        candidate->reused = true;
        return candidate;
    }
    return nullptr;
}

void UpstreamPool::drop_idle_except(const TargetPtr& current) {
    std::erase_if(idle_, [&current](const UpstreamPtr& idle) { return idle->target != current; });
}

void UpstreamPool::release(UpstreamPtr connection) {
    connection->lowest().expires_never();
    connection->idle_since = SteadyClock::now();
    if (idle_.size() >= max_idle_) idle_.erase(idle_.begin());
    idle_.push_back(std::move(connection));
}

}  // namespace ollama_proxy
