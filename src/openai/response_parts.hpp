// The pieces of the Responses API's objects that the reply and the stream share: the response
// object at any moment of its life, its output items, its usage, and keeping the finished turn
// for previous_response_id.
#pragma once

#include "ollama_proxy/openai/api_error.hpp"
#include "ollama_proxy/openai/responses.hpp"
#include "openai/native_reply.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace ollama_proxy::openai {

// Where a response stands: in_progress, completed, incomplete (cut at the token limit) or
// failed, with what it has produced so far.
struct ResponseState {
    std::string_view status = "in_progress";
    nlohmann::ordered_json output = nlohmann::ordered_json::array();
    std::optional<Usage> usage;
    std::optional<ApiError> error;
};

nlohmann::ordered_json response_json(const ResponseContext& context, const ResponseState& state);

// "incomplete" when the remote stopped at the token limit, else "completed".
std::string_view final_status(const nlohmann::json& done);

nlohmann::ordered_json output_text_part(const std::string& text);
nlohmann::ordered_json reasoning_text_part(const std::string& text);
nlohmann::ordered_json message_item(const std::string& id, std::string_view status,
                                    const std::string& text);
nlohmann::ordered_json reasoning_item(const std::string& id, const std::string& text);
nlohmann::ordered_json function_call_item(const std::string& id, const std::string& call_id,
                                          const std::string& name, const std::string& arguments,
                                          std::string_view status);

// The flat `code` OpenAI's error event and failed response carry for an error.
std::string failure_code(const ApiError& error);

// What the model said in one turn, as the native assistant message a later turn sends back.
class AssistantTurn {
  public:
    void add(const nlohmann::json& native_message);  // content and thinking, appended
    // A tool call as the client saw it: under `call_id`, with the remote's arguments.
    void add_call(const nlohmann::json& native_call, const std::string& call_id);
    const nlohmann::json& message() const { return message_; }

  private:
    nlohmann::json message_ = {{"role", "assistant"}, {"content", ""}};
};

// Keeps the turn under the response's id when the context has a store: the request's input
// messages, then what the model said.
void keep_turn(const ResponseContext& context, const AssistantTurn& turn);

}  // namespace ollama_proxy::openai
