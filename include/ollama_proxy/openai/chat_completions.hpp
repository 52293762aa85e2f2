// POST /v1/chat/completions on top of POST /api/chat: the request rewritten into a native chat
// request, native replies turned into a chat.completion, and native NDJSON lines into
// chat.completion.chunk events.
#pragma once

#include "ollama_proxy/config.hpp"
#include "ollama_proxy/openai/ids.hpp"
#include "ollama_proxy/openai/stream_translator.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ollama_proxy::openai {

// What every OpenAI object of one reply shares; injected, so translators know no clock.
struct Envelope {
    std::string id;
    std::int64_t created = 0;
    std::string model;
};

struct ChatRequest {
    nlohmann::json native;  // the /api/chat body, `stream` set
    std::string model;
    bool stream = false;
    bool include_usage = false;
    int choices = 1;  // n: one upstream call per choice
};

// Throws ApiError for anything OpenAI would refuse or Ollama could not honour.
ChatRequest translate_chat_request(const nlohmann::json& body, const ModelDefaultsTable& defaults);

// OpenAI's reasoning effort ("none" ... "xhigh") as Ollama's `think`; `param` names the field
// in the error for an unknown value.
nlohmann::json think_for_effort(const std::string& effort, const std::string& param);

// The native non-streaming replies, one per choice, as one chat.completion (JSON text).
std::string chat_completion(const std::vector<nlohmann::json>& replies, const Envelope& envelope,
                            IdSource& ids);

std::unique_ptr<StreamTranslator> make_chat_stream(Envelope envelope, bool include_usage,
                                                   IdSource& ids);

}  // namespace ollama_proxy::openai
