#include "net/listener.hpp"

#include "net/session.hpp"
#include "net/worker.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <spdlog/spdlog.h>

namespace ollama_proxy {
namespace {

void log_session_failure(std::exception_ptr failure) {
    if (!failure) return;
    try {
        std::rethrow_exception(failure);
    } catch (const std::exception& e) {
        spdlog::error("connection ended by an internal error: {}", e.what());
    }
}

}  // namespace

awaitable<void> accept_connections(tcp::acceptor& acceptor,
                                   std::vector<std::unique_ptr<Worker>>& workers) {
    std::size_t next = 0;
    net::steady_timer backoff(co_await net::this_coro::executor);
    while (acceptor.is_open()) {
        Worker& worker = *workers[next++ % workers.size()];
        auto [ec, socket] = co_await acceptor.async_accept(worker.ioc, use_tuple);
        if (ec == net::error::operation_aborted || !acceptor.is_open()) break;
        if (ec) {
            // Out of descriptors and similar: keep the daemon alive and try again shortly,
            // instead of spinning on the error or giving up accepting for good.
            spdlog::warn("accept failed: {}; retrying", ec.message());
            backoff.expires_after(std::chrono::milliseconds(100));
            co_await backoff.async_wait(use_tuple);
            continue;
        }
        error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        net::co_spawn(worker.ioc, run_session(worker, std::move(socket)), log_session_failure);
    }
}

}  // namespace ollama_proxy
