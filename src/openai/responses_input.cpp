// Input items of the Responses API as native chat messages: messages with their text and image
// parts, function calls and their outputs, and reasoning.

#include "openai/responses_input.hpp"

#include <map>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;

// The text and images of a message or of a function call's output.
struct Content {
    std::string text;
    json images = json::array();
};

void add_text(Content& content, const std::string& text, std::string_view separator) {
    if (!content.text.empty()) content.text += separator;
    content.text += text;
}

void add_image(const Fields& part, Content& out) {
    if (auto url = part.string("image_url")) {
        out.images.push_back(image_payload(*url, part.path_of("image_url")));
    } else if (part.find("file_id") != nullptr) {
        throw invalid_request(
            "Images by file_id are not supported by this server, which has no Files API; send "
            "the image as a base64 data: URI in 'image_url'.",
            part.path_of("file_id"), "unsupported_value");
    } else {
        throw invalid_request("Missing required parameter: '" + part.path_of("image_url") + "'.",
                              part.path_of("image_url"), "missing_required_parameter");
    }
}

void add_part(const json& part, const std::string& param, std::string_view role,
              std::string_view separator, Content& out) {
    if (!part.is_object()) {
        throw invalid_request("Invalid content part: expected an object.", param, "invalid_type");
    }
    const Fields fields(part, param);
    const std::string type = fields.required_string("type");
    if (type == "input_text" || type == "output_text") {
        add_text(out, fields.string("text").value_or(""), separator);
    } else if (type == "refusal" && role == "assistant") {
        add_text(out, fields.string("refusal").value_or(""), separator);
    } else if (type == "input_image" && role != "assistant") {
        add_image(fields, out);
    } else {
        throw invalid_request("Content parts of type '" + type + "' are not supported in " +
                                  std::string(role) + " content by this server.",
                              param + ".type", "unsupported_value");
    }
}

// A string, or an array of parts whose texts are joined by `separator`.
Content read_content(const json& value, const std::string& param, std::string_view role,
                     std::string_view separator) {
    Content content;
    if (value.is_string()) {
        content.text = value.get<std::string>();
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i)
            add_part(value[i], element_path(param, i), role, separator, content);
    } else {
        throw invalid_request(
            "Invalid type for '" + param + "': expected a string or an array of content parts.",
            param, "invalid_type");
    }
    return content;
}

// The text of a reasoning item: its raw reasoning, else its summary. Ollama's own Responses
// layer sends the raw text as `encrypted_content`, so that is read last.
std::string reasoning_text(const Fields& item) {
    std::string text;
    for (const char* key : {"content", "summary"}) {
        const json* parts = item.array(key);
        for (const auto& part : parts ? *parts : json::array()) {
            if (!part.is_object() || !part.contains("text") || !part["text"].is_string()) continue;
            if (!text.empty()) text += "\n";
            text += part["text"].get<std::string>();
        }
        if (!text.empty()) return text;
    }
    return item.string("encrypted_content").value_or("");
}

// Input items as native messages. Native chat templates want what one assistant turn did in one
// message, so a function_call joins the assistant message before it, and reasoning waits for the
// assistant message or call that followed it.
class InputMapper {
  public:
    // `history`: the stored conversation, whose calls function_call_output items may answer.
    explicit InputMapper(const json& history);

    void add(const json& items, std::size_t index);
    json finish();

  private:
    void add_message(const Fields& item, const json* next);
    void add_function_call(const Fields& item);
    void add_function_call_output(const Fields& item);
    bool folds_into_calls(const json* next) const;
    void attach_thinking(json& message);
    void flush_thinking();

    json messages_ = json::array();
    std::optional<std::string> thinking_;
    std::map<std::string, std::string> call_names_;  // call_id -> function name
};

InputMapper::InputMapper(const json& history) {
    for (const auto& message : history) {
        const json& calls = message.value("tool_calls", json::array());
        for (const auto& call : calls.is_array() ? calls : json::array()) {
            if (call.contains("id") && call["id"].is_string())
                call_names_[call["id"].get<std::string>()] =
                    call["function"].value("name", std::string());
        }
    }
}

void InputMapper::add(const json& items, std::size_t index) {
    const std::string param = element_path("input", index);
    const json& item = items[index];
    if (!item.is_object()) {
        throw invalid_request("Invalid type for '" + param + "': expected an object.", param,
                              "invalid_type");
    }
    const Fields fields(item, param);
    std::string type = fields.string("type").value_or("");
    if (type.empty() && fields.find("role") != nullptr) type = "message";  // the short form
    if (type == "message") {
        add_message(fields, index + 1 < items.size() ? &items[index + 1] : nullptr);
    } else if (type == "function_call") {
        add_function_call(fields);
    } else if (type == "function_call_output") {
        add_function_call_output(fields);
    } else if (type == "reasoning") {
        const std::string text = reasoning_text(fields);
        if (!text.empty()) thinking_ = thinking_ ? *thinking_ + "\n" + text : text;
    } else if (type.empty()) {
        throw invalid_request("Missing required parameter: '" + param + ".type'.", param + ".type",
                              "missing_required_parameter");
    } else {
        throw invalid_request(
            "Input items of type '" + type + "' are not supported by this server.", param + ".type",
            "unsupported_value");
    }
}

