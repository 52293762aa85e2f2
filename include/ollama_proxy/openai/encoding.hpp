// Byte-level helpers of the wire formats: base64 (embeddings, data: URIs) and Ollama's RFC 3339
// timestamps turned into OpenAI's Unix seconds.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ollama_proxy::openai {

// Standard alphabet, with padding.
std::string base64_encode(std::span<const unsigned char> bytes);

// Whether `text` is non-empty, padded standard base64 (what Ollama's decoder accepts).
bool is_base64(std::string_view text);

// The float32 values as little-endian IEEE-754 bytes, base64-encoded (OpenAI's
// encoding_format "base64").
std::string float32_base64(std::span<const float> values);

// "2026-01-01T00:00:00.123456789Z" or "...+02:00" as Unix seconds; nullopt if not RFC 3339.
std::optional<std::int64_t> unix_seconds(std::string_view timestamp);

}  // namespace ollama_proxy::openai
