// The state of a running daemon. `ProxyState` is shared by every thread (immutable configuration,
// snapshots swapped whole through atomics, and the Responses store, which locks inside); each
// `Worker` is one thread with its own io_context, connection pool and list of idle client
// connections, so that a connection and everything it touches stay on one thread.
#pragma once

#include "net/asio.hpp"
#include "net/upstream.hpp"
#include "ollama_proxy/auth/access_policy.hpp"
#include "ollama_proxy/config.hpp"
#include "ollama_proxy/daemon.hpp"
#include "ollama_proxy/metrics.hpp"
#include "ollama_proxy/openai/response_store.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

namespace ollama_proxy {

struct ProxyState {
    explicit ProxyState(Config c)
        : config(std::move(c)),
          upstream(std::make_shared<const UpstreamTarget>(make_upstream_target(config.remote))),
          access(std::make_shared<const auth::AccessPolicy>(config, nullptr)),
          responses(config.responses.store_size,
                    std::chrono::seconds(config.responses.store_ttl_seconds)),
          metrics(config.openai.base_path) {}

    const Config config;  // as started; a reload replaces the access policy and the remote
    // The remote: swapped whole by a reload or the status page, read once per exchange.
    std::atomic<TargetPtr> upstream;
    // Keys, quotas and origins: swapped whole by a reload, read once per request.
    std::atomic<std::shared_ptr<const auth::AccessPolicy>> access;
    openai::ResponseStore responses;  // previous_response_id; locks inside, for every thread
    metrics::Registry metrics;        // /metrics; locks inside, for every thread
    const SteadyClock::time_point started = SteadyClock::now();
    std::string listening;             // "host:port" as bound (the config may have said port 0)
    std::uint16_t listening_port = 0;  // as bound
    ConfigSource config_source;        // reads the configuration again; empty when there is none
    std::function<void()> remote_switched;  // tells every worker, to close idle connections
    std::mutex reconfiguring;               // one reload or remote switch at a time
    std::atomic<bool> draining{false};
    std::atomic<int> active_exchanges{0};
    std::atomic<std::uint64_t> requests{0};
    std::uint32_t id_prefix = 0;  // random per process, so request ids differ across restarts

    std::string next_request_id();
    std::shared_ptr<const auth::AccessPolicy> access_policy() const {
        return access.load(std::memory_order_acquire);
    }
    TargetPtr remote() const { return upstream.load(std::memory_order_acquire); }
};

struct Worker {
    explicit Worker(ProxyState& s) : state(s), pool(s.config.timeouts) {}

    ProxyState& state;
    net::io_context ioc{1};
    UpstreamPool pool;
    // Client connections waiting for their next request; closed at once when draining starts.
    std::unordered_set<beast::tcp_stream*> idle_clients;
};

}  // namespace ollama_proxy
