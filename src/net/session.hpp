// One client connection: waits for a request, reads its head, routes it (own endpoint or
// passthrough), and loops while the connection is kept alive.
#pragma once

#include "net/asio.hpp"

namespace ollama_proxy {

struct Worker;

awaitable<void> run_session(Worker& worker, tcp::socket socket);

}  // namespace ollama_proxy
