#include "ollama_proxy/config.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace ollama_proxy {
namespace {

namespace fs = std::filesystem;

// A private directory for config files, removed with everything in it.
class TempDir {
  public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ =
            fs::temp_directory_path() / ("ollama-proxy-config-test-" + std::to_string(::getpid()) +
                                         "-" + std::to_string(counter++));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string write(const std::string& name, const std::string& text) const {
        const fs::path file = path_ / name;
        std::ofstream(file, std::ios::binary) << text;
        return file.string();
    }
    std::string path(const std::string& name) const { return (path_ / name).string(); }

  private:
    fs::path path_;
};

CommandLineOutcome run(std::vector<std::string> args, const Environment& env = {}) {
    std::vector<const char*> argv{"ollama-proxy"};
    for (const std::string& arg : args)
        argv.push_back(arg.c_str());
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), env);
}

// Runs and expects a usable configuration.
Config config_of(std::vector<std::string> args, const Environment& env = {}) {
    const CommandLineOutcome outcome = run(std::move(args), env);
    EXPECT_FALSE(outcome.exit_code) << outcome.output;
    return outcome.config;
}

// Runs and expects a refusal; returns the message.
std::string error_of(std::vector<std::string> args, const Environment& env = {}) {
    const CommandLineOutcome outcome = run(std::move(args), env);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.output.rfind("ollama-proxy: ", 0), 0u) << outcome.output;
    EXPECT_EQ(outcome.output.find('\n'), outcome.output.size() - 1) << outcome.output;
    return outcome.output;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// --- defaults and layers --------------------------------------------------------------------

TEST(Config, Defaults) {
    const Config config = config_of({"--remote-host", "gpu"});
    EXPECT_EQ(config.remote.protocol, "http");
    EXPECT_EQ(config.remote.host, "gpu");
    EXPECT_EQ(config.remote.port, 11434);
    EXPECT_EQ(config.remote.base_path, "/");
    EXPECT_EQ(config.remote.api_key, "");
    EXPECT_EQ(config.remote.ca_file, "");
    EXPECT_FALSE(config.remote.insecure);
    EXPECT_EQ(config.server.host, "127.0.0.1");
    EXPECT_EQ(config.server.port, 11434);
    EXPECT_EQ(config.server.threads, 1u);
    EXPECT_EQ(config.server.max_header_bytes, 65536u);
    EXPECT_EQ(config.openai.base_path, "/v1");
    EXPECT_EQ(config.responses.store_size, 1000u);
    EXPECT_EQ(config.responses.store_ttl_seconds, 3600);
    EXPECT_FALSE(config.auth.enabled);
    EXPECT_EQ(config.auth.header, "x-api-key");
    EXPECT_TRUE(config.auth.tokens.empty());
    EXPECT_EQ(config.timeouts.connect.count(), 10);
    EXPECT_EQ(config.timeouts.upstream_head.count(), 600);
    EXPECT_EQ(config.timeouts.upstream_idle.count(), 300);
    EXPECT_EQ(config.timeouts.client_head.count(), 30);
    EXPECT_EQ(config.timeouts.client_idle.count(), 120);
    EXPECT_EQ(config.timeouts.keep_alive.count(), 60);
    EXPECT_EQ(config.timeouts.pool_idle.count(), 30);
    EXPECT_EQ(config.timeouts.drain.count(), 30);
    EXPECT_EQ(config.timeouts.ready_cache.count(), 10);
    EXPECT_EQ(config.log.level, "info");
    EXPECT_EQ(config.config_file, "");
    EXPECT_EQ(config.moderation.model, "");
    EXPECT_EQ(config.audio.translation_model, "");
}

TEST(Config, ModelsOfTheOpenAIEndpointsFromEachSource) {
    TempDir dir;
    const std::string file = dir.write("models.json", R"({"remote": {"host": "gpu"},
        "moderation": {"model": "llama-guard3:1b"}, "audio": {"translationModel": "qwen3:8b"}})");
    Config config = config_of({"--config", file});
    EXPECT_EQ(config.moderation.model, "llama-guard3:1b");
    EXPECT_EQ(config.audio.translation_model, "qwen3:8b");
    const Environment env{{"OLLAMA_PROXY_MODERATION_MODEL", "env/guard"},
                          {"OLLAMA_PROXY_AUDIO_TRANSLATION_MODEL", "env-chat"}};
    config = config_of({"--config", file}, env);
    EXPECT_EQ(config.moderation.model, "env/guard");
    EXPECT_EQ(config.audio.translation_model, "env-chat");
    config = config_of(
        {"--config", file, "--moderation-model", "", "--audio-translation-model", "llama3.2"}, env);
    EXPECT_EQ(config.moderation.model, "");  // empty switches moderation off again
    EXPECT_EQ(config.audio.translation_model, "llama3.2");
    const CommandLineOutcome printed =
        run({"--remote-host", "gpu", "--moderation-model", "g", "--print-config"});
    ASSERT_EQ(printed.exit_code, 0) << printed.output;
    const auto json = nlohmann::json::parse(printed.output);
    EXPECT_EQ(json["moderation"], nlohmann::json::parse(R"({"model":"g"})"));
    EXPECT_EQ(json["audio"], nlohmann::json::parse(R"({"translationModel":""})"));
}

TEST(Config, RemoteHostIsRequired) {
    EXPECT_EQ(error_of({}),
              "ollama-proxy: remote.host: no remote Ollama given (use --remote-host "
              "HOST[:PORT] or a URL)\n");
}

