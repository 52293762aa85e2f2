// The gate in front of every route but /health and /ready: CORS (preflights answered here,
// pages of other origins refused), the admin surface (loopback, or the admin key), then the
// client key and its quotas. What it lets through carries an Admission, which the exchange
// keeps to its end: the headers every response of it must show, and the key's place in its
// quotas.
#pragma once

#include "net/local_reply.hpp"
#include "ollama_proxy/auth/access_policy.hpp"
#include "ollama_proxy/usage_scanner.hpp"
#include "ops/access_log.hpp"

#include <boost/beast/http/message.hpp>

#include <memory>
#include <optional>
#include <string_view>

namespace ollama_proxy {

struct ProxyState;

class Admission {
  public:
    Admission() = default;
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;
    ~Admission() { finish(); }

    std::shared_ptr<const auth::AccessPolicy> policy;
    cors::HeaderList headers;   // rate limits and CORS, for every response of the exchange
    bool cross_origin = false;  // the request came from a page the proxy allowed

    // Counts the tokens of the successful native replies relayed: for metrics always, and for
    // the key's quota when it has a token limit.
    UsageScanner& usage() { return usage_; }
    const UsageScanner& usage() const { return usage_; }

    // Holds a place in the key's quotas until finish() (or destruction).
    void hold(std::shared_ptr<auth::KeyQuota> quota, bool counts_tokens);
    // Gives the place back and books the tokens counted; idempotent.
    void finish();

  private:
    std::shared_ptr<auth::KeyQuota> quota_;
    bool counts_tokens_ = false;
    UsageScanner usage_;
};

struct GateRequest {
    const beast::http::request_header<>& head;
    std::string_view path;
    Dialect dialect;
    bool loopback_peer;
};

// The reply that ends the exchange here (a preflight's answer, 403, 401 or 429), or nothing
// when the request goes on; `record` learns the key's name and the outcome.
std::optional<LocalReply> pass_gate(const ProxyState& state, const GateRequest& request,
                                    Admission& admission, AccessRecord& record);

// /metrics and everything under /_proxy: the admin surface.
bool is_admin_path(std::string_view path);

}  // namespace ollama_proxy
