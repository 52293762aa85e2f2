// The endpoints the proxy answers itself: GET /health (the daemon is serving), GET /ready (the
// remote answers, judged from recent traffic or, when that is stale, from a fresh probe), and
// the admin surface behind the gate (GET /_proxy/status: the daemon, the remote and the use
// each key has made of its quotas).
#pragma once

#include "net/asio.hpp"
#include "net/local_reply.hpp"

#include <string_view>

namespace ollama_proxy {

struct Worker;

// /health and /ready: answered before the gate, for health checkers that hold no key.
bool is_own_endpoint(std::string_view path);
// Answers those and the admin paths (see is_admin_path).
awaitable<LocalReply> answer_own_endpoint(Worker& worker, std::string_view path,
                                          std::string_view method);

}  // namespace ollama_proxy