TEST(Config, FileThenEnvironmentThenCommandLine) {
    TempDir dir;
    const std::string file = dir.write("a.json", R"({
        "remote": {"host": "file-host", "port": 1001, "apiKey": "file-key"},
        "server": {"threads": 2, "port": 2001},
        "timeouts": {"connect": 5, "drain": 0},
        "log": {"level": "debug"}
    })");
    const Environment env{{"OLLAMA_PROXY_REMOTE_PORT", "1002"},
                          {"OLLAMA_PROXY_THREADS", "3"},
                          {"OLLAMA_PROXY_REMOTE_API_KEY", "env-key"},
                          {"OLLAMA_PROXY_LOG_LEVEL", "warn"}};
    const Config config = config_of({"--config", file, "--remote-port", "1003", "--log-level",
                                     "error", "--connect-timeout", "2.5"},
                                    env);
    EXPECT_EQ(config.config_file, file);
    EXPECT_EQ(config.remote.host, "file-host");       // file only
    EXPECT_EQ(config.server.port, 2001);              // file only
    EXPECT_EQ(config.timeouts.drain.count(), 0);      // file only
    EXPECT_EQ(config.server.threads, 3u);             // env over file
    EXPECT_EQ(config.remote.api_key, "env-key");      // env over file
    EXPECT_EQ(config.remote.port, 1003);              // CLI over env over file
    EXPECT_EQ(config.log.level, "error");             // CLI over env over file
    EXPECT_EQ(config.timeouts.connect.count(), 2.5);  // CLI over file, fractions allowed
}

TEST(Config, EnvironmentOverridesDefaults) {
    const Environment env{{"OLLAMA_PROXY_REMOTE_HOST", "gpu"},
                          {"OLLAMA_PROXY_HOST", "0.0.0.0"},
                          {"OLLAMA_PROXY_PORT", "8080"},
                          {"OLLAMA_PROXY_OPENAI_BASE_PATH", "openai/"},
                          {"OLLAMA_PROXY_AUTH_HEADER", "x-proxy-key"},
                          {"OLLAMA_PROXY_MAX_HEADER_SIZE", "2048"},
                          {"OLLAMA_PROXY_UPSTREAM_IDLE_TIMEOUT", "0.25"}};
    const Config config = config_of({}, env);
    EXPECT_EQ(config.remote.host, "gpu");
    EXPECT_EQ(config.server.host, "0.0.0.0");
    EXPECT_EQ(config.server.port, 8080);
    EXPECT_EQ(config.openai.base_path, "/openai");
    EXPECT_EQ(config.auth.header, "x-proxy-key");
    EXPECT_EQ(config.server.max_header_bytes, 2048u);
    EXPECT_EQ(config.timeouts.upstream_idle.count(), 0.25);
}

TEST(Config, CommandLineOverridesEnvironment) {
    const Environment env{{"OLLAMA_PROXY_REMOTE_HOST", "env-host"},
                          {"OLLAMA_PROXY_AUTH_ENABLED", "true"},
                          {"OLLAMA_PROXY_AUTH_TOKENS", R"([{"key": "client"}])"},
                          {"OLLAMA_PROXY_REMOTE_BASE_PATH", "/env"}};
    const Config config =
        config_of({"--remote-host", "cli-host", "--remote-base-path", "/cli/"}, env);
    EXPECT_EQ(config.remote.host, "cli-host");
    EXPECT_EQ(config.remote.base_path, "/cli");
    EXPECT_TRUE(config.auth.enabled);  // not given on the command line: env stays
}

TEST(Config, ConfigFileFromEnvironmentAndOverride) {
    TempDir dir;
    const std::string from_env = dir.write("env.json", R"({"remote": {"host": "env-file"}})");
    const std::string from_cli = dir.write("cli.json", R"({"remote": {"host": "cli-file"}})");
    const Environment env{{"OLLAMA_PROXY_CONFIG", from_env}};
    EXPECT_EQ(config_of({}, env).remote.host, "env-file");
    EXPECT_EQ(config_of({"--config", from_cli}, env).remote.host, "cli-file");
    // An empty --config switches the file off.
    EXPECT_EQ(config_of({"--config", "", "--remote-host", "x"}, env).config_file, "");
}

TEST(Config, CommandLineFlags) {
    const Config config =
        config_of({"--remote-host", "gpu", "--remote-insecure", "--auth-enabled", "--threads", "4",
                   "--remote-protocol", "https", "--remote-api-key", "k"},
                  {{"OLLAMA_PROXY_AUTH_TOKENS", R"([{"key": "client"}])"}});
    EXPECT_TRUE(config.remote.insecure);
    EXPECT_TRUE(config.auth.enabled);
    EXPECT_EQ(config.server.threads, 4u);
    EXPECT_EQ(config.remote.protocol, "https");
    EXPECT_EQ(config.remote.api_key, "k");
}

TEST(Config, CommandLineFlagCanSwitchOffEnvironment) {
    const Environment env{{"OLLAMA_PROXY_AUTH_ENABLED", "on"}};
    EXPECT_FALSE(config_of({"--remote-host", "gpu", "--auth-enabled=false"}, env).auth.enabled);
}

TEST(Config, LocalAliases) {
    const Config config =
        config_of({"--remote-host", "gpu", "--local-host", "::1", "--local-port", "9999"});
    EXPECT_EQ(config.server.host, "::1");
    EXPECT_EQ(config.server.port, 9999);
    EXPECT_EQ(config_of({"--remote-host", "gpu", "--host", "[::1]"}).server.host, "::1");
}

// --- --remote-host forms --------------------------------------------------------------------

TEST(Config, RemoteUrlSetsProtocolPortAndPath) {
    const Config config = config_of({"--remote-host", "https://gpu.example.com:8443/ollama"});
    EXPECT_EQ(config.remote.protocol, "https");
    EXPECT_EQ(config.remote.host, "gpu.example.com");
    EXPECT_EQ(config.remote.port, 8443);
    EXPECT_EQ(config.remote.base_path, "/ollama");
    EXPECT_EQ(remote_display(config.remote), "https://gpu.example.com:8443/ollama");
}

