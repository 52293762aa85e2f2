// The command line and the environment as layers of the settings table, and the whole pipeline:
// defaults < config file < environment < command line, then validation.

#include "config/settings.hpp"
#include "ollama_proxy/config.hpp"
#include "ollama_proxy/text.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#ifndef OLLAMA_PROXY_VERSION
#define OLLAMA_PROXY_VERSION "unknown"
#endif

namespace ollama_proxy {
namespace {

using nlohmann::json;
using settings::Entry;
using settings::Kind;
using settings::Layer;
using settings::Setting;

constexpr std::string_view kConfigVariable = "OLLAMA_PROXY_CONFIG";

// What CLI11 filled in. Values stay text until they go through the table, so that only options
// actually given override lower layers.
struct CommandLine {
    std::map<const Setting*, std::string> text;
    std::map<const Setting*, bool> flags;
    std::map<const Setting*, CLI::Option*> options;
    std::string config_file;
    CLI::Option* config_option = nullptr;
    bool version = false;
    bool print_config = false;
};

// --- text to JSON ---------------------------------------------------------------------------

std::optional<bool> parse_bool(std::string_view text) {
    const std::string lower = settings::lowercase(text);
    if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") return true;
    if (lower == "0" || lower == "false" || lower == "no" || lower == "off") return false;
    return std::nullopt;
}

std::optional<json> parse_integer(std::string_view text) {
    unsigned long long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return json(value);
}

std::optional<json> parse_seconds(std::string_view text) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
        !std::isfinite(value)) {
        return std::nullopt;
    }
    // Whole numbers stay integers so that messages echo "0", not "0.0".
    if (std::floor(value) == value && std::abs(value) < 1e15) {
        return json(static_cast<long long>(value));
    }
    return json(value);
}

// "a, b,,c" -> ["a", "b", "c"]: the spelling of OLLAMA_ORIGINS.
std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> items;
    while (!text.empty()) {
        const std::size_t comma = text.find(',');
        const std::string_view item = trim_blanks(text.substr(0, comma));
        if (!item.empty()) items.emplace_back(item);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return items;
}

// Environment and command line give text; the table speaks JSON, as the config file does.
ParseResult<json> from_text(const Setting& setting, const std::string& text) {
    const std::string key(setting.key);
    switch (setting.kind) {
        case Kind::Text:
            return {json(text), {}};
        case Kind::Bool:
            if (auto value = parse_bool(text)) return {json(*value), {}};
            return {{},
                    key + ": " + settings::in_quotes(text) +
                        " is not a boolean (1/0, true/false, yes/no, on/off)"};
        case Kind::Integer:
            if (auto value = parse_integer(text)) return {*value, {}};
            break;
        case Kind::Seconds:
            if (auto value = parse_seconds(text)) return {*value, {}};
            break;
        case Kind::List:
            return {json(split_list(text)), {}};
        case Kind::Tokens:
        case Kind::Object: {
            auto value = settings::parse_json(text);
            if (value.ok()) return value;
            return {{}, key + ": " + value.error + " (allowed: " + setting.allowed + ")"};
        }
    }
    return {{}, key + ": " + settings::in_quotes(text) + " is not " + setting.allowed};
}

// --- layers ---------------------------------------------------------------------------------

std::variant<Layer, ConfigError> environment_layer(const Environment& env) {
    Layer layer;
    for (const Setting& setting : settings::all()) {
        const auto found = env.find(std::string(setting.env));
        if (found == env.end()) continue;
        const std::string origin = "environment " + found->first;
        auto value = from_text(setting, found->second);
        if (!value.ok()) return ConfigError{origin + ": " + value.error};
        layer.push_back({&setting, std::move(*value.value), origin});
    }
    return layer;
}

std::variant<Layer, ConfigError> command_line_layer(const CommandLine& cli) {
    Layer layer;
    for (const auto& [setting, option] : cli.options) {
        if (option->count() == 0) continue;
        const std::string origin = "option " + option->get_name();
        if (setting->kind == Kind::Bool) {
            layer.push_back({setting, json(cli.flags.at(setting)), origin});
            continue;
        }
        auto value = from_text(*setting, cli.text.at(setting));
        if (!value.ok()) return ConfigError{origin + ": " + value.error};
        layer.push_back({setting, std::move(*value.value), origin});
    }
    return layer;
}

// --config wins over OLLAMA_PROXY_CONFIG; an empty value means "no file", so a command line can
// switch off a file named in the environment.
std::string config_file_path(const CommandLine& cli, const Environment& env) {
    if (cli.config_option->count() > 0) return cli.config_file;
    const auto found = env.find(std::string(kConfigVariable));
    return found == env.end() ? std::string() : found->second;
}

