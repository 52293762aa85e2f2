// The admin surface behind the gate (loopback callers, or the admin key): /metrics for
// Prometheus, and under /_proxy the status page with the JSON endpoints it drives (so can
// scripts): the daemon's live status, the last log lines, and the operator's actions: reload the
// configuration, re-check the remote, switch to another remote.
#pragma once

#include "net/asio.hpp"
#include "net/local_reply.hpp"

#include <string>
#include <string_view>

namespace ollama_proxy {

struct Worker;

struct AdminRequest {
    std::string_view method;
    std::string_view path;   // without the query
    std::string_view query;  // after '?', or empty
    std::string_view content_type;
    const std::string& body;
    const std::string& peer;  // for the log: who asked for a change
};

// Largest body an admin request may have; its JSON is a few members.
inline constexpr std::size_t admin_body_limit = 64 * 1024;

awaitable<LocalReply> answer_admin(Worker& worker, const AdminRequest& request);

}  // namespace ollama_proxy
