#pragma once

#include "replies.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace fake_ollama {

// The inference routes. Each is a pure function of the request body: the same body always
// gives the same reply, so tests can compare outputs byte for byte.
reply handle_generate(std::string_view body);
reply handle_chat(std::string_view body);
reply handle_embed(std::string_view body);
reply handle_embeddings(std::string_view body);

// Splits text into word tokens that keep their leading whitespace, so that joining the tokens
// gives back the text exactly ("You said: hi" -> "You", " said:", " hi").
std::vector<std::string> split_tokens(std::string_view text);

// "2026-01-01T00:00:00.000000000Z" plus `index` steps of 50 ms.
std::string created_at(std::size_t index);

// The deterministic unit-length vector /api/embed returns for `input`.
std::vector<float> embedding_for(std::string_view input, std::size_t length);

}  // namespace fake_ollama
