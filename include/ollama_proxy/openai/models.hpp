// GET /v1/models on top of GET /api/tags, and GET /v1/models/{id} on top of POST /api/show.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace ollama_proxy::openai {

// The native tag list as OpenAI's model list (JSON text); `data` is [] when there are none.
// Throws ApiError (502) when the reply is not a tag list.
std::string model_list(const nlohmann::json& tags);

// One model object for `id` from its native /api/show reply (JSON text).
std::string model_object(const std::string& id, const nlohmann::json& show);

// The id from the path after /v1/models/: percent-decoded, so both `a/b:c` and `a%2Fb:c` work.
// Throws ApiError (400) for bad escapes or an empty id.
std::string model_id_from_path(std::string_view tail);

// "library" for plain names, else the namespace before the model name ("org" in
// "hf.co/org/model:tag").
std::string owned_by(std::string_view id);

}  // namespace ollama_proxy::openai
