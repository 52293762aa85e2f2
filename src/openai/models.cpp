#include "ollama_proxy/openai/models.hpp"

#include "ollama_proxy/openai/api_error.hpp"
#include "ollama_proxy/openai/encoding.hpp"
#include "ollama_proxy/text.hpp"
#include "openai/native_reply.hpp"

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json model_json(const std::string& id, const json& native) {
    ordered_json out;
    out["id"] = id;
    out["object"] = "model";
    const auto modified = native.find("modified_at");
    std::int64_t created = 0;
    if (modified != native.end() && modified->is_string())
        created = unix_seconds(modified->get<std::string>()).value_or(0);
    out["created"] = created;
    out["owned_by"] = owned_by(id);
    return out;
}

}  // namespace

std::string owned_by(std::string_view id) {
    const auto last = id.rfind('/');
    if (last == std::string_view::npos) return "library";
    const auto before = id.rfind('/', last - 1);
    const auto start = before == std::string_view::npos || last == 0 ? 0 : before + 1;
    const std::string_view owner = id.substr(start, last - start);
    return owner.empty() ? "library" : std::string(owner);
}

std::string model_list(const json& tags) {
    const auto models = tags.is_object() ? tags.find("models") : tags.end();
    if (!tags.is_object() || (models != tags.end() && !models->is_null() && !models->is_array())) {
        throw error_with_status(502, "remote Ollama sent an invalid model list");
    }
    ordered_json data = ordered_json::array();
    if (models != tags.end() && models->is_array()) {
        for (const auto& model : *models) {
            if (!model.is_object()) continue;
            std::string id = model.value("model", std::string());
            if (id.empty()) id = model.value("name", std::string());
            if (!id.empty()) data.push_back(model_json(id, model));
        }
    }
    ordered_json out;
    out["object"] = "list";
    out["data"] = std::move(data);
    return dump(out);
}

std::string model_object(const std::string& id, const json& show) {
    return dump(model_json(id, show.is_object() ? show : json::object()));
}

std::string model_id_from_path(std::string_view tail) {
    std::string id;
    for (std::size_t i = 0; i < tail.size(); ++i) {
        if (tail[i] != '%') {
            id.push_back(tail[i]);
            continue;
        }
        const int high = i + 2 < tail.size() ? hex_digit(tail[i + 1]) : -1;
        const int low = i + 2 < tail.size() ? hex_digit(tail[i + 2]) : -1;
        if (high < 0 || low < 0) {
            throw invalid_request(
                "Invalid model id in the URL: a '%' must be followed by two "
                "hex digits.",
                "model", "invalid_value");
        }
        id.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    if (id.empty()) throw invalid_request("Missing model id in the URL.", "model", "invalid_value");
    return id;
}

}  // namespace ollama_proxy::openai
