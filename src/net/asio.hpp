// The aliases every transport file uses. Only src/net and src/relay include this header: Beast and
// Asio templates stay out of the pure modules (configuration, parsers, translators).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace ollama_proxy {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

template <class T>
using awaitable = net::awaitable<T>;

// GCC 12 miscompiles an await that sits inside a condition, a short-circuited operator or `?:`
// (a wrong resume point: SIGILL, or worse). Await into a variable first, then test it.

// Every I/O result is a value: EOF, resets and timeouts are ordinary events in a proxy.
inline constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

using SteadyClock = std::chrono::steady_clock;

template <class Rep, class Period>
SteadyClock::duration to_steady(std::chrono::duration<Rep, Period> d) {
    return std::chrono::duration_cast<SteadyClock::duration>(d);
}

}  // namespace ollama_proxy
