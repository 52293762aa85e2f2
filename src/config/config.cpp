// Validation of a merged configuration, and the ways a configuration is shown.

#include "ollama_proxy/config.hpp"

#include "config/settings.hpp"
#include "ollama_proxy/auth/key_store.hpp"
#include "ollama_proxy/remote_url.hpp"
#include "ollama_proxy/target_path.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

namespace ollama_proxy {

// --- validation -----------------------------------------------------------------------------

namespace {

using settings::in_quotes;

bool is_ipv4_loopback(std::string_view host) {
    // Dotted quad whose first octet is 127; anything that is not a dotted quad is not an IPv4.
    int octets = 0;
    std::size_t start = 0;
    int first = -1;
    while (start <= host.size()) {
        std::size_t end = host.find('.', start);
        if (end == std::string_view::npos) end = host.size();
        const std::string_view part = host.substr(start, end - start);
        if (part.empty() || part.size() > 3 ||
            !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return false;
        }
        const int value = std::stoi(std::string(part));
        if (value > 255) return false;
        if (octets++ == 0) first = value;
        start = end + 1;
    }
    return octets == 4 && first == 127;
}

bool is_loopback(std::string_view host) {
    const std::string lower = settings::lowercase(host);
    if (lower == "localhost" || lower == "localhost." || lower == "::1") return true;
    if (lower.rfind("::ffff:", 0) == 0) return is_ipv4_loopback(lower.substr(7));
    return is_ipv4_loopback(lower);
}

bool is_wildcard(std::string_view host) {
    return host == "0.0.0.0" || host == "::";
}

// Connecting to a wildcard address reaches this machine, so it counts as local on both sides.
bool is_local(std::string_view host) {
    return is_loopback(host) || is_wildcard(host);
}

std::string host_and_port(std::string_view host, std::uint16_t port) {
    const bool v6 = host.find(':') != std::string_view::npos;
    return (v6 ? "[" + std::string(host) + "]" : std::string(host)) + ":" + std::to_string(port);
}

// Pure string logic, no DNS: catches the common mistakes, not every alias of this machine.
std::optional<ConfigError> check_loop(const Config& config) {
    const RemoteConfig& remote = config.remote;
    const ServerConfig& server = config.server;
    if (server.port == 0 || remote.port != server.port) return std::nullopt;
    const bool same = settings::lowercase(remote.host) == settings::lowercase(server.host);
    if (!same && !(is_local(server.host) && is_local(remote.host))) return std::nullopt;
    return ConfigError{"remote.host: " + host_and_port(remote.host, remote.port) +
                       " is this proxy's own listener (it would forward to itself)"};
}

std::optional<ConfigError> check_ca_file(const RemoteConfig& remote) {
    if (remote.ca_file.empty()) return std::nullopt;
    std::error_code error;
    if (std::filesystem::is_directory(remote.ca_file, error)) {
        return ConfigError{"remote.caFile: " + in_quotes(remote.ca_file) +
                           " is a directory (allowed: a readable PEM file)"};
    }
    std::ifstream file(remote.ca_file);
    if (!file) {
        return ConfigError{"remote.caFile: " + in_quotes(remote.ca_file) +
                           " cannot be read: " + std::strerror(errno)};
    }
    return std::nullopt;
}

// Configs built in code skip the layers' normalisation; the relay relies on the normal form.
std::optional<ConfigError> check_normal_form(std::string_view key, const std::string& path) {
    const auto normal = normalize_base_path(path);
    if (!normal.ok() || *normal.value == path) return std::nullopt;
    return ConfigError{std::string(key) + ": " + in_quotes(path) +
                       " is not in normal form (write " + in_quotes(*normal.value) + ")"};
}

// Where each key was written, for messages that must not show the key itself.
struct WrittenKey {
    std::string at;
    auth::KeyDigest digest;
};

std::vector<WrittenKey> written_keys(const AuthConfig& auth) {
    std::vector<WrittenKey> keys;
    for (std::size_t i = 0; i < auth.tokens.size(); ++i) {
        keys.push_back(
            {"auth.tokens[" + std::to_string(i) + "].key", auth::key_digest(auth.tokens[i].key)});
    }
    for (std::size_t i = 0; i < auth.file_tokens.size(); ++i) {
        keys.push_back({"auth.tokensFile [" + std::to_string(i) + "].key",
                        auth::key_digest(auth.file_tokens[i].key)});
    }
    return keys;
}

// A key written twice (also once plain and once as its digest) would make limits ambiguous, and
// an admin key that is also a client key would open the admin surface to that client.
std::optional<ConfigError> check_keys(const AuthConfig& auth) {
    const auto keys = written_keys(auth);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (auth::same_digest(keys[i].digest, keys[j].digest))
                return ConfigError{keys[i].at + ": is the same key as " + keys[j].at +
                                   " (keys must be unique)"};
        }
    }
    if (!auth.admin_key.empty()) {
        const auth::KeyDigest admin = auth::key_digest(auth.admin_key);
        for (const WrittenKey& key : keys) {
            if (auth::same_digest(admin, key.digest))
                return ConfigError{"auth.adminKey: is the same key as " + key.at +
                                   " (a client key must not open the admin endpoints)"};
        }
    }
    if (auth.enabled && keys.empty()) {
        return ConfigError{
            "auth.enabled: true, but neither auth.tokens nor auth.tokensFile holds a key: every "
            "request would be refused"};
    }
    return std::nullopt;
}

}  // namespace

std::optional<ConfigError> validate(const Config& config) {
    if (config.remote.host.empty()) {
        return ConfigError{
            "remote.host: no remote Ollama given (use --remote-host HOST[:PORT] or a URL)"};
    }
    for (const settings::Setting& setting : settings::all()) {
        if (!setting.check) continue;
        if (auto problem = setting.check(setting.load(config))) return ConfigError{*problem};
    }
    if (auto error = check_normal_form("remote.basePath", config.remote.base_path)) return error;
    if (auto error = check_normal_form("openai.basePath", config.openai.base_path)) return error;
    if (auto error = check_ca_file(config.remote)) return error;
    if (auto error = check_keys(config.auth)) return error;
    return check_loop(config);
}

// --- printing -------------------------------------------------------------------------------

namespace {

nlohmann::json redacted(const settings::Setting& setting, nlohmann::json value) {
    if (setting.kind == settings::Kind::Tokens) {
        for (auto& token : value) {
            if (!token["key"].get<std::string>().empty()) token["key"] = settings::kRedacted;
        }
        return value;
    }
    if (setting.secret && value.is_string() && !value.get<std::string>().empty()) {
        return std::string(settings::kRedacted);
    }
    return value;
}

std::string json_pointer_of(std::string_view key) {
    std::string pointer = "/" + std::string(key);
    std::replace(pointer.begin(), pointer.end(), '.', '/');
    return pointer;
}

}  // namespace

std::string redacted_json(const Config& config) {
    // Insertion order follows the table, so the output reads in the documented order.
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const settings::Setting& setting : settings::all()) {
        const nlohmann::ordered_json::json_pointer pointer(json_pointer_of(setting.key));
        out[pointer] = nlohmann::ordered_json(redacted(setting, setting.load(config)));
    }
    return out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string remote_display(const RemoteConfig& remote) {
    std::string text = remote.protocol + "://" + host_and_port(remote.host, remote.port);
    if (remote.base_path != "/") text += remote.base_path;
    return text;
}

Environment current_environment() {
    Environment env;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const std::size_t equals = text.find('=');
        if (equals == std::string_view::npos) continue;
        env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
    }
    return env;
}

}  // namespace ollama_proxy
