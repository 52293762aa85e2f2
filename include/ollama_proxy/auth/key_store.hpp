// The proxy's own API keys: which configured key a request presents, if any. Keys are held only
// as SHA-256 digests (a config may give them as "sha256:<hex>" so it holds no plaintext), and a
// lookup compares against every key in constant time, so timing tells nothing about a key.
#pragma once

#include "ollama_proxy/config.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ollama_proxy::auth {

using KeyDigest = std::array<unsigned char, 32>;

// The SHA-256 of a plaintext key, or the digest a "sha256:<hex>" spelling states.
KeyDigest key_digest(std::string_view key);

// The SHA-256 of a key a client presents: always hashed, so presenting the digest a config holds
// opens nothing.
KeyDigest presented_digest(std::string_view presented);

// Whether two digests are equal, in constant time.
bool same_digest(const KeyDigest& a, const KeyDigest& b);

class KeyStore {
  public:
    explicit KeyStore(const std::vector<AuthToken>& tokens);

    // The position of the matching key among the tokens, or nothing.
    std::optional<std::size_t> match(std::string_view presented) const;

    // The name of the matching key (its `name`, or "key-" and the first 8 hex digits of its
    // digest), or nothing. Never the key itself: this is what logs may show.
    std::optional<std::string> find(std::string_view presented) const;

    std::size_t size() const { return entries_.size(); }
    const std::string& name(std::size_t index) const { return entries_[index].name; }
    const KeyDigest& digest(std::size_t index) const { return entries_[index].digest; }

  private:
    struct Entry {
        KeyDigest digest;
        std::string name;
    };
    std::vector<Entry> entries_;
};

// The key a request presents: the value of the configured header, else the token of an
// `Authorization: Bearer` header; empty when there is none. Header values are passed in, so
// this stays free of any HTTP library.
std::string_view presented_key(std::string_view key_header, std::string_view authorization);

// "sha256:" followed by 64 hex digits.
bool is_digest_spelling(std::string_view key);

}  // namespace ollama_proxy::auth