TEST(Config, UrlWithoutPortTakesSchemeDefault) {
    const Environment env{{"OLLAMA_PROXY_REMOTE_PORT", "9000"},
                          {"OLLAMA_PROXY_REMOTE_BASE_PATH", "/env"}};
    const Config http = config_of({"--remote-host", "http://server"}, env);
    EXPECT_EQ(http.remote.port, 80);
    EXPECT_EQ(http.remote.base_path, "/");
    const Config https = config_of({"--remote-host", "https://host/"}, env);
    EXPECT_EQ(https.remote.protocol, "https");
    EXPECT_EQ(https.remote.port, 443);
}

TEST(Config, BareHostKeepsLowerLayerPort) {
    const Environment env{{"OLLAMA_PROXY_REMOTE_PORT", "9000"}};
    EXPECT_EQ(config_of({"--remote-host", "server"}, env).remote.port, 9000);
    EXPECT_EQ(config_of({"--remote-host", "server:8080"}, env).remote.port, 8080);
    const Config v6 = config_of({"--remote-host", "[fd00::5]:11500"});
    EXPECT_EQ(v6.remote.host, "fd00::5");
    EXPECT_EQ(v6.remote.port, 11500);
    EXPECT_EQ(remote_display(v6.remote), "http://[fd00::5]:11500");
    EXPECT_EQ(config_of({"--remote-host", "fd00::5"}).remote.host, "fd00::5");
    EXPECT_EQ(config_of({"--remote-host", "10.0.0.5:11434"}).remote.host, "10.0.0.5");
}

TEST(Config, RemoteHostErrorsNameTheKey) {
    for (const char* bad :
         {"", "ftp://x", "h:0", "h:abc", "h:70000", "a b", "http://h/?q", "http://h/#f"}) {
        EXPECT_TRUE(contains(error_of({"--remote-host", bad}), "remote.host")) << bad;
    }
    const std::string credentials = error_of({"--remote-host", "https://me:hunter2@gpu"});
    EXPECT_TRUE(contains(credentials, "remote.apiKey")) << credentials;
    EXPECT_FALSE(contains(credentials, "hunter2")) << credentials;
}

