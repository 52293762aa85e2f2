#include "ollama_proxy/openai/request_fields.hpp"

#include "ollama_proxy/openai/encoding.hpp"
#include "openai/json_reader.hpp"

#include <algorithm>
#include <cmath>

namespace ollama_proxy::openai {
namespace {

// Depth of the deepest array or object, counted without building anything: nlohmann parses a
// 100,000-deep document fine but overflows the stack when it later dumps or destroys it.
bool deeper_than(std::string_view text, int limit) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit) return true;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return false;
}

// "parse error at line 1, column 9: syntax error while parsing object - ..." without the
// library's prefix and without its echo of the offending text.
std::string describe(const json::parse_error& error) {
    std::string message = error.what();
    const std::size_t prefix_end = message.find("] ");
    if (prefix_end != std::string::npos) message.erase(0, prefix_end + 2);
    const std::size_t echo = message.find("; last read: '");
    if (echo != std::string::npos) message.erase(echo);
    return message;
}

std::string_view type_name(const json& value) {
    if (value.is_number_integer()) return "integer";
    if (value.is_number()) return "number";
    return value.type_name();
}

}  // namespace

json parse_request_body(std::string_view body) {
    std::optional<json> fast = read_json(body, kMaxRequestDepth);
    if (!fast) {
        // The slow path gives the verdict and the message; the depth goes first, as nlohmann
        // would build an over-deep document before anything could refuse it.
        if (deeper_than(body, kMaxRequestDepth)) {
            throw invalid_request("The request body is nested deeper than " +
                                  std::to_string(kMaxRequestDepth) + " levels.");
        }
        try {
            fast = json::parse(body);
        } catch (const json::parse_error& error) {
            throw invalid_request(
                "We could not parse the JSON body of your request (" + describe(error) +
                "). The body must be a JSON object sent with Content-Type: application/json.");
        }
    }
    if (!fast->is_object()) {
        throw invalid_request("The request body must be a JSON object, not " +
                              std::string(type_name(*fast)) + ".");
    }
    return std::move(*fast);
}

json parse_native(std::string_view text) {
    if (auto fast = read_json(text, kMaxRequestDepth)) return std::move(*fast);
    if (deeper_than(text, kMaxRequestDepth)) return json(json::value_t::discarded);
    return json::parse(text, nullptr, false);
}

json parse_native_reply(std::string_view text) {
    static constexpr std::string_view kUnread[] = {
        "model",         "created_at", "total_duration", "load_duration", "prompt_eval_duration",
        "eval_duration", "context",    "remote_model",   "remote_host",   "_debug_info",
        "model_info",    "tensors",    "modelfile",      "template",      "license",
        "projector_info"};
    if (auto fast = read_json(text, kMaxRequestDepth, kUnread)) return std::move(*fast);
    return parse_native(text);  // the reader declined: nlohmann decides, on the whole text
}

const json* Fields::find(std::string_view key) const {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
}

std::string Fields::path_of(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void Fields::wrong_type(std::string_view key, std::string_view expected) const {
    const json* value = find(key);
    throw invalid_request("Invalid type for '" + path_of(key) + "': expected " +
                              std::string(expected) + ", but got " +
                              std::string(value ? type_name(*value) : "null") + ".",
                          path_of(key), "invalid_type");
}

std::optional<std::string> Fields::string(std::string_view key) const {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) wrong_type(key, "a string");
    return value->get<std::string>();
}

std::string Fields::required_string(std::string_view key) const {
    auto value = string(key);
    if (!value || value->empty()) {
        throw invalid_request("Missing required parameter: '" + path_of(key) + "'.", path_of(key),
                              "missing_required_parameter");
    }
    return *value;
}

std::optional<bool> Fields::boolean(std::string_view key) const {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_boolean()) wrong_type(key, "a boolean");
    return value->get<bool>();
}

std::optional<double> Fields::number(std::string_view key, double min, double max) const {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number()) wrong_type(key, "a number");
    const double number = value->get<double>();
    if (!(number >= min && number <= max)) {
        throw invalid_request("Invalid value for '" + path_of(key) + "': " + value->dump() +
                                  " is not between " + json(min).dump() + " and " +
                                  json(max).dump() + ".",
                              path_of(key), "invalid_value");
    }
    return number;
}

