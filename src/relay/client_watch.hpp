// Watching a client while the remote works: a hang-up must abort the upstream request at once,
// not when the next byte is written (a cold model load can keep a request silent for minutes).
#pragma once

#include "net/asio.hpp"

namespace ollama_proxy {

// Completes when the client hangs up (EOF, reset). Bytes of a pipelined next request are kept
// in `buffer`; after them the watch parks until cancelled, since nothing more can be learnt.
// Meant to be raced against the exchange with `||`.
awaitable<void> watch_for_hangup(beast::tcp_stream& client, beast::flat_buffer& buffer);

}  // namespace ollama_proxy