TEST(Config, UrlInConfigFile) {
    TempDir dir;
    const std::string file = dir.write("a.json", R"({"remote": {"host": "https://gpu/ollama"}})");
    const Config config = config_of({"--config", file});
    EXPECT_EQ(config.remote.protocol, "https");
    EXPECT_EQ(config.remote.port, 443);
    EXPECT_EQ(config.remote.base_path, "/ollama");
}

// --- the same-layer rule --------------------------------------------------------------------

TEST(Config, UrlPortConflictsWithSameLayerPort) {
    const std::string error =
        error_of({"--remote-host", "https://a:8443", "--remote-port", "9000"});
    EXPECT_TRUE(contains(error, "remote.host")) << error;
    EXPECT_TRUE(contains(error, "remote.port")) << error;
    EXPECT_TRUE(contains(error, "8443")) << error;
    EXPECT_TRUE(contains(error, "9000")) << error;
}

TEST(Config, SameValueInSameLayerIsFine) {
    const Config config = config_of({"--remote-host", "https://a:8443/x", "--remote-port", "8443",
                                     "--remote-protocol", "https", "--remote-base-path", "/x/"});
    EXPECT_EQ(config.remote.port, 8443);
    EXPECT_EQ(config.remote.base_path, "/x");
}

TEST(Config, OtherSameLayerConflicts) {
    EXPECT_TRUE(contains(error_of({"--remote-host", "https://a", "--remote-protocol", "http"}),
                         "remote.protocol"));
    EXPECT_TRUE(contains(error_of({"--remote-host", "http://a/x", "--remote-base-path", "/y"}),
                         "remote.basePath"));
    EXPECT_TRUE(
        contains(error_of({"--remote-host", "a:1234", "--remote-port", "4321"}), "remote.port"));
    const Environment env{{"OLLAMA_PROXY_REMOTE_HOST", "https://a:8443"},
                          {"OLLAMA_PROXY_REMOTE_PORT", "9000"}};
    const std::string error = error_of({}, env);
    EXPECT_TRUE(contains(error, "OLLAMA_PROXY_REMOTE_HOST")) << error;
    EXPECT_TRUE(contains(error, "OLLAMA_PROXY_REMOTE_PORT")) << error;
}

TEST(Config, UrlWithoutPortDefersToSameLayerPort) {
    // The URL states no port, so the same layer's own remote.port is not contradicted.
    const Config config = config_of(
        {"--remote-host", "https://a", "--remote-port", "8443", "--remote-base-path", "/b"});
    EXPECT_EQ(config.remote.port, 8443);
    EXPECT_EQ(config.remote.base_path, "/b");
}

TEST(Config, DifferentLayersDoNotConflict) {
    const Environment env{{"OLLAMA_PROXY_REMOTE_PORT", "9000"}};
    EXPECT_EQ(config_of({"--remote-host", "https://a:8443"}, env).remote.port, 8443);
    const Environment url{{"OLLAMA_PROXY_REMOTE_HOST", "https://a:8443"}};
    EXPECT_EQ(config_of({"--remote-port", "9000"}, url).remote.port, 9000);
}

TEST(Config, SameLayerConflictInConfigFile) {
    TempDir dir;
    const std::string file =
        dir.write("a.json", R"({"remote": {"host": "https://a:8443", "port": 9000}})");
    const std::string error = error_of({"--config", file});
    EXPECT_TRUE(contains(error, "config file " + file)) << error;
    EXPECT_TRUE(contains(error, "remote.port")) << error;
}

// --- validation -----------------------------------------------------------------------------

struct BadValue {
    std::vector<std::string> args;
    std::string key;
    std::string value;
};

TEST(Config, RefusedValuesNameKeyAndValue) {
    const std::vector<BadValue> cases{
        {{"--remote-protocol", "ftp"}, "remote.protocol", "\"ftp\""},
        {{"--remote-port", "0"}, "remote.port", "0"},
        {{"--remote-port", "70000"}, "remote.port", "70000"},
        {{"--remote-port", "abc"}, "remote.port", "\"abc\""},
        {{"--remote-port", "-1"}, "remote.port", "\"-1\""},
        {{"--port", "65536"}, "server.port", "65536"},
        {{"--threads", "0"}, "server.threads", "0"},
        {{"--threads", "257"}, "server.threads", "257"},
        {{"--max-header-size", "1023"}, "server.maxHeaderBytes", "1023"},
        {{"--max-header-size", "16777217"}, "server.maxHeaderBytes", "16777217"},
        {{"--remote-base-path", "/a/../b"}, "remote.basePath", "/a/../b"},
        {{"--remote-base-path", "/a?x"}, "remote.basePath", "/a?x"},
        {{"--openai-base-path", "/"}, "openai.basePath", "\"/\""},
        {{"--openai-base-path", "/health"}, "openai.basePath", "/health"},
        {{"--openai-base-path", "/ready/v1"}, "openai.basePath", "/ready/v1"},
        {{"--auth-header", "bad header"}, "auth.header", "\"bad header\""},
        {{"--auth-header", ""}, "auth.header", "\"\""},
        {{"--connect-timeout", "0"}, "timeouts.connect", "0"},
        {{"--upstream-head-timeout", "-1"}, "timeouts.upstreamHead", "-1"},
        {{"--keepalive-timeout", "soon"}, "timeouts.keepAlive", "\"soon\""},
        {{"--pool-idle-timeout", "inf"}, "timeouts.poolIdle", "\"inf\""},
        {{"--drain-timeout", "-0.5"}, "timeouts.drain", "-0.5"},
        {{"--log-level", "loud"}, "log.level", "\"loud\""},
        {{"--host", ""}, "server.host", "\"\""},
        {{"--moderation-model", "llama guard"}, "moderation.model", "\"llama guard\""},
        {{"--audio-translation-model", "a\tb"}, "audio.translationModel", "\"a\\tb\""},
        {{"--responses-store-size", "1000001"}, "responses.storeSize", "1000001"},
        {{"--responses-store-size", "many"}, "responses.storeSize", "\"many\""},
        {{"--responses-store-ttl", "0"}, "responses.storeTtlSeconds", "0"},
        {{"--responses-store-ttl", "1.5"}, "responses.storeTtlSeconds", "1.5"},
        {{"--responses-store-ttl", "31536001"}, "responses.storeTtlSeconds", "31536001"},
    };
    for (const BadValue& bad : cases) {
        std::vector<std::string> args{"--remote-host", "gpu"};
        args.insert(args.end(), bad.args.begin(), bad.args.end());
        const std::string error = error_of(args);
        EXPECT_TRUE(contains(error, bad.key + ":")) << error;
        EXPECT_TRUE(contains(error, bad.value)) << error;
    }
}

TEST(Config, RangeMessagesSayWhatIsAllowed) {
    EXPECT_EQ(error_of({"--remote-host", "gpu", "--remote-port", "70000"}),
              "ollama-proxy: option --remote-port: remote.port: 70000 is not a port (1-65535)\n");
    EXPECT_TRUE(contains(error_of({"--remote-host", "gpu", "--log-level", "loud"}),
                         "trace, debug, info, warn, error, critical, off"));
}

TEST(Config, ZeroIsAllowedWhereDocumented) {
    const Config config = config_of(
        {"--remote-host", "gpu", "--port", "0", "--drain-timeout", "0", "--ready-cache", "0"});
    EXPECT_EQ(config.server.port, 0);
    EXPECT_EQ(config.timeouts.drain.count(), 0);
    EXPECT_EQ(config.timeouts.ready_cache.count(), 0);
}

TEST(Config, ResponsesStoreFromEachSource) {
    TempDir dir;
    const std::string file = dir.write("r.json", R"({"remote": {"host": "gpu"},
                                "responses": {"storeSize": 7, "storeTtlSeconds": 70}})");
    const Config from_file = config_of({"--config", file});
    EXPECT_EQ(from_file.responses.store_size, 7u);
    EXPECT_EQ(from_file.responses.store_ttl_seconds, 70);
    const Environment env{{"OLLAMA_PROXY_RESPONSES_STORE_SIZE", "8"},
                          {"OLLAMA_PROXY_RESPONSES_STORE_TTL", "80"}};
    const Config from_env = config_of({"--config", file}, env);
    EXPECT_EQ(from_env.responses.store_size, 8u);
    EXPECT_EQ(from_env.responses.store_ttl_seconds, 80);
    const Config from_flags = config_of(
        {"--config", file, "--responses-store-size", "0", "--responses-store-ttl", "90"}, env);
    EXPECT_EQ(from_flags.responses.store_size, 0u);  // 0 keeps none
    EXPECT_EQ(from_flags.responses.store_ttl_seconds, 90);
    EXPECT_TRUE(contains(error_of({"--config", dir.write("bad.json", R"({"remote": {"host": "gpu"},
                                        "responses": {"storeSize": "10"}})")}),
                         "responses.storeSize: expected a number of responses"));
}

TEST(Config, CaFileMustBeReadable) {
    TempDir dir;
    const std::string missing = dir.path("missing.pem");
    const std::string error = error_of({"--remote-host", "gpu", "--remote-ca-file", missing});
    EXPECT_TRUE(contains(error, "remote.caFile")) << error;
    EXPECT_TRUE(contains(error, missing)) << error;
    EXPECT_TRUE(contains(error, "No such file")) << error;
    const std::string pem = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
    EXPECT_EQ(config_of({"--remote-host", "gpu", "--remote-ca-file", pem}).remote.ca_file, pem);
}

TEST(Config, HttpsOnlyOptionsAreHarmlessWithHttp) {
    TempDir dir;
    const std::string pem = dir.write("ca.pem", "x");
    const Config config =
        config_of({"--remote-host", "http://gpu", "--remote-insecure", "--remote-ca-file", pem});
    EXPECT_TRUE(config.remote.insecure);
}

TEST(Validate, AcceptsDefaultsWithHost) {
    Config config;
    config.remote.host = "gpu";
    EXPECT_FALSE(validate(config));
}

TEST(Validate, RefusesPathsNotInNormalForm) {
    Config config;
    config.remote.host = "gpu";
    config.remote.base_path = "/ollama/";
    const auto error = validate(config);
    ASSERT_TRUE(error);
    EXPECT_TRUE(contains(error->message, "remote.basePath")) << error->message;
}

// --- auth.tokens ----------------------------------------------------------------------------

TEST(Config, TokensFromFile) {
    TempDir dir;
    const std::string file = dir.write("a.json", R"({"remote": {"host": "gpu"}, "auth": {
        "enabled": true,
        "tokens": [{"key": "k1", "limitPerMinute": 60, "name": "alice"}, {"key": "k2"}]}})");
    const Config config = config_of({"--config", file});
    ASSERT_EQ(config.auth.tokens.size(), 2u);
    EXPECT_EQ(config.auth.tokens[0].key, "k1");
    EXPECT_EQ(config.auth.tokens[0].limit_per_minute, 60u);
    EXPECT_EQ(config.auth.tokens[0].name, "alice");
    EXPECT_EQ(config.auth.tokens[1].key, "k2");
    EXPECT_FALSE(config.auth.tokens[1].limit_per_minute);
}