std::optional<std::int64_t> Fields::integer(std::string_view key, std::int64_t min,
                                            std::int64_t max) const {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    // 2.0 is accepted as 2, as JSON does not tell them apart; 2.5 is not.
    const bool whole = value->is_number_integer() ||
                       (value->is_number_float() && std::isfinite(value->get<double>()) &&
                        std::floor(value->get<double>()) == value->get<double>() &&
                        std::abs(value->get<double>()) < 9.2e18);
    if (!whole) wrong_type(key, "an integer");
    // An unsigned value above INT64_MAX does not fit any range this function can be given.
    const bool too_big = value->is_number_unsigned() &&
                         value->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX);
    const std::int64_t number = too_big ? 0 : value->get<std::int64_t>();
    if (too_big || number < min || number > max) {
        throw invalid_request("Invalid value for '" + path_of(key) + "': " + value->dump() +
                                  " is not between " + std::to_string(min) + " and " +
                                  std::to_string(max) + ".",
                              path_of(key), "invalid_value");
    }
    return number;
}

const json* Fields::object(std::string_view key) const {
    const json* value = find(key);
    if (value != nullptr && !value->is_object()) wrong_type(key, "an object");
    return value;
}

const json* Fields::array(std::string_view key) const {
    const json* value = find(key);
    if (value != nullptr && !value->is_array()) wrong_type(key, "an array");
    return value;
}

StreamChoice read_stream_choice(const Fields& request) {
    StreamChoice choice;
    choice.stream = request.boolean("stream").value_or(false);
    if (const json* options = request.object("stream_options")) {
        if (!choice.stream) {
            throw invalid_request(
                "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                "stream_options", "invalid_value");
        }
        choice.include_usage =
            Fields(*options, "stream_options").boolean("include_usage").value_or(false);
    }
    return choice;
}

void map_sampling(const Fields& request, json& options) {
    if (auto value = request.number("temperature", 0, 2)) options["temperature"] = *value;
    if (auto value = request.number("top_p", 0, 1)) options["top_p"] = *value;
    if (auto value = request.number("frequency_penalty", -2, 2))
        options["frequency_penalty"] = *value;
    if (auto value = request.number("presence_penalty", -2, 2))
        options["presence_penalty"] = *value;
    if (auto value = request.integer("seed", INT64_MIN, INT64_MAX)) options["seed"] = *value;
    // max_completion_tokens replaced max_tokens; when both are sent the newer one is meant.
    auto limit = request.integer("max_tokens", 0, INT32_MAX);
    if (auto newer = request.integer("max_completion_tokens", 0, INT32_MAX)) limit = newer;
    if (limit) options["num_predict"] = *limit;

    if (const json* stop = request.find("stop")) {
        if (stop->is_string()) {
            options["stop"] = json::array({*stop});
        } else if (stop->is_array()) {
            for (std::size_t i = 0; i < stop->size(); ++i) {
                if (!(*stop)[i].is_string()) {
                    throw invalid_request(
                        "Invalid type for 'stop[" + std::to_string(i) + "]': expected a string.",
                        "stop", "invalid_type");
                }
            }
            options["stop"] = *stop;
        } else {
            throw invalid_request(
                "Invalid type for 'stop': expected a string or an array of "
                "strings.",
                "stop", "invalid_type");
        }
    }
}

void map_native_extras(const Fields& request, json& native) {
    if (const json* options = request.object("options")) {
        json& target = native["options"];
        if (!target.is_object()) target = json::object();
        for (const auto& [key, value] : options->items())
            target[key] = value;
    }
    if (const json* keep_alive = request.find("keep_alive")) {
        if (!keep_alive->is_string() && !keep_alive->is_number()) {
            throw invalid_request(
                "Invalid type for 'keep_alive': expected a duration like \"5m\" or a number of "
                "seconds.",
                "keep_alive", "invalid_type");
        }
        native["keep_alive"] = *keep_alive;
    }
}

std::string element_path(std::string_view base, std::size_t index) {
    return std::string(base) + "[" + std::to_string(index) + "]";
}

std::string image_payload(const std::string& url, const std::string& param) {
    if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) {
        throw invalid_request(
            "Image URLs are not supported by this server: it does not fetch anything on a "
            "client's behalf. Send the image inline as a base64 data: URI "
            "(data:image/png;base64,...).",
            param, "unsupported_value");
    }
    const auto comma = url.find(',');
    const std::string_view header = std::string_view(url).substr(0, comma);
    const bool data_uri = url.rfind("data:", 0) == 0 && comma != std::string::npos &&
                          header.size() >= 12 && header.substr(header.size() - 7) == ";base64";
    if (!data_uri) {
        throw invalid_request(
            "Invalid image: expected a base64 data: URI "
            "(data:image/png;base64,...).",
            param, "invalid_value");
    }
    std::string payload = url.substr(comma + 1);
    if (!is_base64(payload)) {
        throw invalid_request("Invalid image: the data: URI does not hold valid base64.", param,
                              "invalid_value");
    }
    return payload;
}

