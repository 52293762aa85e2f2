// The request half of the Responses API: input (responses_input.cpp), instructions, tools and
// options rewritten as a native /api/chat body, after the stored conversation when
// previous_response_id names one. Whatever cannot be honoured is refused with a 400 naming the
// field.

#include "ollama_proxy/openai/request_fields.hpp"
#include "ollama_proxy/openai/responses.hpp"
#include "openai/responses_input.hpp"

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

std::shared_ptr<const StoredTurn> previous_turn(const std::string& id, ResponseStore* store) {
    std::shared_ptr<const StoredTurn> turn = store != nullptr ? store->find(id) : nullptr;
    if (!turn) {
        // A 404, as for any object that does not exist (or is no longer kept), with OpenAI's
        // code and wording, which clients look for to start a new conversation.
        ApiError error =
            error_with_status(404, "Previous response with id '" + id + "' not found.");
        error.param = "previous_response_id";
        error.code = "previous_response_not_found";
        throw error;
    }
    return turn;
}

json native_tool(const json& tool, const std::string& param) {
    if (!tool.is_object()) {
        throw invalid_request("Invalid tool: expected an object.", param, "invalid_type");
    }
    const Fields fields(tool, param);
    const std::string type = fields.required_string("type");
    if (type != "function") {
        throw invalid_request("Tools of type '" + type +
                                  "' are not supported by this server; only 'function' tools are.",
                              param + ".type", "unsupported_value");
    }
    // The Responses API spells a function tool flat; the native one nests it as chat does.
    // `strict` has no native counterpart: Ollama does not constrain arguments to the schema.
    json function{{"name", fields.required_string("name")}};
    if (auto description = fields.string("description")) function["description"] = *description;
    if (const json* parameters = fields.object("parameters")) function["parameters"] = *parameters;
    fields.boolean("strict");
    return {{"type", "function"}, {"function", std::move(function)}};
}

void map_tools(const Fields& request, json& native) {
    const json* tools = request.array("tools");
    if (tools == nullptr || tools->empty()) return;
    json converted = json::array();
    for (std::size_t i = 0; i < tools->size(); ++i)
        converted.push_back(native_tool((*tools)[i], element_path("tools", i)));
    json offered = offered_tools(request, converted);
    if (!offered.empty()) native["tools"] = std::move(offered);
}

void check_one_of(const Fields& fields, std::string_view key,
                  std::initializer_list<std::string_view> allowed) {
    const auto value = fields.string(key);
    if (!value) return;
    std::string list;
    for (const std::string_view option : allowed) {
        if (*value == option) return;
        list += (list.empty() ? "'" : ", '") + std::string(option) + "'";
    }
    throw invalid_request("Invalid value for '" + fields.path_of(key) + "': '" + *value +
                              "'. Supported values are: " + list + ".",
                          fields.path_of(key), "invalid_value");
}

// text.format: the schema fields are flat here, where chat nests them under json_schema.
void map_text(const Fields& request, json& native) {
    const json* text = request.object("text");
    if (text == nullptr) return;
    const Fields fields(*text, "text");
    check_one_of(fields, "verbosity", {"low", "medium", "high"});
    const json* format = fields.object("format");
    if (format == nullptr) return;
    const Fields spec(*format, "text.format");
    const std::string type = spec.required_string("type");
    if (type == "text") return;
    if (type == "json_object") {
        native["format"] = "json";
    } else if (type == "json_schema") {
        spec.required_string("name");
        const json* schema = spec.object("schema");
        if (schema == nullptr) {
            throw invalid_request("Missing required parameter: 'text.format.schema'.",
                                  "text.format.schema", "missing_required_parameter");
        }
        native["format"] = *schema;
    } else {
        throw invalid_request("Invalid value for 'text.format.type': '" + type +
                                  "'. Supported values are: 'text', 'json_object', "
                                  "'json_schema'.",
                              "text.format.type", "invalid_value");
    }
}

void map_reasoning(const Fields& request, json& native) {
    const json* reasoning = request.object("reasoning");
    if (reasoning == nullptr) return;
    const Fields fields(*reasoning, "reasoning");
    check_one_of(fields, "summary", {"auto", "concise", "detailed"});
    const auto effort = fields.string("effort");
    if (effort && !effort->empty()) native["think"] = think_for_effort(*effort, "reasoning.effort");
}

// Unset sampling fields are not sent, so the model's own defaults apply (Ollama's layer sends
// temperature 1.0 instead).
void map_options(const Fields& request, json& native) {
    json options = json::object();
    if (auto value = request.number("temperature", 0, 2)) options["temperature"] = *value;
    if (auto value = request.number("top_p", 0, 1)) options["top_p"] = *value;
    if (auto value = request.integer("max_output_tokens", 16, INT32_MAX))
        options["num_predict"] = *value;
    if (!options.empty()) native["options"] = std::move(options);
}

