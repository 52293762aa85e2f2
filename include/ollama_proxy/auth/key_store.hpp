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

class KeyStore {
  public:
    explicit KeyStore(const std::vector<AuthToken>& tokens);

    // The name of the matching key (its `name`, or "key-" and the first 8 hex digits of its
    // digest), or nothing. Never the key itself: this is what logs may show.
    std::optional<std::string> find(std::string_view presented) const;

  private:
    struct Entry {
        std::array<unsigned char, 32> digest;
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
