#include "openai/response_parts.hpp"

#include "ollama_proxy/openai/request_fields.hpp"

namespace ollama_proxy::openai {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

ordered_json usage_json(const Usage& usage) {
    ordered_json out;
    out["input_tokens"] = usage.prompt;
    out["input_tokens_details"]["cached_tokens"] = 0;
    out["input_tokens_details"]["cache_write_tokens"] = 0;
    out["output_tokens"] = usage.completion;
    // Native counts do not tell thinking tokens from the others.
    out["output_tokens_details"]["reasoning_tokens"] = 0;
    out["total_tokens"] = usage.prompt + usage.completion;
    return out;
}

std::int64_t now(const ResponseContext& context) {
    return context.clock ? context.clock() : context.envelope.created;
}

}  // namespace

ordered_json response_json(const ResponseContext& context, const ResponseState& state) {
    ordered_json out;
    out["id"] = context.envelope.id;
    out["object"] = "response";
    out["created_at"] = context.envelope.created;
    out["status"] = state.status;
    out["completed_at"] = state.status == "completed" ? ordered_json(now(context)) : nullptr;
    if (state.error) {
        out["error"]["code"] = failure_code(*state.error);
        out["error"]["message"] = state.error->message;
    } else {
        out["error"] = nullptr;
    }
    out["incomplete_details"] = nullptr;
    if (state.status == "incomplete") out["incomplete_details"]["reason"] = "max_output_tokens";
    for (const auto& [key, value] : context.echo.items())
        out[key] = value;
    out["model"] = context.envelope.model;
    out["output"] = state.output;
    out["usage"] = state.usage ? usage_json(*state.usage) : ordered_json(nullptr);
    return out;
}

std::string_view final_status(const json& done) {
    return finish_reason(done, false) == "length" ? "incomplete" : "completed";
}

ordered_json output_text_part(const std::string& text) {
    ordered_json part;
    part["type"] = "output_text";
    part["text"] = text;
    part["annotations"] = ordered_json::array();
    part["logprobs"] = ordered_json::array();
    return part;
}

ordered_json reasoning_text_part(const std::string& text) {
    ordered_json part;
    part["type"] = "reasoning_text";
    part["text"] = text;
    return part;
}

ordered_json message_item(const std::string& id, std::string_view status, const std::string& text) {
    ordered_json item;
    item["type"] = "message";
    item["id"] = id;
    item["status"] = status;
    item["role"] = "assistant";
    item["content"] = ordered_json::array();
    if (status != "in_progress") item["content"].push_back(output_text_part(text));
    return item;
}

// Thinking is raw reasoning text, the form OpenAI gives open-weight models' reasoning; it is no
// summary, so `summary` stays empty.
ordered_json reasoning_item(const std::string& id, const std::string& text) {
    ordered_json item;
    item["type"] = "reasoning";
    item["id"] = id;
    item["summary"] = ordered_json::array();
    item["content"] = ordered_json::array();
    if (!text.empty()) item["content"].push_back(reasoning_text_part(text));
    return item;
}

ordered_json function_call_item(const std::string& id, const std::string& call_id,
                                const std::string& name, const std::string& arguments,
                                std::string_view status) {
    ordered_json item;
    item["type"] = "function_call";
    item["id"] = id;
    item["call_id"] = call_id;
    item["name"] = name;
    item["arguments"] = arguments;
    item["status"] = status;
    return item;
}

std::string failure_code(const ApiError& error) {
    if (error.code) return *error.code;
    return error.status == 429 ? "rate_limit_exceeded" : "server_error";
}

void AssistantTurn::add(const json& native_message) {
    message_["content"].get_ref<std::string&>() += text_of(native_message, "content");
    const std::string thinking = text_of(native_message, "thinking");
    if (thinking.empty()) return;
    if (!message_.contains("thinking")) message_["thinking"] = "";
    message_["thinking"].get_ref<std::string&>() += thinking;
}

void AssistantTurn::add_call(const json& native_call, const std::string& call_id) {
    const json& function = member(native_call, "function");
    const json& given = member(function, "arguments");
    json arguments = given.is_object() ? given : json::object();
    if (given.is_string()) {
        json parsed = parse_native(given.get<std::string>());
        if (parsed.is_object()) arguments = std::move(parsed);
    }
    json& calls = message_["tool_calls"];
    if (!calls.is_array()) calls = json::array();
    calls.push_back({{"id", call_id},
                     {"function",
                      {{"index", calls.size()},
                       {"name", text_of(function, "name")},
                       {"arguments", std::move(arguments)}}}});
}

void keep_turn(const ResponseContext& context, const AssistantTurn& turn) {
    if (context.store == nullptr) return;
    json messages = context.input;
    messages.push_back(turn.message());
    context.store->put(context.envelope.id,
                       std::make_shared<const StoredTurn>(context.previous, std::move(messages)));
}

ResponseContext response_context(ResponsesRequest request, Envelope envelope, ResponseStore* store,
                                 std::function<std::int64_t()> clock) {
    ResponseContext context;
    context.envelope = std::move(envelope);
    context.echo = std::move(request.echo);
    context.previous = std::move(request.previous);
    context.input = std::move(request.input);
    context.store = request.store ? store : nullptr;
    context.clock = std::move(clock);
    return context;
}

}  // namespace ollama_proxy::openai
