#pragma once

#include "replies.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fake_ollama {

// The inference routes. Each is a pure function of the request body: the same body always
// gives the same reply, so tests can compare outputs byte for byte.
reply handle_generate(std::string_view body);
reply handle_chat(std::string_view body);

// Splits text into word tokens that keep their leading whitespace, so that joining the tokens
// gives back the text exactly ("You said: hi" -> "You", " said:", " hi").
std::vector<std::string> split_tokens(std::string_view text);

// "2026-01-01T00:00:00.000000000Z" plus `index` steps of 50 ms.
std::string created_at(std::size_t index);

// Whitespace-separated words, the fake's notion of a prompt token.
unsigned count_words(std::string_view text);

// Fixed timings (nanoseconds) so replies are reproducible.
inline constexpr std::uint64_t kLoadDuration = 5'000'000;
inline constexpr std::uint64_t kPromptEvalDuration = 2'000'000;
inline constexpr std::uint64_t kTokenDuration = 10'000'000;
inline constexpr std::uint64_t kOverheadDuration = 1'000'000;

}  // namespace fake_ollama