TEST(Config, TokensFromEnvironment) {
    const Environment env{{"OLLAMA_PROXY_REMOTE_HOST", "gpu"},
                          {"OLLAMA_PROXY_AUTH_TOKENS", R"([{"key": "k1", "name": "bob"}])"}};
    const Config config = config_of({}, env);
    ASSERT_EQ(config.auth.tokens.size(), 1u);
    EXPECT_EQ(config.auth.tokens[0].name, "bob");
}

TEST(Config, TokensInvalidJsonInEnvironmentIsNotEchoed) {
    const Environment env{{"OLLAMA_PROXY_REMOTE_HOST", "gpu"},
                          {"OLLAMA_PROXY_AUTH_TOKENS", R"([{"key": "sk-secret-value)"}};
    const std::string error = error_of({}, env);
    EXPECT_TRUE(contains(error, "OLLAMA_PROXY_AUTH_TOKENS")) << error;
    EXPECT_TRUE(contains(error, "byte")) << error;
    EXPECT_FALSE(contains(error, "sk-secret")) << error;
}

TEST(Config, TokenErrorsNameThePositionNeverTheKey) {
    struct Case {
        std::string tokens;
        std::string expected;
    };
    const std::vector<Case> cases{
        {R"([{"key": "sk-one"}, {"key": ""}])", "auth.tokens[1].key: is empty"},
        {R"([{"key": "sk-one"}, {"key": "sk-two"}, {"key": "sk-one"}])",
         "auth.tokens[2].key: is the same key as auth.tokens[0].key"},
        {R"([{"name": "no key"}])", "auth.tokens[0].key: is missing"},
        {R"([{"key": 12345}])", "auth.tokens[0].key: expected a non-empty string"},
        {R"([{"key": "sk-one", "limitPerMinute": 0}])", "auth.tokens[0].limitPerMinute: 0"},
        {R"([{"key": "sk-one", "limitPerMinute": 1.5}])", "auth.tokens[0].limitPerMinute"},
        {R"([{"key": "sk-one", "name": 7}])", "auth.tokens[0].name: expected a string"},
        {R"([{"key": "sk-one", "nmae": "x"}])",
         "unknown key \"auth.tokens[0].nmae\" (did you mean \"auth.tokens[0].name\"?)"},
        {R"(["sk-one"])", "auth.tokens[0]: expected an object"},
        {R"({"key": "sk-one"})", "auth.tokens: expected an array"},
    };
    for (const Case& c : cases) {
        const Environment env{{"OLLAMA_PROXY_REMOTE_HOST", "gpu"},
                              {"OLLAMA_PROXY_AUTH_TOKENS", c.tokens}};
        const std::string error = error_of({}, env);
        EXPECT_TRUE(contains(error, c.expected)) << error;
        EXPECT_FALSE(contains(error, "sk-one")) << error;
        EXPECT_FALSE(contains(error, "12345")) << error;
    }
}

TEST(Config, QuotaMembersOfATokenAreRead) {
    const Environment env{{"OLLAMA_PROXY_REMOTE_HOST", "gpu"},
                          {"OLLAMA_PROXY_AUTH_TOKENS",
                           R"([{"key": "k1", "limitPerMinute": 10, "limitTokensPerMinute": 5000,
              "maxConcurrent": 2}])"}};
    const Config config = config_of({}, env);
    ASSERT_EQ(config.auth.tokens.size(), 1u);
    EXPECT_EQ(config.auth.tokens[0].limit_per_minute, 10u);
    EXPECT_EQ(config.auth.tokens[0].limit_tokens_per_minute, 5000u);
    EXPECT_EQ(config.auth.tokens[0].max_concurrent, 2u);
    for (const auto& [member, value] : {std::pair{"limitTokensPerMinute", "0"},
                                        {"maxConcurrent", "-1"},
                                        {"maxConcurrent", "\"2\""}}) {
        const Environment bad{{"OLLAMA_PROXY_REMOTE_HOST", "gpu"},
                              {"OLLAMA_PROXY_AUTH_TOKENS", std::string(R"([{"key": "k1", ")") +
                                                               member + "\": " + value + "}]"}};
        const std::string error = error_of({}, bad);
        EXPECT_TRUE(contains(error, std::string("auth.tokens[0].") + member)) << error;
    }
}