std::optional<ConfigError> apply_config_file(Config& config) {
    if (config.config_file.empty()) return std::nullopt;
    auto file = settings::read_config_file(config.config_file);
    if (auto* error = std::get_if<ConfigError>(&file)) return *error;
    return settings::apply_layer(config, std::get<Layer>(file));
}

std::variant<Config, ConfigError> merged_config(const CommandLine& cli, const Environment& env) {
    Config config;
    config.config_file = config_file_path(cli, env);
    if (auto error = apply_config_file(config)) return *error;
    for (auto layer : {environment_layer(env), command_line_layer(cli)}) {
        if (auto* error = std::get_if<ConfigError>(&layer)) return *error;
        if (auto error = settings::apply_layer(config, std::get<Layer>(layer))) return *error;
    }
    if (!config.auth.tokens_file.empty()) {
        auto tokens = settings::read_tokens_file(config.auth.tokens_file);
        if (auto* error = std::get_if<ConfigError>(&tokens)) return *error;
        config.auth.file_tokens = std::move(std::get<std::vector<AuthToken>>(tokens));
    }
    if (auto error = validate(config)) return *error;
    return config;
}

// --- CLI11 ----------------------------------------------------------------------------------

void add_setting_option(CLI::App& app, const Setting& setting, CommandLine& cli) {
    const std::string description = std::string(setting.help) + " [" + std::string(setting.key) +
                                    ", env " + std::string(setting.env) + "]";
    const std::string names(setting.flags);
    CLI::Option* option = setting.kind == Kind::Bool
                              ? app.add_flag(names, cli.flags[&setting], description)
                              : app.add_option(names, cli.text[&setting], description);
    option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    if (setting.kind == Kind::Integer) option->type_name("INT");
    if (setting.kind == Kind::Seconds) option->type_name("SECONDS");
    cli.options[&setting] = option;
}

void define_options(CLI::App& app, CommandLine& cli) {
    cli.config_option =
        app.add_option("--config", cli.config_file, "JSON config file [env OLLAMA_PROXY_CONFIG]")
            ->type_name("FILE");
    app.add_flag("--version", cli.version, "print the version and exit");
    app.add_flag("--print-config", cli.print_config,
                 "print the effective configuration (secrets redacted) and exit");
    for (const Setting& setting : settings::all()) {
        if (!setting.flags.empty()) add_setting_option(app, setting, cli);
    }
    app.footer(
        "Precedence: built-in defaults < --config file < environment < command line.\n"
        "auth.tokens is set in the config file or in OLLAMA_PROXY_AUTH_TOKENS (JSON array).");
}

std::string one_line(std::string text) {
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return text;
}

CommandLineOutcome finish(int exit_code, std::string output) {
    CommandLineOutcome outcome;
    outcome.exit_code = exit_code;
    outcome.output = std::move(output);
    return outcome;
}

CommandLineOutcome failure(const std::string& message) {
    return finish(2, "ollama-proxy: " + one_line(message) + "\n");
}

CommandLineOutcome run(int argc, const char* const* argv, const Environment& env) {
    CLI::App app{"Makes a remote Ollama look local.", "ollama-proxy"};
    CommandLine cli;
    define_options(app, cli);
    try {
        if (argc > 0) {
            app.parse(argc, argv);
        } else {
            std::vector<std::string> none;
            app.parse(none);
        }
    } catch (const CLI::CallForHelp&) {
        return finish(0, app.help());
    } catch (const CLI::ParseError& error) {
        return failure(error.what());
    }
    if (cli.version) return finish(0, std::string("ollama-proxy ") + OLLAMA_PROXY_VERSION + "\n");
    auto merged = merged_config(cli, env);
    if (auto* error = std::get_if<ConfigError>(&merged)) return failure(error->message);
    if (cli.print_config) return finish(0, redacted_json(std::get<Config>(merged)) + "\n");
    CommandLineOutcome outcome;
    outcome.config = std::move(std::get<Config>(merged));
    return outcome;
}

}  // namespace

CommandLineOutcome parse_command_line(int argc, const char* const* argv, const Environment& env) {
    // The daemon must fail with a message, never with an uncaught exception; values are
    // type-checked before use, so this only guards against the unforeseen.
    try {
        return run(argc, argv, env);
    } catch (const std::exception& error) {
        return failure(std::string("cannot read the configuration: ") + error.what());
    }
}

}  // namespace ollama_proxy
