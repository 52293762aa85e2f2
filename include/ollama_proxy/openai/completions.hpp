// POST /v1/completions (legacy text completions) on top of POST /api/generate.
#pragma once

#include "ollama_proxy/config.hpp"
#include "ollama_proxy/openai/chat_completions.hpp"
#include "ollama_proxy/openai/stream_translator.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace ollama_proxy::openai {

struct CompletionRequest {
    // One native /api/generate body per choice, in choice order: each prompt `n` times.
    std::vector<nlohmann::json> natives;
    // The text each choice starts with (its prompt when `echo` is set, else empty).
    std::vector<std::string> echoes;
    std::size_t per_prompt = 1;  // n: consecutive choices that share one prompt
    std::string model;
    bool stream = false;
    bool include_usage = false;
};

// Throws ApiError for anything OpenAI would refuse or Ollama could not honour.
CompletionRequest translate_completion_request(const nlohmann::json& body,
                                               const ModelDefaultsTable& defaults);

// The native non-streaming replies, one per choice, as one text_completion (JSON text).
// `per_prompt` choices in a row share one prompt, whose tokens usage counts once.
std::string text_completion(const std::vector<nlohmann::json>& replies,
                            const std::vector<std::string>& echoes, const Envelope& envelope,
                            std::size_t per_prompt = 1);

std::unique_ptr<StreamTranslator> make_completion_stream(Envelope envelope, bool include_usage,
                                                         std::vector<std::string> echoes,
                                                         std::size_t per_prompt = 1);

}  // namespace ollama_proxy::openai
