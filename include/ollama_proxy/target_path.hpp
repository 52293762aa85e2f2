// Request-target rules for passthrough: which targets may be forwarded, and how the remote's base
// path is put in front of them. Pure string functions so the security-relevant part is unit-tested.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ollama_proxy {

struct TargetVerdict {
    std::string target;  // the upstream request-target (base path + path + query)
    std::string error;   // non-empty when the target is refused; phrased for the client
};

// Accepts origin-form ("/api/tags?x=1") and absolute-form ("http://host/api/tags") targets.
// Refuses anything else, and any path whose dot segments, raw or percent-encoded, would climb
// above the root (and so above the remote's base path once it is prefixed).
TargetVerdict upstream_target(std::string_view base_path, std::string_view request_target);

// The path of a target without its query, for routing and for log lines.
std::string_view target_path(std::string_view target);

// True when `path` is `prefix` itself or lies below it ("/v1", "/v1/models"; not "/v10").
bool path_is_under(std::string_view path, std::string_view prefix);

}  // namespace ollama_proxy
