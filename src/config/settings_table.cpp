// The settings table and the code that walks it: applying one layer (file, environment or
// command line) onto a Config.

#include "config/settings.hpp"
#include "ollama_proxy/auth/key_store.hpp"
#include "ollama_proxy/config.hpp"
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
namespace settings {
namespace {

using nlohmann::json;

// Timeouts are turned into timer durations downstream; a bound keeps them far from overflow.
constexpr double kMaxSeconds = 31536000;  // one year
constexpr std::array kOwnEndpoints{"/health", "/ready", "/metrics", "/_proxy"};

// A field of Config, two levels deep: lets one factory serve every setting of a type.
template <typename S, typename T>
struct Field {
    S Config::*section;
    T S::*member;

    T& of(Config& config) const { return config.*section.*member; }
    const T& of(const Config& config) const { return config.*section.*member; }
};

struct Names {
    std::string_view key;
    std::string_view flags;
    std::string_view env;
    std::string_view help;
};

// A rule on a text value: the problem as a phrase ("\"x\" is not ..."), or "" when fine.
using TextRule = std::string (*)(const std::string& value, const std::string& allowed);
using TextNormalizer = std::string (*)(const std::string& value);

Setting base_setting(Names names, std::string allowed, Kind kind) {
    Setting setting;
    setting.key = names.key;
    setting.flags = names.flags;
    setting.env = names.env;
    setting.help = names.help;
    setting.allowed = std::move(allowed);
    setting.kind = kind;
    return setting;
}

template <typename S>
Setting text_setting(Names names, std::string allowed, Field<S, std::string> field,
                     TextRule rule = nullptr, TextNormalizer normalize = nullptr) {
    Setting setting = base_setting(names, std::move(allowed), Kind::Text);
    if (rule != nullptr) {
        setting.check = [key = names.key, rule, allowed = setting.allowed](
                            const json& value) -> std::optional<std::string> {
            const std::string problem = rule(value.get<std::string>(), allowed);
            if (problem.empty()) return std::nullopt;
            return std::string(key) + ": " + problem;
        };
    }
    setting.store = [field, normalize](Config& config, const json& value) {
        const auto text = value.get<std::string>();
        field.of(config) = normalize != nullptr ? normalize(text) : text;
    };
    setting.load = [field](const Config& config) { return json(field.of(config)); };
    return setting;
}

template <typename S>
Setting secret_setting(Names names, Field<S, std::string> field) {
    Setting setting = text_setting(names, "a string", field);
    setting.secret = true;
    return setting;
}

template <typename S>
Setting bool_setting(Names names, Field<S, bool> field) {
    Setting setting = base_setting(names, "a boolean", Kind::Bool);
    setting.store = [field](Config& config, const json& value) {
        field.of(config) = value.get<bool>();
    };
    setting.load = [field](const Config& config) { return json(field.of(config)); };
    return setting;
}

template <typename S, typename T>
Setting integer_setting(Names names, std::string allowed, long long min, long long max,
                        Field<S, T> field) {
    Setting setting = base_setting(names, std::move(allowed), Kind::Integer);
    setting.check = [key = names.key, min, max,
                     allowed = setting.allowed](const json& value) -> std::optional<std::string> {
        if (in_range(value, min, max)) return std::nullopt;
        return std::string(key) + ": " + shown(value) + " is not " + allowed;
    };
    setting.store = [field](Config& config, const json& value) {
        field.of(config) = static_cast<T>(value.get<long long>());
    };
    setting.load = [field](const Config& config) { return json(field.of(config)); };
    return setting;
}

// Whole seconds print as integers ("10", not "10.0"), so printed configs read like written ones.
json seconds_json(Seconds seconds) {
    const double count = seconds.count();
    if (std::floor(count) == count && std::abs(count) <= kMaxSeconds) {
        return json(static_cast<long long>(count));
    }
    return json(count);
}

Setting seconds_setting(Names names, bool zero_allowed, Field<TimeoutConfig, Seconds> field) {
    std::string allowed = std::string("a number of seconds ") + (zero_allowed ? ">= 0" : "> 0") +
                          " (at most 31536000)";
    Setting setting = base_setting(names, std::move(allowed), Kind::Seconds);
    setting.check = [key = names.key, zero_allowed,
                     allowed = setting.allowed](const json& value) -> std::optional<std::string> {
        const double count = value.get<double>();
        const bool fine = (zero_allowed ? count >= 0 : count > 0) && count <= kMaxSeconds;
        if (fine) return std::nullopt;
        return std::string(key) + ": " + shown(value) + " is not " + allowed;
    };
    setting.store = [field](Config& config, const json& value) {
        field.of(config) = Seconds{value.get<double>()};
    };
    setting.load = [field](const Config& config) { return seconds_json(field.of(config)); };
    return setting;
}

// --- text rules -----------------------------------------------------------------------------

std::string protocol_rule(const std::string& value, const std::string& allowed) {
    if (value == "http" || value == "https") return {};
    return in_quotes(value) + " is not " + allowed;
}

std::string log_level_rule(const std::string& value, const std::string& allowed) {
    static constexpr std::array kLevels{"trace", "debug",    "info", "warn",
                                        "error", "critical", "off"};
    if (std::find(kLevels.begin(), kLevels.end(), value) != kLevels.end()) return {};
    return in_quotes(value) + " is not " + allowed;
}

std::string log_format_rule(const std::string& value, const std::string& allowed) {
    if (value == "text" || value == "json") return {};
    return in_quotes(value) + " is not " + allowed;
}

std::string remote_host_rule(const std::string& value, const std::string&) {
    return parse_remote_host(value).error;
}

std::string base_path_rule(const std::string& value, const std::string&) {
    return normalize_base_path(value).error;
}

std::string normalized_path(const std::string& value) {
    return normalize_base_path(value).value.value_or(value);
}

std::string openai_path_rule(const std::string& value, const std::string& allowed) {
    const auto path = normalize_base_path(value);
    if (!path.ok()) return path.error;
    if (*path.value == "/") return in_quotes(value) + " is not " + allowed;
    for (const std::string_view endpoint : kOwnEndpoints) {
        if (path_is_under(*path.value, endpoint) || path_is_under(endpoint, *path.value)) {
            return in_quotes(value) + " overlaps the proxy's own endpoint " +
                   std::string(endpoint) + " (allowed: " + allowed + ")";
        }
    }
    return {};
}

// An origin as Ollama's OLLAMA_ORIGINS takes it: "*", or scheme://host[:port] where "*" may
// stand for any part ("http://localhost:*", "https://*.example.com", "app://*").
std::optional<std::string> check_origins(const json& origins) {
    for (std::size_t i = 0; i < origins.size(); ++i) {
        const json& origin = origins[i];
        const std::string at = "cors.origins[" + std::to_string(i) + "]";
        if (!origin.is_string()) return at + ": expected a string, got " + origin.type_name();
        const std::string text = origin.get<std::string>();
        const bool blank_free = std::none_of(text.begin(), text.end(), [](char c) {
            return std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == '\0';
        });
        const bool shaped = text == "*" || (text.find("://") != std::string::npos &&
                                            text.find("://") > 0 && text.back() != '/');
        if (!blank_free || !shaped) {
            return at + ": " + in_quotes(text) +
                   " is not an origin (\"*\", or scheme://host[:port] without a path; \"*\" "
                   "may stand for a part)";
        }
    }
    return std::nullopt;
}

std::string strip_brackets(const std::string& value) {
    if (value.size() >= 2 && value.front() == '[' && value.back() == ']') {
        return value.substr(1, value.size() - 2);
    }
    return value;
}

std::string server_host_rule(const std::string& value, const std::string& allowed) {
    const std::string host = strip_brackets(value);
    const bool fine = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-._:%", c) != nullptr;
    });
    return fine ? std::string() : in_quotes(value) + " is not " + allowed;
}

