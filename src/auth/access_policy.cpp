#include "ollama_proxy/auth/access_policy.hpp"

namespace ollama_proxy::auth {

std::vector<AuthToken> all_tokens(const AuthConfig& auth) {
    std::vector<AuthToken> tokens = auth.tokens;
    tokens.insert(tokens.end(), auth.file_tokens.begin(), auth.file_tokens.end());
    return tokens;
}

QuotaLimits limits_of(const AuthToken& token) {
    QuotaLimits limits;
    if (token.limit_per_minute) limits.requests_per_minute = *token.limit_per_minute;
    limits.tokens_per_minute = token.limit_tokens_per_minute;
    limits.max_concurrent = token.max_concurrent;
    return limits;
}

AccessPolicy::AccessPolicy(const Config& config, const AccessPolicy* previous)
    : enabled(config.auth.enabled),
      header(config.auth.header),
      keys(all_tokens(config.auth)),
      origins(config.cors.origins) {
    const std::vector<AuthToken> tokens = all_tokens(config.auth);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        std::shared_ptr<KeyQuota> quota;
        for (std::size_t j = 0; previous != nullptr && j < previous->keys.size(); ++j) {
            if (same_digest(previous->keys.digest(j), keys.digest(i))) quota = previous->quotas[j];
        }
        if (quota) {
            quota->set_limits(limits_of(tokens[i]));
        } else {
            quota = std::make_shared<KeyQuota>(limits_of(tokens[i]));
        }
        quotas.push_back(std::move(quota));
    }
    if (!config.auth.admin_key.empty()) admin = key_digest(config.auth.admin_key);
}

bool AccessPolicy::is_admin_key(std::string_view presented) const {
    if (!admin || presented.empty()) return false;
    return same_digest(presented_digest(presented), *admin);
}

}  // namespace ollama_proxy::auth
