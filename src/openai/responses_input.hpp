// Input items of the Responses API as native chat messages (see responses_input.cpp).
#pragma once

#include "ollama_proxy/openai/request_fields.hpp"

#include <nlohmann/json.hpp>

namespace ollama_proxy::openai {

// The request's `input` (a string, or an array of items) as the native messages it adds to
// `history`, the stored conversation, whose calls function_call_output items may answer. A
// request without input adds nothing when it is `continuing` a stored conversation; otherwise it
// is refused. Throws ApiError (400) naming the item.
nlohmann::json map_input(const Fields& request, const nlohmann::json& history, bool continuing);

}  // namespace ollama_proxy::openai
