// POST /v1/responses on top of POST /api/chat: the request's input items (plus, with
// previous_response_id, the stored conversation) rewritten as native messages; the native reply
// turned into a `response` object, and native NDJSON lines into the Responses API's typed event
// stream. Finished responses are kept in a ResponseStore so that a later request can continue
// from them.
#pragma once

#include "ollama_proxy/config.hpp"
#include "ollama_proxy/openai/chat_completions.hpp"
#include "ollama_proxy/openai/ids.hpp"
#include "ollama_proxy/openai/response_store.hpp"
#include "ollama_proxy/openai/stream_translator.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace ollama_proxy::openai {

struct ResponsesRequest {
    nlohmann::json native;  // the /api/chat body, `stream` set
    std::string model;
    bool stream = false;
    bool store = true;  // OpenAI's default for this API
    // The stored conversation the request continues (previous_response_id), or null.
    std::shared_ptr<const StoredTurn> previous;
    // The native messages the request's input adds to it: what the next turn builds on. The
    // `instructions` system message is not among them, as OpenAI does not carry it over.
    nlohmann::json input = nlohmann::json::array();
    // The request fields every response object repeats (instructions, tools, text, ...), in the
    // order of OpenAI's objects, with `model`, `output` and `usage` as placeholders.
    nlohmann::ordered_json echo;
};

// Throws ApiError for anything OpenAI would refuse or Ollama could not honour, and for a
// previous_response_id that `store` does not hold (null: nothing is held).
ResponsesRequest translate_responses_request(const nlohmann::json& body,
                                             const ModelDefaultsTable& defaults,
                                             ResponseStore* store);

// What a reply is made of besides the native reply.
struct ResponseContext {
    Envelope envelope;  // the resp_ id, created_at and the model as requested
    nlohmann::ordered_json echo;
    std::shared_ptr<const StoredTurn> previous;
    nlohmann::json input = nlohmann::json::array();
    ResponseStore* store = nullptr;  // where a finished response is kept; null: not kept
    // Unix seconds for completed_at; unset: the envelope's time.
    std::function<std::int64_t()> clock;
};

ResponseContext response_context(ResponsesRequest request, Envelope envelope, ResponseStore* store,
                                 std::function<std::int64_t()> clock);

// The native non-streaming reply as a `response` object (JSON text); kept in the store when it
// completed or was cut short.
std::string response_object(const nlohmann::json& reply, const ResponseContext& context,
                            IdSource& ids);

// The typed event stream: response.created ... response.completed (or .incomplete), or an
// `error` event and response.failed when the remote fails midway.
std::unique_ptr<StreamTranslator> make_responses_stream(ResponseContext context, IdSource& ids);

}  // namespace ollama_proxy::openai
