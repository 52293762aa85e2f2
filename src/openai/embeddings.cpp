#include "ollama_proxy/openai/embeddings.hpp"

#include "ollama_proxy/openai/encoding.hpp"
#include "ollama_proxy/openai/request_fields.hpp"
#include "openai/native_reply.hpp"

#include <vector>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::size_t kMaxInputs = 2048;

ApiError token_input_error() {
    return invalid_request(
        "Token arrays are not supported as 'input' by this server: Ollama "
        "embeds text. Send a string or an array of strings.",
        "input", "unsupported_value");
}

json read_input(const Fields& request, std::size_t& count) {
    const json* input = request.find("input");
    if (input == nullptr) {
        throw invalid_request("Missing required parameter: 'input'.", "input",
                              "missing_required_parameter");
    }
    if (input->is_string()) {
        if (input->get<std::string>().empty()) {
            throw invalid_request("Invalid 'input': the string must not be empty.", "input",
                                  "invalid_value");
        }
        count = 1;
        return *input;
    }
    if (!input->is_array()) {
        throw invalid_request(
            "Invalid type for 'input': expected a string or an array of "
            "strings.",
            "input", "invalid_type");
    }
    if (input->empty() || input->size() > kMaxInputs) {
        throw invalid_request("Invalid 'input': expected an array of 1 to 2048 strings.", "input",
                              "invalid_value");
    }
    for (std::size_t i = 0; i < input->size(); ++i) {
        const json& item = (*input)[i];
        if (!item.is_string()) throw token_input_error();
        if (item.get<std::string>().empty()) {
            throw invalid_request(
                "Invalid 'input[" + std::to_string(i) + "]': strings must not be empty.", "input",
                "invalid_value");
        }
    }
    count = input->size();
    return *input;
}

bool wants_base64(const Fields& request) {
    const auto format = request.string("encoding_format");
    if (!format) return false;
    std::string lower;
    for (const char c : *format)
        lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
    if (lower == "float") return false;
    if (lower == "base64") return true;
    throw invalid_request("Invalid value for 'encoding_format': '" + *format +
                              "'. Supported values are: 'float', 'base64'.",
                          "encoding_format", "invalid_value");
}

ApiError bad_reply(const std::string& why) {
    return error_with_status(502, "remote Ollama sent an invalid embedding reply: " + why);
}

}  // namespace

EmbeddingRequest translate_embedding_request(const json& body, const ModelDefaultsTable& defaults) {
    const Fields request(body, "");
    EmbeddingRequest out;
    out.model = request.required_string("model");
    out.native["model"] = out.model;
    out.native["input"] = read_input(request, out.inputs);
    out.base64 = wants_base64(request);
    if (auto dimensions = request.integer("dimensions", 1, 1 << 20))
        out.native["dimensions"] = *dimensions;
    if (auto truncate = request.boolean("truncate")) out.native["truncate"] = *truncate;
    map_native_extras(request, out.native);
    apply_model_defaults(out.native, defaults);
    return out;
}

std::string embedding_list(const json& reply, const EmbeddingRequest& request) {
    const auto vectors = reply.is_object() ? reply.find("embeddings") : reply.end();
    if (!reply.is_object() || vectors == reply.end() || !vectors->is_array())
        throw bad_reply("no embeddings");
    if (vectors->size() != request.inputs) {
        throw bad_reply(std::to_string(vectors->size()) + " vectors for " +
                        std::to_string(request.inputs) + " inputs");
    }
    ordered_json data = ordered_json::array();
    std::vector<float> floats;
    for (std::size_t i = 0; i < vectors->size(); ++i) {
        const json& vector = (*vectors)[i];
        if (!vector.is_array()) throw bad_reply("a vector is not an array");
        ordered_json item;
        item["object"] = "embedding";
        item["index"] = i;
        if (request.base64) {
            floats.clear();
            for (const auto& value : vector) {
                if (!value.is_number()) throw bad_reply("a vector holds a non-number");
                floats.push_back(value.get<float>());
            }
            item["embedding"] = float32_base64(floats);
        } else {
            for (const auto& value : vector) {
                if (!value.is_number()) throw bad_reply("a vector holds a non-number");
            }
            item["embedding"] = vector;
        }
        data.push_back(std::move(item));
    }
    const std::int64_t tokens = reply.value("prompt_eval_count", std::int64_t{0});
    ordered_json out;
    out["object"] = "list";
    out["data"] = std::move(data);
    out["model"] = request.model;
    out["usage"]["prompt_tokens"] = tokens;
    out["usage"]["total_tokens"] = tokens;
    return dump(out);
}

}  // namespace ollama_proxy::openai
