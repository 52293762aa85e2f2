// Identifiers of the OpenAI objects the proxy makes up (chatcmpl-..., call_..., cmpl-...). The
// source is seeded by the caller, so translators stay deterministic under test.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ollama_proxy::openai {

class IdSource {
  public:
    explicit IdSource(std::uint64_t seed) : state_(seed) {}

    // `prefix` followed by `length` characters of [A-Za-z0-9].
    std::string make(std::string_view prefix, std::size_t length = 24);

  private:
    std::uint64_t next();
    std::uint64_t state_;
};

}  // namespace ollama_proxy::openai