// RFC 9110 "token": the only characters a header name may contain.
std::string header_rule(const std::string& value, const std::string& allowed) {
    const bool fine = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
    });
    return fine ? std::string() : in_quotes(value) + " is not " + allowed;
}

// A model name as Ollama spells it ("llama3.2", "x/model:tag"), or empty for none: no blanks
// or control characters, which no name has.
std::string model_name_rule(const std::string& value, const std::string& allowed) {
    const bool fine = std::none_of(value.begin(), value.end(), [](char c) {
        return static_cast<unsigned char>(c) <= ' ' || c == '\x7f';
    });
    return fine ? std::string() : in_quotes(value) + " is not " + allowed;
}

// --- the table ------------------------------------------------------------------------------

void add_remote_settings(std::vector<Setting>& table) {
    const Field<RemoteConfig, std::string> protocol{&Config::remote, &RemoteConfig::protocol};
    const Field<RemoteConfig, std::string> host{&Config::remote, &RemoteConfig::host};
    const Field<RemoteConfig, std::string> base{&Config::remote, &RemoteConfig::base_path};
    table.push_back(text_setting({"remote.protocol", "--remote-protocol",
                                  "OLLAMA_PROXY_REMOTE_PROTOCOL", "protocol to the remote Ollama"},
                                 "a protocol (http or https)", protocol, protocol_rule));
    table.push_back(text_setting(
        {"remote.host", "--remote-host", "OLLAMA_PROXY_REMOTE_HOST",
         "remote Ollama: HOST, HOST:PORT, [IPv6]:PORT or http(s)://HOST[:PORT][/PATH]"},
        "a host, host:port, [IPv6]:port or http(s)://host[:port][/path]", host, remote_host_rule));
    table.push_back(integer_setting(
        {"remote.port", "--remote-port", "OLLAMA_PROXY_REMOTE_PORT", "port of the remote Ollama"},
        "a port (1-65535)", 1, 65535, Field{&Config::remote, &RemoteConfig::port}));
    table.push_back(
        text_setting({"remote.basePath", "--remote-base-path", "OLLAMA_PROXY_REMOTE_BASE_PATH",
                      "path prefix of the remote Ollama's API"},
                     "a URL path like /ollama", base, base_path_rule, normalized_path));
    table.push_back(
        secret_setting({"remote.apiKey", "--remote-api-key", "OLLAMA_PROXY_REMOTE_API_KEY",
                        "key sent upstream as Authorization: Bearer"},
                       Field{&Config::remote, &RemoteConfig::api_key}));
    table.push_back(
        text_setting({"remote.caFile", "--remote-ca-file", "OLLAMA_PROXY_REMOTE_CA_FILE",
                      "extra CA bundle (PEM) for an https remote"},
                     "a readable PEM file", Field{&Config::remote, &RemoteConfig::ca_file}));
    table.push_back(
        bool_setting({"remote.insecure", "--remote-insecure", "OLLAMA_PROXY_REMOTE_INSECURE",
                      "skip certificate verification of an https remote"},
                     Field{&Config::remote, &RemoteConfig::insecure}));
}

