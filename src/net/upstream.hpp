// Connections to the remote Ollama: connecting (DNS, TCP, TLS with verification and SNI), and a
// small per-worker pool of idle keep-alive connections. Each worker thread owns its own pool, so
// no locking is needed and a connection never changes executor.
#pragma once

#include "net/asio.hpp"
#include "ollama_proxy/config.hpp"
#include "ops/readiness.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace ollama_proxy {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// The remote as the transport needs it. Immutable once made; switching remotes at run time makes
// a new one, and an exchange keeps the one it started with to its end.
struct UpstreamTarget {
    RemoteConfig remote;
    std::string host_header;                 // "host[:port]" as the remote expects it in Host
    std::string display;                     // "http://host:port/base" for messages
    std::shared_ptr<net::ssl::context> tls;  // null for http remotes
    // What exchanges with this remote have shown of its health; a new remote starts unknown.
    std::shared_ptr<Readiness> health = std::make_shared<Readiness>();
};

using TargetPtr = std::shared_ptr<const UpstreamTarget>;

struct UpstreamConnection {
    template <class Stream>
    explicit UpstreamConnection(Stream&& s)
        : stream(std::in_place_type<std::decay_t<Stream>>, std::forward<Stream>(s)) {
        buffer.reserve(64 * 1024);  // socket reads are sized by the buffer's free capacity
    }

    std::variant<beast::tcp_stream, TlsStream> stream;
    // Holds bytes read past the end of the current message; bounded so that an endless chunk
    // header from a broken remote cannot grow it without limit.
    beast::flat_buffer buffer{1 << 20};
    bool reused = false;  // came out of the pool (so a failure may be a stale connection)
    TargetPtr target;     // the remote it is connected to
    SteadyClock::time_point idle_since{};

    beast::tcp_stream& lowest();
    void close();
};

using UpstreamPtr = std::unique_ptr<UpstreamConnection>;

std::shared_ptr<net::ssl::context> make_tls_context(const RemoteConfig& remote);
UpstreamTarget make_upstream_target(const RemoteConfig& remote);

// Why no connection could be made, phrased for the client and the log.
struct ConnectFailure {
    std::string message;
};

class UpstreamPool {
  public:
    explicit UpstreamPool(const TimeoutConfig& timeouts, std::size_t max_idle = 64)
        : timeouts_(timeouts), max_idle_(max_idle) {}

    // A live pooled connection to `target` if there is one, else a new one. Idle connections to
    // a remote no longer in use are closed on the way.
    awaitable<std::variant<UpstreamPtr, ConnectFailure>> acquire(net::any_io_executor ex,
                                                                 TargetPtr target);
    // A fresh connection, never from the pool (used to retry after a stale pooled one).
    awaitable<std::variant<UpstreamPtr, ConnectFailure>> connect(net::any_io_executor ex,
                                                                 TargetPtr target);
    // Only for connections whose last exchange ended cleanly at a message boundary.
    void release(UpstreamPtr connection);
    void clear() { idle_.clear(); }
    // Closes the idle connections to any remote but `current` (after a switch of remotes).
    void drop_idle_except(const TargetPtr& current);
    std::size_t idle_count() const { return idle_.size(); }

  private:
    UpstreamPtr take_live_idle(const TargetPtr& target);

    const TimeoutConfig& timeouts_;
    std::size_t max_idle_;
    std::vector<UpstreamPtr> idle_;  // LIFO: the most recently used is the most likely alive
};

}  // namespace ollama_proxy