json arguments_object(const std::string& text, const std::string& param) {
    // Clients send "" for a call without arguments; it means the empty object.
    json arguments = text.empty() ? json::object() : parse_native(text);
    if (!arguments.is_object()) {
        throw invalid_request(
            "Invalid value for '" + param + "': expected a JSON object encoded as a string.", param,
            "invalid_value");
    }
    return arguments;
}

namespace {

// The function names an object tool_choice allows. Chat nests them (`function: {name}`,
// `allowed_tools: {tools: [{function: {name}}]}`), the Responses API does not (`name`,
// `tools: [{name}]`).
std::vector<std::string> allowed_names(const Fields& choice) {
    const std::string type = choice.required_string("type");
    if (type == "function") {
        const json* function = choice.object("function");
        return {function ? Fields(*function, "tool_choice.function").required_string("name")
                         : choice.required_string("name")};
    }
    if (type != "allowed_tools") {
        throw invalid_request("Unsupported tool_choice type '" + type + "'.", "tool_choice.type",
                              "unsupported_value");
    }
    const json* nested = choice.object("allowed_tools");
    const json* list = nested ? Fields(*nested, "tool_choice.allowed_tools").array("tools")
                              : choice.array("tools");
    std::vector<std::string> names;
    for (const auto& entry : list ? *list : json::array()) {
        if (!entry.is_object()) continue;
        const json& named = entry.contains("function") ? entry["function"] : entry;
        if (named.is_object() && named.contains("name") && named["name"].is_string())
            names.push_back(named["name"]);
    }
    return names;
}

}  // namespace

json offered_tools(const Fields& request, const json& tools) {
    const json* choice = request.find("tool_choice");
    if (choice == nullptr || (choice->is_string() && (*choice == "auto" || *choice == "required")))
        return tools;
    if (choice->is_string() && *choice == "none") return json::array();
    if (!choice->is_object()) {
        throw invalid_request(
            "Invalid value for 'tool_choice': expected 'none', 'auto', "
            "'required' or an object.",
            "tool_choice", "invalid_value");
    }
    const std::vector<std::string> allowed = allowed_names(Fields(*choice, "tool_choice"));
    json out = json::array();
    for (const auto& tool : tools) {
        const std::string name = tool["function"]["name"].get<std::string>();
        if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) out.push_back(tool);
    }
    if (out.empty()) {
        throw invalid_request("tool_choice names a function that is not among 'tools'.",
                              "tool_choice", "invalid_value");
    }
    return out;
}

std::string normalized_model_name(std::string_view name) {
    std::string out(name);
    for (const std::string_view prefix : {"registry.ollama.ai/", "library/"}) {
        if (out.rfind(prefix, 0) == 0) out.erase(0, prefix.size());
    }
    const auto slash = out.rfind('/');
    if (out.find(':', slash == std::string::npos ? 0 : slash) == std::string::npos)
        out += ":latest";
    return out;
}

namespace {

void fill_unset(json& native, const ModelDefaults& defaults) {
    if (!defaults.options.empty()) {
        json& options = native["options"];
        if (!options.is_object()) options = json::object();
        for (const auto& [key, value] : defaults.options.items()) {
            if (!options.contains(key)) options[key] = value;
        }
    }
    if (!defaults.keep_alive.is_null() && !native.contains("keep_alive"))
        native["keep_alive"] = defaults.keep_alive;
}

const ModelDefaults* entry_for(const ModelDefaultsTable& table, const std::string& model) {
    if (const auto exact = table.find(model); exact != table.end()) return &exact->second;
    const std::string wanted = normalized_model_name(model);
    for (const auto& [name, defaults] : table) {
        if (name != "*" && normalized_model_name(name) == wanted) return &defaults;
    }
    return nullptr;
}

}  // namespace

// The model's own entry first, then "*" for whatever is still unset.
void apply_model_defaults(json& native, const ModelDefaultsTable& table) {
    if (table.empty()) return;
    const std::string model = native.value("model", std::string());
    if (const ModelDefaults* own = entry_for(table, model)) fill_unset(native, *own);
    if (const auto any = table.find("*"); any != table.end()) fill_unset(native, any->second);
}

}  // namespace ollama_proxy::openai
