// The request half of chat completions: an OpenAI chat request rewritten as a native /api/chat
// body. Everything the client asked for is either mapped or refused with a 400 naming the field;
// nothing is silently dropped.

#include "ollama_proxy/openai/chat_completions.hpp"
#include "ollama_proxy/openai/encoding.hpp"
#include "ollama_proxy/openai/request_fields.hpp"

#include <map>

namespace ollama_proxy::openai {
namespace {

struct Content {
    std::string text;
    nlohmann::json images = nlohmann::json::array();
};

void add_part(const nlohmann::json& part, const std::string& param, std::string_view role,
              Content& out) {
    if (!part.is_object()) {
        throw invalid_request("Invalid content part: expected an object.", param, "invalid_type");
    }
    const Fields fields(part, param);
    const std::string type = fields.required_string("type");
    std::optional<std::string> text;
    if (type == "text") {
        text = fields.string("text").value_or("");
    } else if (type == "refusal" && role == "assistant") {
        text = fields.string("refusal").value_or("");
    } else if (type == "image_url" && role == "user") {
        const nlohmann::json* image = fields.find("image_url");
        std::string url;
        if (image != nullptr && image->is_string()) {
            url = image->get<std::string>();
        } else if (const nlohmann::json* object = fields.object("image_url")) {
            url = Fields(*object, param + ".image_url").required_string("url");
        } else {
            throw invalid_request("Missing required parameter: '" + param + ".image_url'.",
                                  param + ".image_url", "missing_required_parameter");
        }
        out.images.push_back(image_payload(url, param + ".image_url.url"));
    } else if (type == "input_audio" && role == "user") {
        // Ollama hands audio to audio-capable models the same way as images.
        const nlohmann::json* audio = fields.object("input_audio");
        const std::string data =
            audio ? Fields(*audio, param + ".input_audio").required_string("data") : "";
        if (!is_base64(data)) {
            throw invalid_request("Invalid input_audio: 'data' must be base64-encoded audio.",
                                  param + ".input_audio.data", "invalid_value");
        }
        out.images.push_back(data);
    } else {
        throw invalid_request("Content parts of type '" + type + "' are not supported in " +
                                  std::string(role) + " messages by this server.",
                              param + ".type", "unsupported_value");
    }
    if (text) {
        if (!out.text.empty()) out.text += "\n";
        out.text += *text;
    }
}

Content read_content(const Fields& message, std::string_view role) {
    Content content;
    const nlohmann::json* value = message.find("content");
    const std::string param = message.path_of("content");
    if (value == nullptr) return content;
    if (value->is_string()) {
        content.text = value->get<std::string>();
    } else if (value->is_array()) {
        for (std::size_t i = 0; i < value->size(); ++i)
            add_part((*value)[i], element_path(param, i), role, content);
    } else {
        throw invalid_request(
            "Invalid type for '" + param + "': expected a string or an array of content parts.",
            param, "invalid_type");
    }
    return content;
}

nlohmann::json native_tool_calls(const nlohmann::json& calls, const std::string& param) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < calls.size(); ++i) {
        const std::string call_param = element_path(param, i);
        if (!calls[i].is_object()) {
            throw invalid_request("Invalid tool call: expected an object.", call_param,
                                  "invalid_type");
        }
        const Fields call(calls[i], call_param);
        const nlohmann::json* function = call.object("function");
        if (function == nullptr) {
            throw invalid_request("Missing required parameter: '" + call_param + ".function'.",
                                  call_param + ".function", "missing_required_parameter");
        }
        const Fields fn(*function, call_param + ".function");
        nlohmann::json arguments =
            arguments_object(fn.string("arguments").value_or(""), fn.path_of("arguments"));
        nlohmann::json native{{"function",
                               {{"index", i},
                                {"name", fn.required_string("name")},
                                {"arguments", std::move(arguments)}}}};
        if (auto id = call.string("id")) native["id"] = *id;
        out.push_back(std::move(native));
    }
    return out;
}

class MessageMapper {
  public:
    nlohmann::json map(const nlohmann::json& message, std::size_t index);

  private:
    std::map<std::string, std::string> call_names_;  // tool_call id -> function name
};

