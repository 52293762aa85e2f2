// POST /v1/moderations on top of POST /api/chat: each input is classified by the configured
// model (moderation.model), which is held to a JSON schema through the native `format`. Its
// answer becomes OpenAI's moderation result; an answer that is not a full classification is an
// error, never a silent "not flagged".
#pragma once

#include "ollama_proxy/config.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace ollama_proxy::openai {

// Every category of OpenAI's moderation results, in the order its replies list them.
inline constexpr std::array<std::string_view, 13> kModerationCategories{"harassment",
                                                                        "harassment/threatening",
                                                                        "hate",
                                                                        "hate/threatening",
                                                                        "illicit",
                                                                        "illicit/violent",
                                                                        "self-harm",
                                                                        "self-harm/intent",
                                                                        "self-harm/instructions",
                                                                        "sexual",
                                                                        "sexual/minors",
                                                                        "violence",
                                                                        "violence/graphic"};

struct ModerationInput {
    bool text = false;   // it has text to judge
    bool image = false;  // it has images to judge
};

struct ModerationRequest {
    std::vector<nlohmann::json> natives;  // one /api/chat body per input
    std::vector<ModerationInput> inputs;
    std::string model;  // the classifier
};

// `classifier` is the configured moderation model; empty means none, which is a 400 naming the
// setting. Throws ApiError for a request OpenAI would refuse or the proxy cannot honour.
ModerationRequest translate_moderation_request(const nlohmann::json& body,
                                               std::string_view classifier,
                                               const ModelDefaultsTable& defaults);

// The classifier's replies, one per input, as OpenAI's moderation object (JSON text). Throws
// ApiError (502) for a reply that does not hold a complete classification.
std::string moderation_result(const std::vector<nlohmann::json>& replies,
                              const ModerationRequest& request, const std::string& id);

}  // namespace ollama_proxy::openai