TEST(Config, TokensFileAddsKeysAndNamesItsOwnErrors) {
    TempDir dir;
    const std::string tokens = dir.write("keys.json", R"({"tokens": [{"key": "k2", "name": "bob"},
        {"key": "sha256:8868d53fe2d57e38dc0d413b3bf3392aaf9878c74ff7b0dd4fef6c8d0c2ffb02"}]})");
    const Config config =
        config_of({"--remote-host", "gpu", "--auth-enabled", "--auth-tokens-file", tokens});
    EXPECT_TRUE(config.auth.tokens.empty());
    ASSERT_EQ(config.auth.file_tokens.size(), 2u);
    EXPECT_EQ(config.auth.file_tokens[0].name, "bob");

    const std::string array = dir.write("array.json", R"([{"key": "k3"}, {"key": 5}])");
    std::string error = error_of({"--remote-host", "gpu", "--auth-tokens-file", array});
    EXPECT_TRUE(contains(error, "auth.tokensFile")) << error;
    EXPECT_TRUE(contains(error, "[1].key: expected a non-empty string")) << error;
    EXPECT_FALSE(contains(error, "k3")) << error;

    error = error_of({"--remote-host", "gpu", "--auth-tokens-file", dir.path("missing.json")});
    EXPECT_TRUE(contains(error, "cannot be read")) << error;
}

TEST(Config, AKeyMayNotBeWrittenTwiceNorServeAsTheAdminKey) {
    TempDir dir;
    // The file holds the digest of the key the environment holds in plain text.
    const std::string tokens = dir.write("keys.json", R"([{"key":
        "sha256:8868d53fe2d57e38dc0d413b3bf3392aaf9878c74ff7b0dd4fef6c8d0c2ffb02"}])");
    const Environment env{{"OLLAMA_PROXY_AUTH_TOKENS", R"([{"key": "sk-hashed-42"}])"}};
    std::string error = error_of({"--remote-host", "gpu", "--auth-tokens-file", tokens}, env);
    EXPECT_TRUE(contains(error, "auth.tokensFile [0].key: is the same key as auth.tokens[0].key"))
        << error;
    error = error_of({"--remote-host", "gpu", "--auth-admin-key", "sk-hashed-42"}, env);
    EXPECT_TRUE(contains(error, "auth.adminKey: is the same key as auth.tokens[0].key")) << error;
    EXPECT_FALSE(contains(error, "sk-hashed-42")) << error;
    error = error_of({"--remote-host", "gpu", "--auth-admin-key", "sha256:12"});
    EXPECT_TRUE(contains(error, "auth.adminKey: a key written")) << error;
    error = error_of({"--remote-host", "gpu", "--auth-enabled"});
    EXPECT_TRUE(contains(error, "neither auth.tokens nor auth.tokensFile")) << error;
    const Config config = config_of({"--remote-host", "gpu", "--auth-admin-key", "adm"}, env);
    EXPECT_EQ(config.auth.admin_key, "adm");
    EXPECT_FALSE(contains(redacted_json(config), "adm\"")) << redacted_json(config);
}

TEST(Config, CorsOriginsComeFromOllamasVariableAsACommaList) {
    const Environment env{{"OLLAMA_ORIGINS", " https://a.example, http://*.lan:* ,,"}};
    Config config = config_of({"--remote-host", "gpu"}, env);
    EXPECT_EQ(config.cors.origins,
              (std::vector<std::string>{"https://a.example", "http://*.lan:*"}));
    config = config_of({"--remote-host", "gpu", "--cors-origins", "*"}, env);
    EXPECT_EQ(config.cors.origins, std::vector<std::string>{"*"});
    TempDir dir;
    const std::string file =
        dir.write("c.json", R"({"remote": {"host": "gpu"}, "cors": {"origins": ["app://x"]}})");
    EXPECT_EQ(config_of({"--config", file}).cors.origins, std::vector<std::string>{"app://x"});
    const std::string error = error_of({"--remote-host", "gpu", "--cors-origins", "a.example"});
    EXPECT_TRUE(contains(error, "cors.origins[0]: \"a.example\" is not an origin")) << error;
}

// --- the config file ------------------------------------------------------------------------

TEST(ConfigFile, UnknownKeyWithSuggestion) {
    TempDir dir;
    const std::string file = dir.write("x.json", R"({"remote": {"hots": "gpu"}})");
    EXPECT_EQ(error_of({"--config", file}),
              "ollama-proxy: config file " + file +
                  ": unknown key \"remote.hots\" (did you mean \"remote.host\"?)\n");
}

TEST(ConfigFile, UnknownKeyWithoutCloseMatch) {
    TempDir dir;
    const std::string file = dir.write("x.json", R"({"remote": {"host": "gpu"}, "colour": 1})");
    const std::string error = error_of({"--config", file});
    EXPECT_TRUE(contains(error, "unknown key \"colour\"")) << error;
    EXPECT_FALSE(contains(error, "did you mean")) << error;
    const std::string section = dir.write("y.json", R"({"timeout": {"connect": 1}})");
    EXPECT_TRUE(contains(error_of({"--config", section}), "did you mean \"timeouts\"?"));
}

TEST(ConfigFile, WrongTypesNameKeyAndExpectedType) {
    TempDir dir;
    struct Case {
        std::string json;
        std::string expected;
    };
    const std::vector<Case> cases{
        {R"({"remote": {"host": "gpu", "port": "8080"}})",
         "remote.port: expected a port (1-65535), got string \"8080\""},
        {R"({"remote": {"host": "gpu", "insecure": "yes"}})",
         "remote.insecure: expected a boolean, got string"},
        {R"({"remote": {"host": 5}})", "remote.host: expected a host"},
        {R"({"remote": "gpu"})", "remote: expected an object, got string"},
        {R"({"remote": {"host": "gpu"}, "timeouts": {"connect": "10"}})",
         "timeouts.connect: expected a number of seconds"},
        {R"({"remote": {"host": "gpu"}, "server": {"threads": 1.5}})",
         "server.threads: expected a thread count (1-256), got number 1.5"},
        {R"({"remote": {"host": "gpu"}, "log": {"level": null}})",
         "log.level: expected a log level"},
        {R"([1, 2])", "expected a JSON object at the top level, got array"},
    };
    for (const Case& c : cases) {
        const std::string error = error_of({"--config", dir.write("t.json", c.json)});
        EXPECT_TRUE(contains(error, c.expected)) << error;
    }
}

TEST(ConfigFile, WrongTypeOfSecretIsNotEchoed) {
    TempDir dir;
    const std::string file =
        dir.write("t.json", R"({"remote": {"host": "gpu", "apiKey": 987654}})");
    const std::string error = error_of({"--config", file});
    EXPECT_TRUE(contains(error, "remote.apiKey: expected a string, got number")) << error;
    EXPECT_FALSE(contains(error, "987654")) << error;
}

TEST(ConfigFile, SyntaxErrorNamesFileAndPosition) {
    TempDir dir;
    const std::string file = dir.write("bad.json", "{\"remote\": {\"apiKey\": \"sk-abc}");
    const std::string error = error_of({"--config", file});
    EXPECT_TRUE(contains(error, "config file " + file)) << error;
    EXPECT_TRUE(contains(error, "invalid JSON at byte ")) << error;
    EXPECT_FALSE(contains(error, "sk-abc")) << error;
}

TEST(ConfigFile, UnreadableFile) {
    TempDir dir;
    const std::string missing = dir.path("nope.json");
    const std::string error = error_of({"--config", missing});
    EXPECT_TRUE(contains(error, "config file " + missing)) << error;
    EXPECT_TRUE(contains(error, "No such file or directory")) << error;
}

TEST(ConfigFile, DeepDocumentIsRefused) {
    TempDir dir;
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    const std::string error = error_of({"--config", dir.write("deep.json", deep)});
    EXPECT_TRUE(contains(error, "nested deeper")) << error;
}

TEST(ConfigFile, FullSchemaLoads) {
    TempDir dir;
    const std::string file = dir.write("full.json", R"({
        "remote": {"protocol": "https", "host": "gpu", "port": 8443, "basePath": "/ollama",
                   "apiKey": "secret", "caFile": "", "insecure": true},
        "server": {"host": "0.0.0.0", "port": 8080, "threads": 4, "maxHeaderBytes": 131072},
        "openai": {"basePath": "/openai/v1"},
        "auth": {"enabled": true, "header": "x-key", "tokens": [{"key": "t"}]},
        "timeouts": {"connect": 1, "upstreamHead": 2, "upstreamIdle": 3, "clientHead": 4,
                     "clientIdle": 5, "keepAlive": 6, "poolIdle": 7, "drain": 8,
                     "readyCache": 9},
        "log": {"level": "trace"}})");
    const Config config = config_of({"--config", file});
    EXPECT_EQ(remote_display(config.remote), "https://gpu:8443/ollama");
    EXPECT_EQ(config.server.max_header_bytes, 131072u);
    EXPECT_EQ(config.openai.base_path, "/openai/v1");
    EXPECT_EQ(config.timeouts.ready_cache.count(), 9);
    EXPECT_EQ(config.timeouts.keep_alive.count(), 6);
}

