// The client keys: auth.tokens (config file or environment), auth.tokensFile (a file of its own,
// re-read on reload) and auth.adminKey. A key's value never appears in a message: only where
// it was written.

#include "config/settings.hpp"
#include "ollama_proxy/auth/key_store.hpp"

#include <algorithm>
#include <climits>
#include <fstream>
#include <map>
#include <sstream>

namespace ollama_proxy::settings {
namespace {

using nlohmann::json;

constexpr std::string_view kTokenShape =
    "an object {key, limitPerMinute?, limitTokensPerMinute?, maxConcurrent?, name?}";

std::optional<std::string> check_count(const json& token, const std::string& at, const char* member,
                                       long long max, const char* what) {
    if (!token.contains(member)) return std::nullopt;
    const json& value = token[member];
    if (value.is_number_integer() && in_range(value, 1, max)) return std::nullopt;
    return at + "." + member + ": " + shown(value) + " is not " + what + " (an integer >= 1)";
}

std::optional<std::string> check_token_members(const json& token, const std::string& at) {
    static const std::vector<std::string> kMembers{"key", "limitPerMinute", "limitTokensPerMinute",
                                                   "maxConcurrent", "name"};
    for (const auto& [member, value] : token.items()) {
        if (std::find(kMembers.begin(), kMembers.end(), member) == kMembers.end()) {
            std::vector<std::string> known;
            for (const auto& name : kMembers)
                known.push_back(at + "." + name);
            return unknown_key(at + "." + member, known);
        }
    }
    if (token.contains("name") && !token["name"].is_string()) {
        return at + ".name: expected a string, got " + token["name"].type_name();
    }
    if (auto problem =
            check_count(token, at, "limitPerMinute", UINT_MAX, "a number of requests per minute"))
        return problem;
    if (auto problem = check_count(token, at, "limitTokensPerMinute", LLONG_MAX,
                                   "a number of tokens per minute"))
        return problem;
    return check_count(token, at, "maxConcurrent", INT_MAX, "a number of requests in flight");
}

// A key as written: plaintext, or "sha256:" and the digest of the plaintext.
std::optional<std::string> check_key_text(const json& key, const std::string& at) {
    if (!key.is_string()) return at + ": expected a non-empty string, got " + key.type_name();
    const std::string text = key.get<std::string>();
    if (text.empty()) return at + ": is empty";
    // A printed config loaded back must not let "<redacted>" itself open the door.
    if (text == kRedacted) {
        return at + ": is the \"<redacted>\" placeholder of --print-config; put the real key";
    }
    if (text.rfind("sha256:", 0) == 0 && !auth::is_digest_spelling(text)) {
        return at +
               ": a key written \"sha256:...\" must be followed by 64 hex digits (the SHA-256 of "
               "the key)";
    }
    return std::nullopt;
}

std::optional<std::string> check_token_list(const json& tokens, const std::string& prefix) {
    for (std::size_t index = 0; index < tokens.size(); ++index) {
        const json& token = tokens[index];
        const std::string at = prefix + "[" + std::to_string(index) + "]";
        if (!token.is_object()) {
            return at + ": expected " + std::string(kTokenShape) + ", got " + token.type_name();
        }
        if (auto problem = check_token_members(token, at)) return problem;
        if (!token.contains("key")) return at + ".key: is missing (each token needs a key)";
        if (auto problem = check_key_text(token["key"], at + ".key")) return problem;
    }
    return std::nullopt;
}

template <typename T>
std::optional<T> optional_member(const json& token, const char* member) {
    if (!token.contains(member)) return std::nullopt;
    return token[member].get<T>();
}

std::vector<AuthToken> tokens_from_json(const json& tokens) {
    std::vector<AuthToken> out;
    for (const json& token : tokens) {
        AuthToken entry;
        entry.key = token["key"].get<std::string>();
        entry.limit_per_minute = optional_member<unsigned>(token, "limitPerMinute");
        entry.limit_tokens_per_minute =
            optional_member<std::uint64_t>(token, "limitTokensPerMinute");
        entry.max_concurrent = optional_member<unsigned>(token, "maxConcurrent");
        if (token.contains("name")) entry.name = token["name"].get<std::string>();
        out.push_back(std::move(entry));
    }
    return out;
}

json tokens_to_json(const std::vector<AuthToken>& tokens) {
    json out = json::array();
    for (const AuthToken& token : tokens) {
        json entry{{"key", token.key}};
        if (token.limit_per_minute) entry["limitPerMinute"] = *token.limit_per_minute;
        if (token.limit_tokens_per_minute)
            entry["limitTokensPerMinute"] = *token.limit_tokens_per_minute;
        if (token.max_concurrent) entry["maxConcurrent"] = *token.max_concurrent;
        if (!token.name.empty()) entry["name"] = token.name;
        out.push_back(std::move(entry));
    }
    return out;
}

}  // namespace

Setting tokens_setting() {
    Setting setting;
    setting.key = "auth.tokens";
    setting.env = "OLLAMA_PROXY_AUTH_TOKENS";
    setting.help = "client keys (JSON array)";
    setting.allowed = "an array of " + std::string(kTokenShape);
    setting.kind = Kind::Tokens;
    setting.secret = true;
    setting.check = [](const json& tokens) { return check_token_list(tokens, "auth.tokens"); };
    setting.store = [](Config& config, const json& value) {
        config.auth.tokens = tokens_from_json(value);
    };
    setting.load = [](const Config& config) { return tokens_to_json(config.auth.tokens); };
    return setting;
}

Setting admin_key_setting() {
    Setting setting;
    setting.key = "auth.adminKey";
    setting.flags = "--auth-admin-key";
    setting.env = "OLLAMA_PROXY_AUTH_ADMIN_KEY";
    setting.help = "key that opens /metrics and /_proxy/* to non-loopback callers";
    setting.allowed = "a string (the key, or sha256:<64 hex digits>)";
    setting.secret = true;
    setting.check = [](const json& key) -> std::optional<std::string> {
        if (key.is_string() && key.get<std::string>().empty()) return std::nullopt;
        return check_key_text(key, "auth.adminKey");
    };
    setting.store = [](Config& config, const json& value) {
        config.auth.admin_key = value.get<std::string>();
    };
    setting.load = [](const Config& config) { return json(config.auth.admin_key); };
    return setting;
}

std::variant<std::vector<AuthToken>, ConfigError> read_tokens_file(const std::string& path) {
    const std::string at = "auth.tokensFile " + in_quotes(path);
    std::ifstream file(path, std::ios::binary);
    if (!file) return ConfigError{at + ": cannot be read"};
    std::ostringstream text;
    text << file.rdbuf();
    auto parsed = parse_json(text.str());
    if (!parsed.ok()) return ConfigError{at + ": " + parsed.error};
    json tokens = std::move(*parsed.value);
    if (tokens.is_object() && tokens.size() == 1 && tokens.contains("tokens"))
        tokens = std::move(tokens["tokens"]);
    if (!tokens.is_array()) {
        return ConfigError{at + ": expected an array of tokens or {\"tokens\": [...]}, got " +
                           std::string(tokens.type_name())};
    }
    if (auto problem = check_token_list(tokens, at)) return ConfigError{*problem};
    return tokens_from_json(tokens);
}

}  // namespace ollama_proxy::settings
