// Fast, strict JSON reading for the translators' hot paths (see json_reader.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <string_view>

namespace ollama_proxy::openai {

// The document in `text`, or nullopt when it is not valid JSON (RFC 8259, UTF-8), nests deeper
// than `max_depth` arrays and objects, or is one this reader declines (a number that underflows
// to zero, say); callers then fall back to nlohmann's parser for the verdict and its message.
//
// Members of the top-level object named in `skipped` are checked but left out of the result:
// native replies carry timestamps, durations and context arrays no translator reads.
std::optional<nlohmann::json> read_json(std::string_view text, int max_depth,
                                        std::span<const std::string_view> skipped = {});

}  // namespace ollama_proxy::openai
