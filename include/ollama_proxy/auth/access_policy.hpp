// Who may use the proxy, as one immutable snapshot: the client keys and their quotas, the admin
// key and the allowed origins. A reload builds a new snapshot and swaps it in; requests keep the
// snapshot they started with. Quota counters belong to keys, not to snapshots, so a key that
// survives a reload keeps what it has used.
#pragma once

#include "ollama_proxy/auth/key_quota.hpp"
#include "ollama_proxy/auth/key_store.hpp"
#include "ollama_proxy/config.hpp"
#include "ollama_proxy/cors/origin_policy.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ollama_proxy::auth {

struct AccessPolicy {
    AccessPolicy(const Config& config, const AccessPolicy* previous);

    bool enabled;
    std::string header;  // where clients put their key (Authorization: Bearer works too)
    KeyStore keys;       // the config's tokens, then the tokens file's
    std::vector<std::shared_ptr<KeyQuota>> quotas;  // one per key, same order
    std::optional<KeyDigest> admin;
    cors::OriginPolicy origins;

    bool is_admin_key(std::string_view presented) const;
};

// Config tokens and tokens-file tokens, in that order: the order of `keys` and `quotas`.
std::vector<AuthToken> all_tokens(const AuthConfig& auth);

QuotaLimits limits_of(const AuthToken& token);

}  // namespace ollama_proxy::auth