void refuse_unsupported(const Fields& request) {
    if (request.boolean("background").value_or(false)) {
        throw invalid_request("Background responses are not supported by this server.",
                              "background", "unsupported_value");
    }
    for (const char* field : {"conversation", "prompt"}) {
        if (request.find(field) == nullptr) continue;
        throw invalid_request("'" + std::string(field) +
                                  "' is not supported by this server; send the input, and "
                                  "previous_response_id to continue a conversation.",
                              field, "unsupported_parameter");
    }
    if (request.integer("top_logprobs", 0, 20).value_or(0) != 0) {
        throw invalid_request("'top_logprobs' is not supported by this server.", "top_logprobs",
                              "unsupported_parameter");
    }
}

ordered_json given_or(const Fields& request, std::string_view key, ordered_json fallback) {
    const json* value = request.find(key);
    return value != nullptr ? ordered_json(*value) : fallback;
}

// The fields of the object `key` of the request, or of an empty object.
Fields nested(const Fields& request, std::string_view key) {
    static const json kEmpty = json::object();
    const json* value = request.object(key);
    return Fields(value != nullptr ? *value : kEmpty, request.path_of(key));
}

// The request fields a response object repeats, already checked by the mappings above.
ordered_json echo_of(const Fields& request, const ResponsesRequest& translated) {
    ordered_json echo;
    echo["instructions"] = given_or(request, "instructions", nullptr);
    echo["max_output_tokens"] = given_or(request, "max_output_tokens", nullptr);
    echo["model"] = translated.model;
    echo["output"] = ordered_json::array();
    echo["parallel_tool_calls"] = request.boolean("parallel_tool_calls").value_or(true);
    echo["previous_response_id"] = given_or(request, "previous_response_id", nullptr);
    const Fields reasoning_fields = nested(request, "reasoning");
    echo["reasoning"]["effort"] = given_or(reasoning_fields, "effort", nullptr);
    echo["reasoning"]["summary"] = given_or(reasoning_fields, "summary", nullptr);
    echo["store"] = translated.store;
    echo["temperature"] = given_or(request, "temperature", nullptr);
    const Fields text_fields = nested(request, "text");
    echo["text"]["format"] = given_or(text_fields, "format", {{"type", "text"}});
    if (const json* verbosity = text_fields.find("verbosity"))
        echo["text"]["verbosity"] = *verbosity;
    echo["tool_choice"] = given_or(request, "tool_choice", "auto");
    echo["tools"] = given_or(request, "tools", ordered_json::array());
    echo["top_p"] = given_or(request, "top_p", nullptr);
    echo["truncation"] = given_or(request, "truncation", "disabled");
    echo["usage"] = nullptr;
    echo["metadata"] = given_or(request, "metadata", ordered_json::object());
    return echo;
}

}  // namespace

ResponsesRequest translate_responses_request(const json& body, const ModelDefaultsTable& defaults,
                                             ResponseStore* store) {
    const Fields request(body, "");
    ResponsesRequest out;
    out.model = request.required_string("model");
    out.stream = read_stream_choice(request).stream;
    out.store = request.boolean("store").value_or(true);
    refuse_unsupported(request);
    // Checked only: the response repeats them, but nothing native corresponds to them.
    check_one_of(request, "truncation", {"auto", "disabled"});
    request.boolean("parallel_tool_calls");
    request.object("metadata");

    json history = json::array();
    if (auto previous_id = request.string("previous_response_id")) {
        out.previous = previous_turn(*previous_id, store);
        history = out.previous->conversation();
    }
    out.input = map_input(request, history, out.previous != nullptr);

    json& native = out.native;
    native["model"] = out.model;
    json& messages = native["messages"] = json::array();
    // Instructions lead every request afresh: those of earlier turns are not carried over.
    if (auto instructions = request.string("instructions"); instructions && !instructions->empty())
        messages.push_back({{"role", "system"}, {"content", *instructions}});
    for (auto& message : history)
        messages.push_back(std::move(message));
    for (const auto& message : out.input)
        messages.push_back(message);
    native["stream"] = out.stream;
    map_options(request, native);
    map_tools(request, native);
    map_text(request, native);
    map_reasoning(request, native);
    map_native_extras(request, native);
    apply_model_defaults(native, defaults);
    out.echo = echo_of(request, out);
    return out;
}

}  // namespace ollama_proxy::openai
