#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fake_ollama {

// Cheap deterministic hashing for made-up but stable outputs (vectors, ids, digests).
inline std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    return hash;
}

inline std::uint64_t splitmix(std::uint64_t& state) {
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// 64 lowercase hex digits derived from `seed`, shaped like a sha256 digest.
inline std::string fake_digest(std::string_view seed) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::uint64_t state = fnv1a(seed);
    std::string hex;
    hex.reserve(64);
    for (int word = 0; word < 4; ++word) {
        std::uint64_t v = splitmix(state);
        for (int nibble = 0; nibble < 16; ++nibble, v >>= 4)
            hex.push_back(kHex[v & 0xF]);
    }
    return hex;
}

}  // namespace fake_ollama
