// POST /v1/images/generations on top of POST /api/generate with width and height, the fields of
// Ollama's image-generation models: one native call per image, each reply's `image` (base64)
// returned as b64_json. The proxy hosts no files, so `url` replies are refused.
#pragma once

#include "ollama_proxy/config.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ollama_proxy::openai {

struct ImageRequest {
    std::vector<nlohmann::json> natives;  // one /api/generate body per image (n)
    std::string model;
};

// Throws ApiError for anything OpenAI would refuse or the proxy cannot honour.
ImageRequest translate_image_request(const nlohmann::json& body,
                                     const ModelDefaultsTable& defaults);

// The native replies, one per image, as OpenAI's image list (JSON text). Throws ApiError: 400
// when the model answered with text (it cannot generate images), 502 for a reply without a
// valid image.
std::string image_list(const std::vector<nlohmann::json>& replies, const ImageRequest& request,
                       std::int64_t created);

}  // namespace ollama_proxy::openai