void add_server_settings(std::vector<Setting>& table) {
    table.push_back(text_setting(
        {"server.host", "--host,--local-host", "OLLAMA_PROXY_HOST", "address to listen on"},
        "a host name or IP address", Field{&Config::server, &ServerConfig::host}, server_host_rule,
        strip_brackets));
    table.push_back(integer_setting(
        {"server.port", "--port,--local-port", "OLLAMA_PROXY_PORT", "port to listen on"},
        "a port (0-65535; 0 picks a free port)", 0, 65535,
        Field{&Config::server, &ServerConfig::port}));
    table.push_back(integer_setting(
        {"server.threads", "--threads", "OLLAMA_PROXY_THREADS", "I/O threads"},
        "a thread count (1-256)", 1, 256, Field{&Config::server, &ServerConfig::threads}));
    table.push_back(integer_setting(
        {"server.maxHeaderBytes", "--max-header-size", "OLLAMA_PROXY_MAX_HEADER_SIZE",
         "largest request or response head, in bytes"},
        "a size in bytes (1024-16777216)", 1024, 16777216,
        Field{&Config::server, &ServerConfig::max_header_bytes}));
    table.push_back(
        integer_setting({"server.maxBodyBytes", "--max-body-size", "OLLAMA_PROXY_MAX_BODY_SIZE",
                         "largest OpenAI request body, in bytes (larger ones get 413)"},
                        "a size in bytes (1024-4294967296)", 1024, 4294967296LL,
                        Field{&Config::server, &ServerConfig::max_body_bytes}));
    table.push_back(text_setting(
        {"openai.basePath", "--openai-base-path", "OLLAMA_PROXY_OPENAI_BASE_PATH",
         "where the OpenAI-compatible API is served"},
        "a URL path like /v1, not \"/\" and not overlapping /health, /ready, /metrics, /_proxy",
        Field{&Config::openai, &OpenAIConfig::base_path}, openai_path_rule, normalized_path));
}

