// The proxy's API keys: plaintext and sha256-spelled keys both match, nothing else does, and the
// name a key is known by never contains the key.
#include "ollama_proxy/auth/key_store.hpp"

#include <gtest/gtest.h>

namespace ollama_proxy::auth {
namespace {

// SHA-256 of "secret-two" (printf %s secret-two | sha256sum).
AuthToken token(std::string key, std::string name = {}) {
    AuthToken token;
    token.key = std::move(key);
    token.name = std::move(name);
    return token;
}

constexpr const char* kDigestOfSecretTwo =
    "sha256:cebdf378f2d2bd60d3e3693349e8f20f329daf11a276f849996f0a6377e2155b";

TEST(KeyStore, PlainKeysMatchByValueAndAreKnownByName) {
    const KeyStore store({token("secret-one", "alice"), token("other")});
    EXPECT_EQ(store.find("secret-one"), "alice");
    EXPECT_FALSE(store.find("secret-on"));
    EXPECT_FALSE(store.find("secret-one "));
    EXPECT_FALSE(store.find(""));
    // Without a name, a key is known by a short prefix of its digest, never by itself.
    const auto unnamed = store.find("other");
    ASSERT_TRUE(unnamed);
    EXPECT_EQ(unnamed->rfind("key-", 0), 0u);
    EXPECT_EQ(unnamed->size(), 12u);
    EXPECT_EQ(unnamed->find("other"), std::string::npos);
}

TEST(KeyStore, DigestSpelledKeysMatchTheKeyTheyHash) {
    std::string digest = kDigestOfSecretTwo;
    EXPECT_EQ(KeyStore({token(digest, "bob")}).find("secret-two"), "bob");
    // The spelled digest itself is not a key, and neither is a near miss.
    EXPECT_FALSE(KeyStore({token(digest, "bob")}).find(digest));
    EXPECT_FALSE(KeyStore({token(digest, "bob")}).find("secret-twO"));
    // Upper-case hex spells the same digest.
    for (std::size_t i = 7; i < digest.size(); ++i) {
        if (digest[i] >= 'a' && digest[i] <= 'f') digest[i] = static_cast<char>(digest[i] - 32);
    }
    EXPECT_EQ(KeyStore({token(digest, "bob")}).find("secret-two"), "bob");
}

TEST(KeyStore, DigestSpelling) {
    EXPECT_TRUE(is_digest_spelling("sha256:" + std::string(64, 'a')));
    EXPECT_FALSE(is_digest_spelling("sha256:" + std::string(63, 'a')));
    EXPECT_FALSE(is_digest_spelling("sha256:" + std::string(64, 'g')));
    EXPECT_FALSE(is_digest_spelling(std::string(64, 'a')));
}

TEST(PresentedKey, TheConfiguredHeaderFirstThenBearer) {
    EXPECT_EQ(presented_key("k1", "Bearer k2"), "k1");
    EXPECT_EQ(presented_key("", "Bearer k2"), "k2");
    EXPECT_EQ(presented_key("", "bearer   k2 "), "k2");
    EXPECT_EQ(presented_key("  ", "BEARER k2"), "k2");
    EXPECT_EQ(presented_key("", "Basic dXNlcjpwYXNz"), "");
    EXPECT_EQ(presented_key("", "Bearer"), "");
    EXPECT_EQ(presented_key("", "Bearer "), "");
    EXPECT_EQ(presented_key("", ""), "");
}

}  // namespace
}  // namespace ollama_proxy::auth