nlohmann::json MessageMapper::map(const nlohmann::json& message, std::size_t index) {
    const std::string param = element_path("messages", index);
    if (!message.is_object()) {
        throw invalid_request("Invalid type for '" + param + "': expected an object.", param,
                              "invalid_type");
    }
    const Fields fields(message, param);
    std::string role = fields.required_string("role");
    if (role != "system" && role != "developer" && role != "user" && role != "assistant" &&
        role != "tool" && role != "function") {
        throw invalid_request("Invalid value for '" + param + ".role': '" + role +
                                  "'. Supported values are: 'system', 'developer', 'user', "
                                  "'assistant', 'tool'.",
                              param + ".role", "invalid_value");
    }
    const nlohmann::json* calls = role == "assistant" ? fields.array("tool_calls") : nullptr;
    if (fields.find("content") == nullptr && calls == nullptr) {
        throw invalid_request("Missing required parameter: '" + param + ".content'.",
                              param + ".content", "missing_required_parameter");
    }
    Content content = read_content(fields, role);

    nlohmann::json native;
    // Chat templates know system, user, assistant and tool; a developer message is the system
    // prompt of newer models, and the deprecated function role is a tool result.
    native["role"] = role == "developer" ? "system" : role == "function" ? "tool" : role;
    native["content"] = std::move(content.text);
    if (!content.images.empty()) native["images"] = std::move(content.images);
    if (role == "assistant") {
        auto thinking = fields.string("reasoning_content");
        if (!thinking) thinking = fields.string("reasoning");
        if (thinking && !thinking->empty()) native["thinking"] = *thinking;
        if (calls != nullptr && !calls->empty()) {
            native["tool_calls"] = native_tool_calls(*calls, param + ".tool_calls");
            for (const auto& call : native["tool_calls"]) {
                if (call.contains("id"))
                    call_names_[call["id"].get<std::string>()] =
                        call["function"]["name"].get<std::string>();
            }
        }
    }
    if (role == "tool" || role == "function") {
        std::string name = fields.string("name").value_or("");
        if (auto id = fields.string("tool_call_id")) {
            native["tool_call_id"] = *id;
            if (name.empty()) {
                const auto found = call_names_.find(*id);
                if (found != call_names_.end()) name = found->second;
            }
        } else if (role == "tool") {
            throw invalid_request("Missing required parameter: '" + param + ".tool_call_id'.",
                                  param + ".tool_call_id", "missing_required_parameter");
        }
        if (!name.empty()) native["tool_name"] = name;
    }
    return native;
}

nlohmann::json map_messages(const Fields& request) {
    const nlohmann::json* messages = request.array("messages");
    if (messages == nullptr) {
        throw invalid_request("Missing required parameter: 'messages'.", "messages",
                              "missing_required_parameter");
    }
    if (messages->empty()) {
        throw invalid_request(
            "Invalid 'messages': empty array. Expected an array with minimum "
            "length 1.",
            "messages", "empty_array");
    }
    MessageMapper mapper;
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < messages->size(); ++i)
        out.push_back(mapper.map((*messages)[i], i));
    return out;
}

nlohmann::json checked_tools(const nlohmann::json& tools) {
    for (std::size_t i = 0; i < tools.size(); ++i) {
        const std::string param = element_path("tools", i);
        if (!tools[i].is_object()) {
            throw invalid_request("Invalid tool: expected an object.", param, "invalid_type");
        }
        const Fields tool(tools[i], param);
        if (tool.required_string("type") != "function") {
            throw invalid_request("Only tools of type 'function' are supported by this server.",
                                  param + ".type", "unsupported_value");
        }
        const nlohmann::json* function = tool.object("function");
        if (function == nullptr) {
            throw invalid_request("Missing required parameter: '" + param + ".function'.",
                                  param + ".function", "missing_required_parameter");
        }
        Fields(*function, param + ".function").required_string("name");
    }
    return tools;
}

void map_tools(const Fields& request, nlohmann::json& native) {
    for (const char* deprecated : {"functions", "function_call"}) {
        if (request.find(deprecated) == nullptr) continue;
        throw invalid_request(
            "'functions' and 'function_call' are deprecated and not supported "
            "by this server; use 'tools' and 'tool_choice'.",
            deprecated, "unsupported_parameter");
    }
    const nlohmann::json* tools = request.array("tools");
    if (tools == nullptr || tools->empty()) return;
    nlohmann::json offered = offered_tools(request, checked_tools(*tools));
    if (!offered.empty()) native["tools"] = std::move(offered);
}