void InputMapper::add_message(const Fields& item, const json* next) {
    const std::string role = item.required_string("role");
    if (role != "user" && role != "assistant" && role != "system" && role != "developer") {
        throw invalid_request("Invalid value for '" + item.path_of("role") + "': '" + role +
                                  "'. Supported values are: 'user', 'assistant', 'system', "
                                  "'developer'.",
                              item.path_of("role"), "invalid_value");
    }
    const json* value = item.find("content");
    if (value == nullptr) {
        throw invalid_request("Missing required parameter: '" + item.path_of("content") + "'.",
                              item.path_of("content"), "missing_required_parameter");
    }
    // Parts are separate blocks of one message; a line break keeps them apart, as in chat.
    Content content = read_content(*value, item.path_of("content"), role, "\n");
    if (role == "assistant" && folds_into_calls(next)) {
        // Said between a call and its result: kept with the call, so that the result stays
        // next to it.
        std::string& text = messages_.back()["content"].get_ref<std::string&>();
        text += text.empty() ? content.text : "\n" + content.text;
        return;
    }
    if (role != "assistant") flush_thinking();
    // Chat templates know system, not developer (the system prompt of newer models).
    json message{{"role", role == "developer" ? "system" : role},
                 {"content", std::move(content.text)}};
    if (!content.images.empty()) message["images"] = std::move(content.images);
    if (role == "assistant") attach_thinking(message);
    messages_.push_back(std::move(message));
}

// Whether an assistant message comes right after the calls of the last native message and right
// before the result of one of them.
bool InputMapper::folds_into_calls(const json* next) const {
    if (thinking_ || messages_.empty() || next == nullptr || !next->is_object()) return false;
    const json& last = messages_.back();
    if (last["role"] != "assistant" || !last.contains("tool_calls")) return false;
    if (next->value("type", std::string()) != "function_call_output") return false;
    const auto call_id = next->find("call_id");
    if (call_id == next->end()) return false;
    for (const auto& call : last["tool_calls"]) {
        if (call["id"] == *call_id) return true;
    }
    return false;
}

void InputMapper::add_function_call(const Fields& item) {
    const std::string call_id = item.required_string("call_id");
    const std::string name = item.required_string("name");
    json arguments =
        arguments_object(item.string("arguments").value_or(""), item.path_of("arguments"));
    call_names_[call_id] = name;
    const bool joins = !thinking_ && !messages_.empty() && messages_.back()["role"] == "assistant";
    if (!joins) {
        json message{{"role", "assistant"}, {"content", ""}};
        attach_thinking(message);
        messages_.push_back(std::move(message));
    }
    json& calls = messages_.back()["tool_calls"];
    if (!calls.is_array()) calls = json::array();
    calls.push_back(
        {{"id", call_id},
         {"function",
          {{"index", calls.size()}, {"name", name}, {"arguments", std::move(arguments)}}}});
}

void InputMapper::add_function_call_output(const Fields& item) {
    const std::string call_id = item.required_string("call_id");
    const json* output = item.find("output");
    if (output == nullptr) {
        throw invalid_request("Missing required parameter: '" + item.path_of("output") + "'.",
                              item.path_of("output"), "missing_required_parameter");
    }
    // The parts of one output are pieces of one text, so they are joined as they are.
    Content content = read_content(*output, item.path_of("output"), "tool", "");
    const auto name = call_names_.find(call_id);
    if (name == call_names_.end()) {
        // As at OpenAI: a result needs its call, in this input or in the stored conversation.
        throw invalid_request(
            "No tool call found for function call output with call_id '" + call_id + "'.",
            item.path_of("call_id"), "invalid_value");
    }
    json message{{"role", "tool"},
                 {"content", std::move(content.text)},
                 {"tool_call_id", call_id},
                 {"tool_name", name->second}};
    if (!content.images.empty()) message["images"] = std::move(content.images);
    messages_.push_back(std::move(message));
}

void InputMapper::attach_thinking(json& message) {
    if (!thinking_) return;
    message["thinking"] = std::move(*thinking_);
    thinking_.reset();
}

// Reasoning that no assistant message followed is an assistant turn of its own.
void InputMapper::flush_thinking() {
    if (!thinking_) return;
    json message{{"role", "assistant"}, {"content", ""}};
    attach_thinking(message);
    messages_.push_back(std::move(message));
}

json InputMapper::finish() {
    flush_thinking();
    return std::move(messages_);
}

}  // namespace

json map_input(const Fields& request, const json& history, bool continuing) {
    const json* input = request.find("input");
    if (input == nullptr) {
        if (continuing) return json::array();
        throw invalid_request("Missing required parameter: 'input'.", "input",
                              "missing_required_parameter");
    }
    if (input->is_string()) return json::array({{{"role", "user"}, {"content", *input}}});
    if (!input->is_array()) {
        throw invalid_request(
            "Invalid type for 'input': expected a string or an array of input items.", "input",
            "invalid_type");
    }
    InputMapper mapper(history);
    for (std::size_t i = 0; i < input->size(); ++i)
        mapper.add(*input, i);
    return mapper.finish();
}

}  // namespace ollama_proxy::openai
