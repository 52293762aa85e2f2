// The "models" setting: per-model native defaults for OpenAI requests, checked at start-up so
// that a typo is refused with its path rather than silently never applied.

#include "config/settings.hpp"

namespace ollama_proxy::settings {
namespace {

using nlohmann::json;

std::optional<std::string> check_entry(const std::string& at, const json& entry) {
    if (!entry.is_object()) {
        return at + ": expected an object {\"options\": {...}, \"keep_alive\": ...}, got " +
               entry.type_name();
    }
    for (const auto& [name, value] : entry.items()) {
        if (name == "options") {
            if (!value.is_object()) {
                return at +
                       ".options: expected an object of native options (e.g. "
                       "{\"num_ctx\": 8192}), got " +
                       std::string(value.type_name());
            }
        } else if (name == "keep_alive") {
            if (!value.is_string() && !value.is_number()) {
                return at +
                       ".keep_alive: expected a duration like \"10m\" or a number of "
                       "seconds, got " +
                       std::string(value.type_name());
            }
        } else {
            return at + ": unknown key " + in_quotes(name) + " (allowed: options, keep_alive)";
        }
    }
    return std::nullopt;
}

std::optional<std::string> check_models(const json& models) {
    for (const auto& [name, entry] : models.items()) {
        if (name.empty()) return std::string("models: a model name must not be empty");
        if (auto problem = check_entry("models." + in_quotes(name), entry)) return problem;
    }
    return std::nullopt;
}

ModelDefaultsTable models_from_json(const json& models) {
    ModelDefaultsTable table;
    for (const auto& [name, entry] : models.items()) {
        ModelDefaults defaults;
        if (entry.contains("options")) defaults.options = entry["options"];
        if (entry.contains("keep_alive")) defaults.keep_alive = entry["keep_alive"];
        table.emplace(name, std::move(defaults));
    }
    return table;
}

json models_to_json(const ModelDefaultsTable& table) {
    json out = json::object();
    for (const auto& [name, defaults] : table) {
        json entry = json::object();
        if (!defaults.options.empty()) entry["options"] = defaults.options;
        if (!defaults.keep_alive.is_null()) entry["keep_alive"] = defaults.keep_alive;
        out[name] = std::move(entry);
    }
    return out;
}

}  // namespace

Setting models_setting() {
    Setting setting;
    setting.key = "models";
    setting.env = "OLLAMA_PROXY_MODELS";
    setting.help = "per-model native defaults for OpenAI requests (JSON object)";
    setting.allowed = "an object {\"<model or *>\": {\"options\": {...}, \"keep_alive\": \"10m\"}}";
    setting.kind = Kind::Object;
    setting.check = check_models;
    setting.store = [](Config& config, const json& value) {
        config.models = models_from_json(value);
    };
    setting.load = [](const Config& config) { return models_to_json(config.models); };
    return setting;
}

}  // namespace ollama_proxy::settings
