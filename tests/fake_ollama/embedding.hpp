#pragma once

#include "replies.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace fake_ollama {

// The embedding routes: /api/embed (normalised vectors, batch input) and the legacy
// /api/embeddings (one raw vector). Pure functions of the body, like the generation routes.
reply handle_embed(std::string_view body);
reply handle_embeddings(std::string_view body);

// The deterministic unit-length vector /api/embed returns for `input`.
std::vector<float> embedding_for(std::string_view input, std::size_t length);

}  // namespace fake_ollama
