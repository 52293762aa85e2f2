// The reply half of the Responses API without streaming: one native chat reply as a `response`
// object. Its output lists, in the order the model produced them, the reasoning, the message and
// the function calls; text said alongside calls is kept, as OpenAI keeps it.

#include "ollama_proxy/openai/responses.hpp"
#include "openai/response_parts.hpp"

namespace ollama_proxy::openai {

using nlohmann::json;
using nlohmann::ordered_json;

std::string response_object(const json& reply, const ResponseContext& context, IdSource& ids) {
    const json& message = member(reply, "message");
    const json& calls = member(message, "tool_calls");
    const bool has_calls = calls.is_array() && !calls.empty();
    const std::string content = text_of(message, "content");
    const std::string thinking = text_of(message, "thinking");

    ResponseState state;
    state.status = final_status(reply);
    AssistantTurn turn;
    turn.add(message);
    if (!thinking.empty()) state.output.push_back(reasoning_item(ids.make("rs_"), thinking));
    if (!content.empty() || !has_calls)
        state.output.push_back(message_item(ids.make("msg_"), state.status, content));
    if (has_calls) {
        CallIds call_ids(ids);
        for (const auto& call : calls) {
            const std::string call_id = call_ids.id_for(call);
            const json& function = member(call, "function");
            state.output.push_back(function_call_item(ids.make("fc_"), call_id,
                                                      text_of(function, "name"),
                                                      arguments_text(function), "completed"));
            turn.add_call(call, call_id);
        }
    }
    state.usage.emplace();
    state.usage->add(reply);
    keep_turn(context, turn);
    return dump(response_json(context, state));
}

}  // namespace ollama_proxy::openai
