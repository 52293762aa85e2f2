#include "ollama_proxy/openai/ids.hpp"

namespace ollama_proxy::openai {

// splitmix64: tiny, fast, and good enough for identifiers that only need to be distinct.
std::uint64_t IdSource::next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::string IdSource::make(std::string_view prefix, std::size_t length) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string id(prefix);
    id.reserve(prefix.size() + length);
    for (std::size_t i = 0; i < length; ++i)
        id.push_back(kAlphabet[next() % kAlphabet.size()]);
    return id;
}

}  // namespace ollama_proxy::openai
