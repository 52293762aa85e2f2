// The one table of settings behind the config file, the environment, the command line and
// --print-config, plus the "layer" those sources are turned into before they touch a Config.
#pragma once

#include "ollama_proxy/config.hpp"
#include "ollama_proxy/remote_url.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ollama_proxy::settings {

// How a value is written: decides the JSON type a file must use and how environment and
// command-line text is converted.
// List: an array of strings in a file; comma-separated text in the environment and on the
// command line.
enum class Kind { Text, Bool, Integer, Seconds, Tokens, Object, List };

struct Setting {
    std::string_view key;    // dotted path in the config file, e.g. "remote.port"
    std::string_view flags;  // CLI11 names, e.g. "--host,--local-host"; empty: file/env only
    std::string_view env;    // environment variable
    std::string_view help;   // one line for --help
    std::string allowed;     // what is allowed, for messages: "a port (1-65535)"
    Kind kind = Kind::Text;
    bool secret = false;  // never echoed; replaced by "<redacted>" when printed
    // Judges a value of the right JSON type; returns the whole message ("key: ...") or nothing.
    std::function<std::optional<std::string>(const nlohmann::json&)> check;
    std::function<void(Config&, const nlohmann::json&)> store;  // called only after `check`
    std::function<nlohmann::json(const Config&)> load;
};

const std::vector<Setting>& all();

// The per-model defaults ("models": {"name" or "*": {"options": {...}, "keep_alive": ...}}).
Setting models_setting();
const Setting* find(std::string_view key);

// auth.tokens, and auth.adminKey (a secret that may be spelled "sha256:<hex>").
Setting tokens_setting();
Setting admin_key_setting();

// Reads auth.tokensFile: a JSON array of tokens, or an object {"tokens": [...]}.
std::variant<std::vector<AuthToken>, ConfigError> read_tokens_file(const std::string& path);

// Dotted names a config file may contain: every key and every section ("remote", "auth", ...).
std::vector<std::string> known_names();

// The known name nearest to `name` when it is a likely typo (edit distance <= 2).
std::optional<std::string> closest(std::string_view name, const std::vector<std::string>& known);

// One value from one source, still as JSON; `origin` says where it came from for messages
// ("config file a.json", "environment OLLAMA_PROXY_PORT", "option --port").
struct Entry {
    const Setting* setting = nullptr;
    nlohmann::json value;
    std::string origin;
};

using Layer = std::vector<Entry>;

// Type-checks, checks and stores every entry. remote.host goes last: a URL's protocol, port and
// path belong to the same layer and must agree with that layer's own remote.* values.
std::optional<ConfigError> apply_layer(Config& config, const Layer& layer);

// Reads a JSON config file into a layer.
std::variant<Layer, ConfigError> read_config_file(const std::string& path);

// Reads the whole file into `text`; 0, or the errno of the failure (taken before closing can
// overwrite it).
int read_file(const std::string& path, std::string& text);

// Parses JSON text with a nesting bound. The error names the byte position and the reason but
// never echoes the text, which may hold a secret.
ParseResult<nlohmann::json> parse_json(std::string_view text);

// "unknown key \"remote.hots\" (did you mean \"remote.host\"?)"
std::string unknown_key(std::string_view name, const std::vector<std::string>& known);

// A string as a JSON string literal: quoted, control characters escaped, bad UTF-8 replaced.
std::string in_quotes(std::string_view text);

std::string lowercase(std::string_view text);

// A JSON value as compact text, for messages.
std::string shown(const nlohmann::json& value);

// Whether an integer JSON value lies in [min, max].
bool in_range(const nlohmann::json& value, long long min, long long max);

// What a secret is shown as.
inline constexpr std::string_view kRedacted = "<redacted>";

}  // namespace ollama_proxy::settings