void map_response_format(const Fields& request, nlohmann::json& native) {
    const nlohmann::json* format = request.object("response_format");
    if (format == nullptr) return;
    const Fields fields(*format, "response_format");
    const std::string type = fields.required_string("type");
    if (type == "text") return;
    if (type == "json_object") {
        native["format"] = "json";
    } else if (type == "json_schema") {
        const nlohmann::json* spec = fields.object("json_schema");
        const nlohmann::json* schema =
            spec ? Fields(*spec, "response_format.json_schema").object("schema") : nullptr;
        native["format"] = schema ? *schema : nlohmann::json("json");
    } else {
        throw invalid_request("Invalid value for 'response_format.type': '" + type +
                                  "'. Supported values are: 'text', 'json_object', "
                                  "'json_schema'.",
                              "response_format.type", "invalid_value");
    }
}

}  // namespace

// OpenAI's reasoning effort as Ollama's `think` (same table as Ollama's own OpenAI layer).
nlohmann::json think_for_effort(const std::string& effort, const std::string& param) {
    if (effort == "none") return false;
    if (effort == "minimal") return "low";
    if (effort == "low" || effort == "medium" || effort == "high" || effort == "max") return effort;
    if (effort == "xhigh") return "max";
    throw invalid_request("Invalid value for '" + param + "': '" + effort +
                              "'. Supported values are: 'none', 'minimal', 'low', 'medium', "
                              "'high', 'xhigh', 'max'.",
                          param, "invalid_value");
}

namespace {

void map_reasoning(const Fields& request, nlohmann::json& native) {
    std::optional<std::string> effort = request.string("reasoning_effort");
    std::string param = "reasoning_effort";
    if (const nlohmann::json* reasoning = request.object("reasoning")) {
        if (auto nested = Fields(*reasoning, "reasoning").string("effort")) {
            effort = nested;
            param = "reasoning.effort";
        }
    }
    if (effort && !effort->empty()) native["think"] = think_for_effort(*effort, param);
}

void refuse_unsupported(const Fields& request) {
    if (const nlohmann::json* bias = request.object("logit_bias"); bias && !bias->empty()) {
        throw invalid_request("'logit_bias' is not supported by this server.", "logit_bias",
                              "unsupported_parameter");
    }
    if (request.find("audio") != nullptr) {
        throw invalid_request("Audio output is not supported by this server.", "audio",
                              "unsupported_parameter");
    }
    if (const nlohmann::json* modalities = request.array("modalities")) {
        for (const auto& modality : *modalities) {
            if (modality != "text") {
                throw invalid_request(
                    "Only the 'text' output modality is supported by this "
                    "server.",
                    "modalities", "unsupported_value");
            }
        }
    }
}

}  // namespace

ChatRequest translate_chat_request(const nlohmann::json& body, const ModelDefaultsTable& defaults) {
    const Fields request(body, "");
    ChatRequest out;
    out.model = request.required_string("model");
    const StreamChoice streaming = read_stream_choice(request);
    out.stream = streaming.stream;
    out.include_usage = streaming.include_usage;
    out.choices = static_cast<int>(request.integer("n", 1, 128).value_or(1));
    refuse_unsupported(request);

    nlohmann::json& native = out.native;
    native["model"] = out.model;
    native["messages"] = map_messages(request);
    native["stream"] = out.stream;
    nlohmann::json options = nlohmann::json::object();
    map_sampling(request, options);
    if (!options.empty()) native["options"] = std::move(options);
    map_tools(request, native);
    map_response_format(request, native);
    map_reasoning(request, native);
    if (request.boolean("logprobs").value_or(false)) {
        native["logprobs"] = true;
        if (auto top = request.integer("top_logprobs", 0, 20)) native["top_logprobs"] = *top;
    } else if (request.find("top_logprobs") != nullptr) {
        throw invalid_request("'top_logprobs' requires 'logprobs' to be true.", "top_logprobs",
                              "invalid_value");
    }
    map_native_extras(request, native);
    apply_model_defaults(native, defaults);
    return out;
}

}  // namespace ollama_proxy::openai
