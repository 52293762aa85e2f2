// The access policy a reload swaps in: keys that remain keep the quota they used, whichever way
// the config spells them; new keys start afresh; the admin key is its own.
#include "ollama_proxy/auth/access_policy.hpp"

#include <gtest/gtest.h>

namespace ollama_proxy::auth {
namespace {

using namespace std::chrono_literals;

// SHA-256 of "sk-hashed-42".
constexpr const char* kHashedSpelling =
    "sha256:8868d53fe2d57e38dc0d413b3bf3392aaf9878c74ff7b0dd4fef6c8d0c2ffb02";

AuthToken token(std::string key, std::optional<unsigned> per_minute = {}) {
    AuthToken token;
    token.key = std::move(key);
    token.limit_per_minute = per_minute;
    return token;
}

Config config_with(std::vector<AuthToken> tokens, std::vector<AuthToken> file_tokens = {}) {
    Config config;
    config.auth.enabled = true;
    config.auth.tokens = std::move(tokens);
    config.auth.file_tokens = std::move(file_tokens);
    return config;
}

TEST(AccessPolicy, AReloadKeepsTheCountersOfKeysThatRemain) {
    const auto now = KeyQuota::Clock::now();
    const AccessPolicy first(config_with({token("sk-hashed-42", 3), token("gone")}), nullptr);
    first.quotas[0]->admit(now);
    first.quotas[0]->admit(now);
    // The same key, now spelled as its digest and moved to the tokens file, with a new limit.
    const AccessPolicy second(config_with({token("new")}, {token(kHashedSpelling, 4)}), &first);
    ASSERT_EQ(second.keys.size(), 2u);
    EXPECT_EQ(second.keys.match("sk-hashed-42"), 1u);
    EXPECT_EQ(second.quotas[1], first.quotas[0]);
    EXPECT_EQ(second.quotas[1]->status(now).requests->remaining, 2u);
    EXPECT_NE(second.quotas[0], first.quotas[1]);
    EXPECT_FALSE(second.keys.match("gone"));
}

TEST(AccessPolicy, TheAdminKeyOpensOnlyTheAdminSurface) {
    Config config = config_with({token("client")});
    config.auth.admin_key = kHashedSpelling;
    const AccessPolicy policy(config, nullptr);
    EXPECT_TRUE(policy.is_admin_key("sk-hashed-42"));
    EXPECT_FALSE(policy.is_admin_key(kHashedSpelling));  // the digest itself is no key
    EXPECT_FALSE(policy.is_admin_key("client"));
    EXPECT_FALSE(policy.is_admin_key(""));
    EXPECT_FALSE(policy.keys.match("sk-hashed-42"));
    EXPECT_FALSE(AccessPolicy(config_with({}), nullptr).is_admin_key("anything"));
}

}  // namespace
}  // namespace ollama_proxy::auth