void add_model_settings(std::vector<Setting>& table) {
    table.push_back(text_setting(
        {"moderation.model", "--moderation-model", "OLLAMA_PROXY_MODERATION_MODEL",
         "Ollama model that classifies /v1/moderations input (empty: moderations refused)"},
        "a model name without blanks, or empty",
        Field{&Config::moderation, &ModerationConfig::model}, model_name_rule));
    table.push_back(text_setting({"audio.translationModel", "--audio-translation-model",
                                  "OLLAMA_PROXY_AUDIO_TRANSLATION_MODEL",
                                  "chat model for /v1/audio/translations requests that name none"},
                                 "a model name without blanks, or empty",
                                 Field{&Config::audio, &AudioConfig::translation_model},
                                 model_name_rule));
}

void add_responses_settings(std::vector<Setting>& table) {
    table.push_back(integer_setting(
        {"responses.storeSize", "--responses-store-size", "OLLAMA_PROXY_RESPONSES_STORE_SIZE",
         "Responses API: how many finished responses are kept for previous_response_id"},
        "a number of responses (0-1000000; 0 keeps none)", 0, 1000000,
        Field{&Config::responses, &ResponsesConfig::store_size}));
    table.push_back(integer_setting(
        {"responses.storeTtlSeconds", "--responses-store-ttl", "OLLAMA_PROXY_RESPONSES_STORE_TTL",
         "Responses API: seconds a finished response is kept for previous_response_id"},
        "a number of seconds (1-31536000)", 1, static_cast<long long>(kMaxSeconds),
        Field{&Config::responses, &ResponsesConfig::store_ttl_seconds}));
}

void add_auth_settings(std::vector<Setting>& table) {
    table.push_back(bool_setting(
        {"auth.enabled", "--auth-enabled", "OLLAMA_PROXY_AUTH_ENABLED", "require a client key"},
        Field{&Config::auth, &AuthConfig::enabled}));
    table.push_back(text_setting({"auth.header", "--auth-header", "OLLAMA_PROXY_AUTH_HEADER",
                                  "header that carries the client key"},
                                 "an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)",
                                 Field{&Config::auth, &AuthConfig::header}, header_rule));
    table.push_back(tokens_setting());
    table.push_back(
        text_setting({"auth.tokensFile", "--auth-tokens-file", "OLLAMA_PROXY_AUTH_TOKENS_FILE",
                      "JSON file with more client keys (re-read on SIGHUP)"},
                     "a path to a JSON file", Field{&Config::auth, &AuthConfig::tokens_file}));
    table.push_back(admin_key_setting());
}

void add_cors_settings(std::vector<Setting>& table) {
    Setting origins = base_setting(
        {"cors.origins", "--cors-origins", "OLLAMA_ORIGINS",
         "extra origins browsers may call from (comma-separated; * wildcards)"},
        "a list of origins such as https://app.example.com or http://localhost:*", Kind::List);
    origins.check = check_origins;
    origins.store = [](Config& config, const json& value) {
        config.cors.origins = value.get<std::vector<std::string>>();
    };
    origins.load = [](const Config& config) { return json(config.cors.origins); };
    table.push_back(std::move(origins));
}

void add_log_settings(std::vector<Setting>& table) {
    table.push_back(
        text_setting({"log.level", "--log-level", "OLLAMA_PROXY_LOG_LEVEL", "log level"},
                     "a log level (trace, debug, info, warn, error, critical, off)",
                     Field{&Config::log, &LogConfig::level}, log_level_rule));
    table.push_back(text_setting(
        {"log.format", "--log-format", "OLLAMA_PROXY_LOG_FORMAT", "log line format"},
        "a log format (text or json)", Field{&Config::log, &LogConfig::format}, log_format_rule));
    table.push_back(text_setting({"log.file", "--log-file", "OLLAMA_PROXY_LOG_FILE",
                                  "write the log to this file, rotated by size (default: stderr)"},
                                 "a file path", Field{&Config::log, &LogConfig::file}));
    table.push_back(
        integer_setting({"log.maxFileBytes", "--log-max-size", "OLLAMA_PROXY_LOG_MAX_SIZE",
                         "size in bytes at which the log file is rotated"},
                        "a size in bytes (4096-68719476736)", 4096, 68719476736LL,
                        Field{&Config::log, &LogConfig::max_file_bytes}));
    table.push_back(integer_setting(
        {"log.maxFiles", "--log-max-files", "OLLAMA_PROXY_LOG_MAX_FILES", "rotated log files kept"},
        "a file count (1-100)", 1, 100, Field{&Config::log, &LogConfig::max_files}));
    table.push_back(bool_setting({"log.payloads", "--log-payloads", "OLLAMA_PROXY_LOG_PAYLOADS",
                                  "also log the first 512 bytes of each request and response body "
                                  "(secrets redacted)"},
                                 Field{&Config::log, &LogConfig::payloads}));
    table.push_back(integer_setting(
        {"log.ringLines", "--log-ring-lines", "OLLAMA_PROXY_LOG_RING_LINES",
         "last log lines kept in memory for the status page (0: none)"},
        "a line count (0-100000)", 0, 100000, Field{&Config::log, &LogConfig::ring_lines}));
}

