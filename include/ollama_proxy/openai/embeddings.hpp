// POST /v1/embeddings on top of POST /api/embed: one upstream call for the whole batch.
#pragma once

#include "ollama_proxy/config.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace ollama_proxy::openai {

struct EmbeddingRequest {
    nlohmann::json native;  // the /api/embed body
    std::string model;
    bool base64 = false;  // encoding_format "base64": little-endian float32, base64-encoded
    std::size_t inputs = 0;
};

// Throws ApiError for anything OpenAI would refuse or Ollama could not honour.
EmbeddingRequest translate_embedding_request(const nlohmann::json& body,
                                             const ModelDefaultsTable& defaults);

// The native reply as OpenAI's embedding list (JSON text). Throws ApiError (502) when the
// remote sent a different number of vectors than inputs, or something that is not one.
std::string embedding_list(const nlohmann::json& reply, const EmbeddingRequest& request);

}  // namespace ollama_proxy::openai
