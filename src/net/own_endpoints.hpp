// The endpoints the proxy answers itself: GET /health (the daemon is serving) and GET /ready (the
// remote answers, judged from recent traffic or, when that is stale, from a fresh probe).
#pragma once

#include "net/asio.hpp"
#include "net/local_reply.hpp"

#include <string_view>

namespace ollama_proxy {

struct Worker;

bool is_own_endpoint(std::string_view path);
awaitable<LocalReply> answer_own_endpoint(Worker& worker, std::string_view path,
                                          std::string_view method);

}  // namespace ollama_proxy
