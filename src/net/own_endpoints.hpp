// The endpoints the proxy answers before the gate, for health checkers that hold no key:
// GET /health (the daemon is serving) and GET /ready (the remote answers, judged from recent
// traffic or, when that is stale, from a fresh probe).
#pragma once

#include "net/asio.hpp"
#include "net/local_reply.hpp"
#include "net/upstream.hpp"

#include <string_view>

namespace ollama_proxy {

struct Worker;

bool is_own_endpoint(std::string_view path);
awaitable<LocalReply> answer_own_endpoint(Worker& worker, std::string_view path,
                                          std::string_view method);

// Asks the remote for GET /api/version and records the verdict in its health; the empty string
// when it answered like Ollama, otherwise why it is not ready.
awaitable<std::string> probe_remote(Worker& worker, const TargetPtr& target);

}  // namespace ollama_proxy
