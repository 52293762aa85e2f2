#include "relay/client_watch.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>

namespace ollama_proxy {

awaitable<void> watch_for_hangup(beast::tcp_stream& client, beast::flat_buffer& buffer) {
    const std::size_t room = buffer.max_size() - buffer.size();
    if (room > 0) {
        auto [ec, n] = co_await client.socket().async_read_some(
            buffer.prepare(std::min<std::size_t>(room, 4096)), use_tuple);
        if (ec) co_return;
        buffer.commit(n);
    }
    net::steady_timer forever(co_await net::this_coro::executor, SteadyClock::time_point::max());
    co_await forever.async_wait(use_tuple);
}

}  // namespace ollama_proxy
