#include "ollama_proxy/daemon.hpp"

#include "net/listener.hpp"
#include "net/reconfigure.hpp"
#include "net/worker.hpp"
#include "ops/service_notify.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <random>
#include <thread>

namespace ollama_proxy {

std::string ProxyState::next_request_id() {
    const auto n = requests.fetch_add(1, std::memory_order_relaxed) + 1;
    return fmt::format("{:08x}{:012x}", id_prefix, n & 0xffffffffffffULL);
}

namespace {

using Workers = std::vector<std::unique_ptr<Worker>>;

std::optional<tcp::acceptor> open_listener(net::io_context& ioc, const ServerConfig& server) {
    error_code ec;
    tcp::resolver resolver(ioc);
    const auto endpoints =
        resolver.resolve(server.host, std::to_string(server.port), tcp::resolver::passive, ec);
    if (ec || endpoints.empty()) {
        spdlog::critical("cannot listen on {}:{}: {}", server.host, server.port,
                         ec ? ec.message() : "no such address");
        return std::nullopt;
    }
    tcp::acceptor acceptor(ioc);
    const tcp::endpoint endpoint = *endpoints.begin();
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        spdlog::critical("cannot listen on {}:{}: {}", server.host, server.port, ec.message());
        return std::nullopt;
    }
    return acceptor;
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
    const auto address = endpoint.address();
    return address.is_v6() ? fmt::format("[{}]:{}", address.to_string(), endpoint.port())
                           : fmt::format("{}:{}", address.to_string(), endpoint.port());
}

// Graceful stop: no new connections, idle keep-alive connections closed now, in-flight requests
// given until the drain deadline, then every worker stops.
class Drainer {
  public:
    Drainer(ProxyState& state, Workers& workers, tcp::acceptor& acceptor)
        : state_(state), workers_(workers), acceptor_(acceptor), timer_(workers[0]->ioc) {}

    void begin() {
        if (state_.draining.exchange(true)) {
            spdlog::warn("second stop signal: stopping now");
            stop_all();
            return;
        }
        spdlog::info(
            "stopping: no new connections; draining {} in-flight request(s) for up to {} s",
            state_.active_exchanges.load(), state_.config.timeouts.drain.count());
        notify_service_manager("STOPPING=1\nSTATUS=draining in-flight requests");
        error_code ignored;
        acceptor_.close(ignored);
        for (auto& worker : workers_) {
            net::post(worker->ioc, [w = worker.get()] {
                for (auto* client : w->idle_clients)
                    client->cancel();
            });
        }
        deadline_ = SteadyClock::now() + to_steady(state_.config.timeouts.drain);
        poll();
    }

  private:
    void poll() {
        const int active = state_.active_exchanges.load();
        if (active == 0 || SteadyClock::now() >= deadline_) {
            if (active > 0) spdlog::warn("drain timeout: cutting {} request(s)", active);
            spdlog::info("stopped");
            stop_all();
            return;
        }
        timer_.expires_after(std::chrono::milliseconds(20));
        timer_.async_wait([this](error_code ec) {
            if (!ec) poll();
        });
    }

    void stop_all() {
        for (auto& worker : workers_)
            worker->ioc.stop();
    }

    ProxyState& state_;
    Workers& workers_;
    tcp::acceptor& acceptor_;
    net::steady_timer timer_;
    SteadyClock::time_point deadline_{};
};

void watch_signals(net::signal_set& signals, Drainer& drainer, ProxyState& state) {
    signals.async_wait([&signals, &drainer, &state](error_code ec, int signal) {
        if (ec) return;
        if (signal == SIGHUP) {
            reload_configuration(state);
        } else {
            drainer.begin();
        }
        watch_signals(signals, drainer, state);
    });
}

void log_start(const ProxyState& state, const tcp::endpoint& local) {
    spdlog::info("ollama-proxy {} listening on http://{} ({} thread(s)), forwarding to {}",
                 OLLAMA_PROXY_VERSION, endpoint_text(local), state.config.server.threads,
                 state.remote()->display);
    if (state.remote()->remote.protocol == "https" && state.remote()->remote.insecure)
        spdlog::warn(
            "!!! TLS certificate verification of the remote is DISABLED "
            "(--remote-insecure): anyone on the network path can read and alter "
            "traffic, including the API key");
}

}  // namespace

int run_daemon(const Config& config, ConfigSource reload_source) {
    std::signal(SIGPIPE, SIG_IGN);
    std::unique_ptr<ProxyState> state;
    try {
        state = std::make_unique<ProxyState>(config);
    } catch (const std::exception& e) {  // e.g. an unreadable CA file
        spdlog::critical("cannot set up TLS for the remote: {}", e.what());
        return 1;
    }
    state->id_prefix = std::random_device{}();
    state->config_source = std::move(reload_source);

    Workers workers;
    for (unsigned i = 0; i < std::max(1u, config.server.threads); ++i)
        workers.push_back(std::make_unique<Worker>(*state));
    auto acceptor = open_listener(workers[0]->ioc, config.server);
    if (!acceptor) return 1;
    state->listening = endpoint_text(acceptor->local_endpoint());
    state->listening_port = acceptor->local_endpoint().port();
    log_start(*state, acceptor->local_endpoint());

    // Each pool belongs to its worker's thread, so each worker drops its own idle connections.
    state->remote_switched = [&workers] {
        for (auto& worker : workers) {
            net::post(worker->ioc,
                      [w = worker.get()] { w->pool.drop_idle_except(w->state.remote()); });
        }
    };
    net::signal_set signals(workers[0]->ioc, SIGINT, SIGTERM, SIGHUP);
    Drainer drainer(*state, workers, *acceptor);
    watch_signals(signals, drainer, *state);
    net::co_spawn(workers[0]->ioc, accept_connections(*acceptor, workers), net::detached);
    // The socket listens already: connections made from now on wait in its backlog for the
    // accept loop, so a unit ordered after this one can start using the proxy right away.
    notify_service_manager(fmt::format("READY=1\nSTATUS=listening on http://{}",
                                       endpoint_text(acceptor->local_endpoint())));

    std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
    for (auto& worker : workers)
        guards.push_back(net::make_work_guard(worker->ioc));
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < workers.size(); ++i)
        threads.emplace_back([&ioc = workers[i]->ioc] { ioc.run(); });
    workers[0]->ioc.run();
    for (auto& worker : workers)
        worker->ioc.stop();
    for (auto& thread : threads)
        thread.join();
    return 0;
}

}  // namespace ollama_proxy
