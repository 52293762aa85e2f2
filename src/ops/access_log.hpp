// One line per request, written when the exchange ends. Holds no header values and no query
// strings, so no credential can reach the log through it.
#pragma once

#include "ollama_proxy/metrics.hpp"
#include "ollama_proxy/payload_snippet.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace ollama_proxy {

struct AccessRecord {
    std::string request_id;
    std::string peer;
    std::string method;
    std::string path;   // without the query string
    std::string model;  // the model the request names (top-level "model"); empty when none
    std::string key;    // the name of the client's API key (never the key); empty without auth
    unsigned status = 0;
    std::uint64_t bytes_in = 0;   // request body bytes relayed
    std::uint64_t bytes_out = 0;  // response body bytes relayed
    std::chrono::steady_clock::time_point started;
    std::optional<std::chrono::steady_clock::duration> upstream_ttfb;
    // When the first response body bytes came from the remote (a stream's first line).
    std::optional<std::chrono::steady_clock::time_point> first_body_at;
    std::uint64_t prompt_tokens = 0;  // as the remote's successful replies reported them
    std::uint64_t completion_tokens = 0;
    metrics::QuotaLimit quota_refusal = metrics::QuotaLimit::none;  // the quota that said 429
    std::string outcome = "ok";  // ok, client-gone, upstream-cut, timeout, refused, ...
    // With --log-payloads: the start of each body, logged after the access line.
    bool log_payloads = false;
    PayloadSnippet request_body;
    PayloadSnippet response_body;
};

void write_access_log(const AccessRecord& record);

}  // namespace ollama_proxy