void add_timeout_settings(std::vector<Setting>& table) {
    struct Row {
        Names names;
        bool zero_allowed;
        Seconds TimeoutConfig::*member;
    };
    const Row rows[] = {
        {{"timeouts.connect", "--connect-timeout", "OLLAMA_PROXY_CONNECT_TIMEOUT",
          "seconds to connect (TCP + TLS) to the remote"},
         false,
         &TimeoutConfig::connect},
        {{"timeouts.upstreamHead", "--upstream-head-timeout", "OLLAMA_PROXY_UPSTREAM_HEAD_TIMEOUT",
          "seconds from request sent to response head"},
         false,
         &TimeoutConfig::upstream_head},
        {{"timeouts.upstreamIdle", "--upstream-idle-timeout", "OLLAMA_PROXY_UPSTREAM_IDLE_TIMEOUT",
          "seconds of silence allowed between upstream chunks"},
         false,
         &TimeoutConfig::upstream_idle},
        {{"timeouts.clientHead", "--client-head-timeout", "OLLAMA_PROXY_CLIENT_HEAD_TIMEOUT",
          "seconds a client may take to send a request head"},
         false,
         &TimeoutConfig::client_head},
        {{"timeouts.clientIdle", "--client-idle-timeout", "OLLAMA_PROXY_CLIENT_IDLE_TIMEOUT",
          "seconds of silence allowed from a client mid-request"},
         false,
         &TimeoutConfig::client_idle},
        {{"timeouts.keepAlive", "--keepalive-timeout", "OLLAMA_PROXY_KEEPALIVE_TIMEOUT",
          "seconds an idle client connection is kept"},
         false,
         &TimeoutConfig::keep_alive},
        {{"timeouts.poolIdle", "--pool-idle-timeout", "OLLAMA_PROXY_POOL_IDLE_TIMEOUT",
          "seconds an idle upstream connection is kept"},
         false,
         &TimeoutConfig::pool_idle},
        {{"timeouts.drain", "--drain-timeout", "OLLAMA_PROXY_DRAIN_TIMEOUT",
          "seconds in-flight requests may finish at shutdown"},
         true,
         &TimeoutConfig::drain},
        {{"timeouts.readyCache", "--ready-cache", "OLLAMA_PROXY_READY_CACHE",
          "seconds a remote answer keeps /ready from probing"},
         true,
         &TimeoutConfig::ready_cache},
    };
    for (const Row& row : rows) {
        table.push_back(
            seconds_setting(row.names, row.zero_allowed, Field{&Config::timeouts, row.member}));
    }
}

std::vector<Setting> make_table() {
    std::vector<Setting> table;
    add_remote_settings(table);
    add_server_settings(table);
    add_model_settings(table);
    add_responses_settings(table);
    add_auth_settings(table);
    add_cors_settings(table);
    add_timeout_settings(table);
    add_log_settings(table);
    table.push_back(models_setting());
    return table;
}

// --- applying a layer -----------------------------------------------------------------------

bool has_kind(Kind kind, const json& value) {
    switch (kind) {
        case Kind::Text:
            return value.is_string();
        case Kind::Bool:
            return value.is_boolean();
        case Kind::Integer:
            return value.is_number_integer();
        case Kind::Seconds:
            return value.is_number();
        case Kind::Tokens:
        case Kind::List:
            return value.is_array();
        case Kind::Object:
            return value.is_object();
    }
    return false;
}

std::optional<std::string> type_problem(const Setting& setting, const json& value) {
    if (has_kind(setting.kind, value)) return std::nullopt;
    std::string message =
        std::string(setting.key) + ": expected " + setting.allowed + ", got " + value.type_name();
    if (!setting.secret && value.is_primitive()) message += " " + shown(value);
    return message;
}

