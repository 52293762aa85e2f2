#include "openai/native_reply.hpp"

#include "ollama_proxy/openai/request_fields.hpp"
#include "ollama_proxy/openai/sse.hpp"

namespace ollama_proxy::openai {

const nlohmann::json& member(const nlohmann::json& object, const char* key) {
    static const nlohmann::json empty;
    if (!object.is_object()) return empty;
    const auto it = object.find(key);
    return it == object.end() ? empty : *it;
}

std::string text_of(const nlohmann::json& object, const char* key) {
    const nlohmann::json& value = member(object, key);
    return value.is_string() ? value.get<std::string>() : std::string();
}

std::string CallIds::id_for(const nlohmann::json& call) {
    const auto native = call.find("id");
    if (native != call.end() && native->is_string() && !native->get<std::string>().empty() &&
        seen_.insert(native->get<std::string>()).second)
        return native->get<std::string>();
    std::string fresh = ids_.make("call_");
    seen_.insert(fresh);
    return fresh;
}

std::string arguments_text(const nlohmann::json& function) {
    const auto arguments = function.find("arguments");
    if (arguments == function.end() || arguments->is_null()) return "{}";
    if (arguments->is_string()) return arguments->get<std::string>();
    return arguments->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Usage::add(const nlohmann::json& native, bool count_prompt) {
    if (count_prompt) prompt += native.value("prompt_eval_count", std::int64_t{0});
    completion += native.value("eval_count", std::int64_t{0});
}

nlohmann::ordered_json Usage::to_json() const {
    nlohmann::ordered_json usage;
    usage["prompt_tokens"] = prompt;
    usage["completion_tokens"] = completion;
    usage["total_tokens"] = prompt + completion;
    return usage;
}

void Usage::append_to(std::string& out) const {
    out += "{\"prompt_tokens\":" + std::to_string(prompt) +
           ",\"completion_tokens\":" + std::to_string(completion) +
           ",\"total_tokens\":" + std::to_string(prompt + completion) + "}";
}

std::string_view finish_reason(const nlohmann::json& native, bool called_tools) {
    const auto reason = native.find("done_reason");
    if (reason != native.end() && *reason == "length") return "length";
    return called_tools ? "tool_calls" : "stop";
}

namespace {

nlohmann::ordered_json token_logprob(const nlohmann::json& item) {
    nlohmann::ordered_json out;
    out["token"] = item.value("token", std::string());
    out["logprob"] = item.value("logprob", 0.0);
    const auto bytes = item.find("bytes");
    out["bytes"] = bytes != item.end() && bytes->is_array() ? nlohmann::ordered_json(*bytes)
                                                            : nlohmann::ordered_json(nullptr);
    return out;
}

}  // namespace

nlohmann::ordered_json chat_logprobs(const nlohmann::json& native) {
    nlohmann::ordered_json content = nlohmann::ordered_json::array();
    for (const auto& item : native) {
        if (!item.is_object()) continue;
        nlohmann::ordered_json entry = token_logprob(item);
        nlohmann::ordered_json top = nlohmann::ordered_json::array();
        const auto alternatives = item.find("top_logprobs");
        if (alternatives != item.end() && alternatives->is_array()) {
            for (const auto& alternative : *alternatives) {
                if (alternative.is_object()) top.push_back(token_logprob(alternative));
            }
        }
        entry["top_logprobs"] = std::move(top);
        content.push_back(std::move(entry));
    }
    nlohmann::ordered_json out;
    out["content"] = std::move(content);
    out["refusal"] = nullptr;
    return out;
}

std::optional<std::string> native_error(const nlohmann::json& native) {
    if (!native.is_object()) return std::nullopt;
    const auto error = native.find("error");
    if (error == native.end()) return std::nullopt;
    return error->is_string() ? error->get<std::string>() : error->dump();
}

void append_error_event(std::string& out, const ApiError& error) {
    append_sse_data(out, error.body());
}

StreamLine read_stream_line(std::string_view line) {
    StreamLine out;
    out.native = parse_native_reply(line);
    if (!out.native.is_object()) {
        out.error = error_with_status(
            502, "remote Ollama sent a stream line that is not valid JSON", "server_error");
    } else if (auto message = native_error(out.native)) {
        out.error = error_with_status(500, "remote Ollama failed during generation: " + *message,
                                      "server_error");
    }
    return out;
}

std::string dump(const nlohmann::ordered_json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ollama_proxy::openai
