// The daemon's configuration: one plain struct, filled from built-in defaults, then a JSON config
// file, then the environment, then the command line (each layer overriding the one before), and
// validated as a whole before anything starts.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ollama_proxy {

using Seconds = std::chrono::duration<double>;

struct RemoteConfig {
    bool operator==(const RemoteConfig&) const = default;

    std::string protocol = "http";  // "http" or "https"
    std::string host;               // required; a name, an IPv4 or an IPv6 address (no brackets)
    std::uint16_t port = 11434;
    std::string base_path = "/";  // always starts with '/', never ends with '/' unless it is "/"
    std::string api_key;          // sent upstream as "Authorization: Bearer <key>"; a secret
    std::string ca_file;          // extra CA bundle (PEM) for https remotes
    bool insecure = false;        // skip certificate verification (logged loudly)
};

struct ServerConfig {
    std::string host = "127.0.0.1";
    std::uint16_t port = 11434;
    unsigned threads = 1;
    std::size_t max_header_bytes = 64 * 1024;
    // Largest request body the proxy reads whole (OpenAI requests, which it must parse). Bodies
    // relayed as passthrough are streamed and not bounded by this.
    std::size_t max_body_bytes = 64 * 1024 * 1024;
};

struct OpenAIConfig {
    std::string base_path = "/v1";
};

// The Ollama models behind the OpenAI endpoints that have no native counterpart; empty means
// not configured, and requests that need one are refused with a 400 naming the setting.
struct ModerationConfig {
    std::string model;  // classifies /v1/moderations input
};

struct AudioConfig {
    std::string translation_model;  // translates transcripts when a request names no model
};

// The Responses API's memory for previous_response_id: finished responses are kept up to this
// many (the oldest go first) and for this long. Each holds its whole conversation, images
// included, shared with the responses that continue it.
struct ResponsesConfig {
    std::size_t store_size = 1000;  // 0 keeps none: previous_response_id is then always unknown
    std::int64_t store_ttl_seconds = 3600;
};

// Native settings applied to a model's OpenAI requests when the request does not set them: the
// only way to give OpenAI clients, which cannot express them, e.g. a larger context (num_ctx).
struct ModelDefaults {
    nlohmann::json options = nlohmann::json::object();  // native `options` keys
    nlohmann::json keep_alive;                          // null when not configured
};

// Keyed by model name as written in the config; "*" applies to every model.
using ModelDefaultsTable = std::map<std::string, ModelDefaults>;

struct AuthToken {
    std::string key;                                       // a secret; or "sha256:<hex>"
    std::optional<unsigned> limit_per_minute;              // requests in any 60 s
    std::optional<std::uint64_t> limit_tokens_per_minute;  // prompt + completion tokens
    std::optional<unsigned> max_concurrent;                // requests in flight at once
    std::string name;
};

struct AuthConfig {
    bool enabled = false;
    std::string header = "x-api-key";
    std::vector<AuthToken> tokens;       // from the config file or the environment
    std::string tokens_file;             // more tokens, read at start-up and on reload
    std::vector<AuthToken> file_tokens;  // what tokens_file held when last read
    std::string admin_key;               // opens /metrics and /_proxy/* beyond loopback; a secret
};

// Origins (besides the local ones Ollama always allows) whose pages may call the proxy.
struct CorsConfig {
    std::vector<std::string> origins;
};

// Every phase of an exchange has its own clock (DESIGN §5). There is deliberately no total cap:
// a long generation may stream for as long as the remote keeps producing.
struct TimeoutConfig {
    Seconds connect{10};         // TCP connect + TLS handshake to the remote
    Seconds upstream_head{600};  // request sent -> response head; cold model loads take minutes
    Seconds upstream_idle{300};  // silence between two chunks of an upstream body
    Seconds client_head{30};     // first byte -> complete request head (slow-loris guard)
    Seconds client_idle{120};    // silence while reading a client body, or a stalled client write
    Seconds keep_alive{60};      // idle client connection between requests
    Seconds pool_idle{30};       // idle pooled upstream connection before it is dropped
    Seconds drain{30};           // SIGTERM/SIGINT: how long in-flight requests may finish
    Seconds ready_cache{10};     // /ready: how recent a remote answer must be to skip a probe
};

struct LogConfig {
    std::string level = "info";   // trace, debug, info, warn, error, critical, off
    std::string format = "text";  // text, or json: one JSON object per line
    std::string file;             // empty: stderr (the journal, under systemd)
    std::uint64_t max_file_bytes = 10 * 1024 * 1024;  // a file is rotated past this size
    unsigned max_files = 5;                           // rotated files kept besides the current
    bool payloads = false;       // also log the start of each request and response body (redacted)
    unsigned ring_lines = 1000;  // last lines kept in memory for the status page
};

struct Config {
    RemoteConfig remote;
    ServerConfig server;
    OpenAIConfig openai;
    ModerationConfig moderation;
    AudioConfig audio;
    ResponsesConfig responses;
    AuthConfig auth;
    CorsConfig cors;
    TimeoutConfig timeouts;
    LogConfig log;
    ModelDefaultsTable models;
    std::string config_file;  // empty when none was given
};

// A configuration problem, phrased as one line for the operator: it names the key, the value
// and what is allowed, e.g. "remote.port: \"70000\" is not a port (1-65535)".
struct ConfigError {
    std::string message;
};

// What the command line asked for. `exit_code` is set when the process should exit without
// serving (--help, --version, --print-config, or an error already reported in `output`).
struct CommandLineOutcome {
    Config config;
    std::optional<int> exit_code;
    std::string output;  // for stdout (help/version/print-config) or stderr (errors); ends in \n
};

using Environment = std::map<std::string, std::string>;

// Reads `environ` into a map; kept separate so that tests inject their own environment.
Environment current_environment();

// The whole pipeline: defaults < --config file < environment < command line, then validation.
CommandLineOutcome parse_command_line(int argc, const char* const* argv, const Environment& env);

// Validates a merged configuration (ranges, paths, the remote-is-ourselves loop).
std::optional<ConfigError> validate(const Config& config);

// The effective configuration as JSON text in the config-file schema, secrets replaced by
// "<redacted>".
std::string redacted_json(const Config& config);

// "http://host:port/base" for log lines and error messages (never contains the API key).
std::string remote_display(const RemoteConfig& remote);

}  // namespace ollama_proxy
