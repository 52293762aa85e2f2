// The OpenAI surface as a routing table: an OpenAI request (method, path below the OpenAI base
// path, body) becomes a plan of native calls plus the translator that turns their replies into
// the OpenAI reply. Pure: the exchange in src/relay runs the plan.
#pragma once

#include "ollama_proxy/config.hpp"
#include "ollama_proxy/openai/ids.hpp"
#include "ollama_proxy/openai/multipart.hpp"
#include "ollama_proxy/openai/response_store.hpp"
#include "ollama_proxy/openai/stream_translator.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ollama_proxy::openai {

struct NativeCall {
    std::string method;  // "GET" or "POST"
    std::string path;    // below the remote's base path, e.g. "/api/chat"
    std::string body;    // JSON text; empty for GET
};

struct Plan {
    std::string model;              // what the request names, for the access log
    std::vector<NativeCall> calls;  // run one after the other, each a choice when streaming
    // Streaming plans: the calls' NDJSON lines go through this translator.
    std::unique_ptr<StreamTranslator> stream;
    // Other plans: the successful replies' bodies (one per call) become the reply body.
    // Throws ApiError when a reply cannot be translated.
    std::function<std::string(const std::vector<std::string>&)> assemble;
    std::string content_type = "application/json";  // of what `assemble` returns
};

struct PlanContext {
    const ModelDefaultsTable& defaults;
    IdSource& ids;                            // must outlive the plan's translator
    std::int64_t now = 0;                     // Unix seconds, the `created` of what is made
    std::string_view base_path = "/v1";       // for messages that quote the URL
    std::string_view content_type = {};       // the request's, for form uploads
    const FormData* form = nullptr;           // a form body the caller already parsed as it came in
    std::string_view moderation_model = {};   // moderation.model
    std::string_view translation_model = {};  // audio.translationModel
    // Responses kept for previous_response_id (shared, thread-safe); null: none are kept.
    ResponseStore* responses = nullptr;
    // Unix seconds when a reply is finished (a response's completed_at); unset: `now`.
    std::function<std::int64_t()> clock = {};
};

// Whether requests to this path carry a JSON body that must be read before planning.
bool takes_body(std::string_view method);

// Throws ApiError: 400 for bad requests, 404 for unknown paths, 405 for a wrong method. A form
// route reads `context.form`, or else parses `body` as the form `context.content_type` names.
Plan plan_request(std::string_view method, std::string_view path, std::string_view body,
                  PlanContext& context);

}  // namespace ollama_proxy::openai
