// The accept loop: hands each new connection to the next worker thread, round robin.
#pragma once

#include "net/asio.hpp"

#include <memory>
#include <vector>

namespace ollama_proxy {

struct Worker;

awaitable<void> accept_connections(tcp::acceptor& acceptor,
                                   std::vector<std::unique_ptr<Worker>>& workers);

}  // namespace ollama_proxy