// --- the loop guard -------------------------------------------------------------------------

TEST(Config, RefusesForwardingToItself) {
    const std::vector<std::vector<std::string>> loops{
        {"--remote-host", "127.0.0.1"},
        {"--remote-host", "localhost"},
        {"--remote-host", "LocalHost."},
        {"--remote-host", "127.1.2.3:11434"},
        {"--remote-host", "[::1]:11434"},
        {"--remote-host", "http://localhost:11434/"},
        {"--remote-host", "127.0.0.1:8080", "--port", "8080"},
        {"--remote-host", "127.0.0.1", "--host", "0.0.0.0"},
        {"--remote-host", "::1", "--host", "::"},
        {"--remote-host", "localhost", "--host", "::1"},
        {"--remote-host", "GPU.lan", "--host", "gpu.LAN"},
    };
    for (const auto& args : loops) {
        const std::string error = error_of(args);
        EXPECT_TRUE(contains(error, "remote.host:")) << error;
        EXPECT_TRUE(contains(error, "own listener")) << error;
    }
    EXPECT_EQ(error_of({"--remote-host", "127.0.0.1"}),
              "ollama-proxy: remote.host: 127.0.0.1:11434 is this proxy's own listener (it "
              "would forward to itself)\n");
}

TEST(Config, AllowsWhatIsNotALoop) {
    const std::vector<std::vector<std::string>> fine{
        {"--remote-host", "127.0.0.1:11435"},
        {"--remote-host", "127.0.0.1", "--port", "0"},
        {"--remote-host", "127.0.0.1", "--host", "192.168.1.5"},
        {"--remote-host", "gpu"},
        {"--remote-host", "http://localhost"},  // port 80
        {"--remote-host", "128.0.0.1"},
        {"--remote-host", "127.0.0.1.example.com"},
        {"--remote-host", "192.168.1.5", "--host", "0.0.0.0"},  // not knowable without lookups
    };
    for (const auto& args : fine)
        config_of(args);
}

// --- printing -------------------------------------------------------------------------------

TEST(PrintConfig, RedactsSecrets) {
    const Environment env{{"OLLAMA_PROXY_AUTH_TOKENS",
                           R"([{"key": "tok-secret-1", "name": "a"}, {"key": "tok-2"}])"}};
    const CommandLineOutcome outcome = run(
        {"--remote-host", "gpu", "--remote-api-key", "sk-upstream-secret", "--print-config"}, env);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
    EXPECT_FALSE(contains(outcome.output, "secret")) << outcome.output;
    EXPECT_FALSE(contains(outcome.output, "tok-2")) << outcome.output;
    const auto printed = nlohmann::json::parse(outcome.output);
    EXPECT_EQ(printed["remote"]["apiKey"], "<redacted>");
    EXPECT_EQ(printed["auth"]["tokens"][0]["key"], "<redacted>");
    EXPECT_EQ(printed["auth"]["tokens"][0]["name"], "a");
    EXPECT_EQ(printed["auth"]["tokens"][1]["key"], "<redacted>");
    EXPECT_EQ(printed["remote"]["host"], "gpu");
    EXPECT_EQ(printed["timeouts"]["connect"], 10);
    EXPECT_TRUE(printed["timeouts"]["connect"].is_number_integer());
}