std::optional<ConfigError> apply_entry(Config& config, const Entry& entry) {
    const Setting& setting = *entry.setting;
    auto problem = type_problem(setting, entry.value);
    if (!problem && setting.check) problem = setting.check(entry.value);
    if (problem) return ConfigError{entry.origin + ": " + *problem};
    setting.store(config, entry.value);
    return std::nullopt;
}

const Entry* find_entry(const Layer& layer, std::string_view key) {
    const auto found = std::find_if(layer.begin(), layer.end(), [key](const Entry& entry) {
        return entry.setting->key == key;
    });
    return found == layer.end() ? nullptr : &*found;
}

std::string as_text(const std::string& value) {
    return in_quotes(value);
}
std::string as_text(std::uint16_t value) {
    return std::to_string(value);
}

// What the host value states must match what the same layer says in the separate key.
template <typename T>
std::optional<ConfigError> disagreement(const Layer& layer, const Entry& host, std::string_view key,
                                        const T& stated, const T& current) {
    const Entry* own = find_entry(layer, key);
    if (own == nullptr || stated == current) return std::nullopt;
    return ConfigError{host.origin + ": remote.host " + shown(host.value) + " means " +
                       std::string(key) + " " + as_text(stated) + ", but " + std::string(key) +
                       " is " + as_text(current) + " (from " + own->origin + ")"};
}

std::optional<ConfigError> apply_host_parts(Config& config, const Layer& layer, const Entry& entry,
                                            const RemoteHost& parsed) {
    RemoteConfig& remote = config.remote;
    if (parsed.protocol) {
        if (auto error =
                disagreement(layer, entry, "remote.protocol", *parsed.protocol, remote.protocol)) {
            return error;
        }
        remote.protocol = *parsed.protocol;
    }
    if (parsed.port) {
        if (auto error = disagreement(layer, entry, "remote.port", *parsed.port, remote.port)) {
            return error;
        }
        remote.port = *parsed.port;
    } else if (parsed.protocol && find_entry(layer, "remote.port") == nullptr) {
        remote.port = default_port(*parsed.protocol);  // a URL means its scheme's port
    }
    if (parsed.base_path) {
        if (auto error = disagreement(layer, entry, "remote.basePath", *parsed.base_path,
                                      remote.base_path)) {
            return error;
        }
        remote.base_path = *parsed.base_path;
    } else if (parsed.protocol && find_entry(layer, "remote.basePath") == nullptr) {
        remote.base_path = "/";
    }
    return std::nullopt;
}

std::optional<ConfigError> apply_remote_host(Config& config, const Layer& layer,
                                             const Entry& entry) {
    if (auto problem = type_problem(*entry.setting, entry.value)) {
        return ConfigError{entry.origin + ": " + *problem};
    }
    const auto parsed = parse_remote_host(entry.value.get<std::string>());
    if (!parsed.ok()) return ConfigError{entry.origin + ": remote.host: " + parsed.error};
    config.remote.host = parsed.value->host;
    return apply_host_parts(config, layer, entry, *parsed.value);
}

}  // namespace

const std::vector<Setting>& all() {
    static const std::vector<Setting> table = make_table();
    return table;
}

const Setting* find(std::string_view key) {
    for (const Setting& setting : all()) {
        if (setting.key == key) return &setting;
    }
    return nullptr;
}

std::optional<ConfigError> apply_layer(Config& config, const Layer& layer) {
    const Entry* host = nullptr;
    for (const Entry& entry : layer) {
        if (entry.setting->key == "remote.host") {
            host = &entry;
            continue;
        }
        if (auto error = apply_entry(config, entry)) return error;
    }
    if (host == nullptr) return std::nullopt;
    return apply_remote_host(config, layer, *host);
}

std::string in_quotes(std::string_view text) {
    return shown(json(std::string(text)));
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string shown(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool in_range(const json& value, long long min, long long max) {
    if (value.is_number_unsigned()) {
        const auto number = value.get<unsigned long long>();
        return number <= static_cast<unsigned long long>(max) &&
               static_cast<long long>(number) >= min;
    }
    const auto number = value.get<long long>();
    return number >= min && number <= max;
}

}  // namespace settings

}  // namespace ollama_proxy
