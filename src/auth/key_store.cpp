#include "ollama_proxy/auth/key_store.hpp"

#include "ollama_proxy/text.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace ollama_proxy::auth {
namespace {

using Digest = KeyDigest;

constexpr std::string_view kDigestPrefix = "sha256:";

Digest sha256(std::string_view text) {
    Digest out{};
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), out.data(), &length, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 is not available");
    return out;
}

}  // namespace

KeyDigest key_digest(std::string_view key) {
    if (!is_digest_spelling(key)) return sha256(key);
    Digest out{};
    const std::string_view hex = std::string_view(key).substr(kDigestPrefix.size());
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<unsigned char>(hex_digit(hex[2 * i]) * 16 + hex_digit(hex[2 * i + 1]));
    return out;
}

KeyDigest presented_digest(std::string_view presented) {
    return sha256(presented);
}

bool same_digest(const KeyDigest& a, const KeyDigest& b) {
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

std::string short_name(const Digest& digest) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string name = "key-";
    for (std::size_t i = 0; i < 4; ++i) {
        name.push_back(kHex[digest[i] >> 4]);
        name.push_back(kHex[digest[i] & 15]);
    }
    return name;
}

}  // namespace

bool is_digest_spelling(std::string_view key) {
    if (key.substr(0, kDigestPrefix.size()) != kDigestPrefix) return false;
    const std::string_view hex = key.substr(kDigestPrefix.size());
    if (hex.size() != 64) return false;
    for (const char c : hex) {
        if (hex_digit(c) < 0) return false;
    }
    return true;
}

KeyStore::KeyStore(const std::vector<AuthToken>& tokens) {
    for (const AuthToken& token : tokens) {
        Entry entry{key_digest(token.key), token.name};
        if (entry.name.empty()) entry.name = short_name(entry.digest);
        entries_.push_back(std::move(entry));
    }
}

std::optional<std::size_t> KeyStore::match(std::string_view presented) const {
    if (presented.empty()) return std::nullopt;
    const Digest digest = presented_digest(presented);
    // Every entry is compared, with no early exit, whatever matches.
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        const bool equal = same_digest(digest, entries_[i].digest);
        if (equal && !found) found = i;
    }
    return found;
}

std::optional<std::string> KeyStore::find(std::string_view presented) const {
    const auto index = match(presented);
    if (!index) return std::nullopt;
    return entries_[*index].name;
}

std::string_view presented_key(std::string_view key_header, std::string_view authorization) {
    if (const std::string_view key = trim_blanks(key_header); !key.empty()) return key;
    const std::string_view value = trim_blanks(authorization);
    constexpr std::string_view kScheme = "bearer ";
    if (value.size() <= kScheme.size()) return {};
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        const char c = value[i];
        if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != kScheme[i]) return {};
    }
    return trim_blanks(value.substr(kScheme.size()));
}

}  // namespace ollama_proxy::auth