TEST(PrintConfig, EmptySecretsStayEmpty) {
    const CommandLineOutcome outcome = run({"--remote-host", "gpu", "--print-config"});
    ASSERT_EQ(outcome.exit_code, 0);
    EXPECT_EQ(nlohmann::json::parse(outcome.output)["remote"]["apiKey"], "");
}

TEST(PrintConfig, IsRefusedForAnInvalidConfig) {
    EXPECT_EQ(run({"--print-config"}).exit_code, 2);
}

TEST(PrintConfig, RoundTrips) {
    TempDir dir;
    const CommandLineOutcome first =
        run({"--remote-host", "https://gpu:8443/ollama", "--remote-api-key", "sk-x", "--host",
             "0.0.0.0", "--port", "8080", "--upstream-idle-timeout", "0.75", "--auth-header",
             "x-key", "--log-level", "debug", "--print-config"});
    ASSERT_EQ(first.exit_code, 0) << first.output;
    const std::string file = dir.write("printed.json", first.output);
    const CommandLineOutcome second = run({"--config", file, "--print-config"});
    ASSERT_EQ(second.exit_code, 0) << second.output;
    EXPECT_EQ(first.output, second.output);
    const Config loaded = config_of({"--config", file});
    EXPECT_EQ(loaded.timeouts.upstream_idle.count(), 0.75);
    EXPECT_EQ(remote_display(loaded.remote), "https://gpu:8443/ollama");
}

TEST(PrintConfig, RedactedTokenKeysAreNotAcceptedBack) {
    // Loading "<redacted>" as a client key would let anyone in who has seen a printed config.
    TempDir dir;
    const Environment env{{"OLLAMA_PROXY_AUTH_TOKENS", R"([{"key": "k"}])"}};
    const CommandLineOutcome printed = run({"--remote-host", "gpu", "--print-config"}, env);
    ASSERT_EQ(printed.exit_code, 0);
    const std::string error = error_of({"--config", dir.write("p.json", printed.output)});
    EXPECT_TRUE(contains(error, "auth.tokens[0].key")) << error;
    EXPECT_TRUE(contains(error, "<redacted>")) << error;
}

TEST(RemoteDisplay, Forms) {
    RemoteConfig remote;
    remote.host = "gpu";
    EXPECT_EQ(remote_display(remote), "http://gpu:11434");
    remote.host = "::1";
    remote.protocol = "https";
    remote.port = 443;
    remote.base_path = "/x";
    EXPECT_EQ(remote_display(remote), "https://[::1]:443/x");
}

// --- environment booleans -------------------------------------------------------------------

TEST(Environment, Booleans) {
    const std::vector<std::pair<std::string, bool>> cases{
        {"1", true},   {"0", false},  {"true", true}, {"FALSE", false},
        {"Yes", true}, {"no", false}, {"ON", true},   {"off", false}};
    for (const auto& [text, expected] : cases) {
        const Environment env{{"OLLAMA_PROXY_REMOTE_HOST", "gpu"},
                              {"OLLAMA_PROXY_REMOTE_INSECURE", text}};
        EXPECT_EQ(config_of({}, env).remote.insecure, expected) << text;
    }
}

TEST(Environment, BadBooleanNamesTheVariable) {
    const Environment env{{"OLLAMA_PROXY_REMOTE_HOST", "gpu"},
                          {"OLLAMA_PROXY_AUTH_ENABLED", "maybe"}};
    const std::string error = error_of({}, env);
    EXPECT_TRUE(contains(error, "OLLAMA_PROXY_AUTH_ENABLED")) << error;
    EXPECT_TRUE(contains(error, "\"maybe\"")) << error;
    EXPECT_TRUE(contains(error, "yes/no")) << error;
}

TEST(Environment, UnrelatedVariablesAreIgnored) {
    const Environment env{{"OLLAMA_PROXY_REMOTE_HOST", "gpu"}, {"OLLAMA_PROXY_TEST_X", "1"}};
    config_of({}, env);
}

TEST(Environment, CurrentEnvironmentIsRead) {
    ::setenv("OLLAMA_PROXY_CONFIG_TEST_PROBE", "a=b", 1);
    const Environment env = current_environment();
    ::unsetenv("OLLAMA_PROXY_CONFIG_TEST_PROBE");
    ASSERT_TRUE(env.count("OLLAMA_PROXY_CONFIG_TEST_PROBE"));
    EXPECT_EQ(env.at("OLLAMA_PROXY_CONFIG_TEST_PROBE"), "a=b");
}

// --- command line ---------------------------------------------------------------------------

TEST(CommandLine, Version) {
    const CommandLineOutcome outcome = run({"--version"});
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_EQ(outcome.output, std::string("ollama-proxy ") + OLLAMA_PROXY_VERSION + "\n");
}

TEST(CommandLine, Help) {
    const CommandLineOutcome outcome = run({"--help"});
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_TRUE(contains(outcome.output, "--remote-host")) << outcome.output;
    EXPECT_TRUE(contains(outcome.output, "--local-port")) << outcome.output;
    EXPECT_TRUE(contains(outcome.output, "OLLAMA_PROXY_REMOTE_HOST")) << outcome.output;
}

TEST(CommandLine, UnknownFlag) {
    const std::string error = error_of({"--remote-hots", "gpu"});
    EXPECT_TRUE(contains(error, "--remote-hots")) << error;
}

TEST(CommandLine, MissingValue) {
    error_of({"--remote-host"});
}

TEST(CommandLine, LastOccurrenceWins) {
    EXPECT_EQ(config_of({"--remote-host", "a", "--remote-host", "b"}).remote.host, "b");
}

TEST(CommandLine, NoArgumentsAtAll) {
    const CommandLineOutcome outcome = parse_command_line(0, nullptr, {});
    EXPECT_EQ(outcome.exit_code, 2);
}

}  // namespace
}  // namespace ollama_proxy
