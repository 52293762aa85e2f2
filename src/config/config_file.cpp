// The JSON config file: read, parse, and turn into a layer of the settings table.

#include "config/settings.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace ollama_proxy::settings {
namespace {

using nlohmann::json;

// Deeper than any valid config; stops hostile documents before anything recurses into them.
constexpr int kMaxDepth = 16;

// Damerau-Levenshtein (optimal string alignment): a swapped pair of letters counts as one edit,
// the most common typo in key names.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

// The parser's message, minus its "[json.exception...]" prefix and its "last read: '...'" echo
// of the offending text, which could be part of a secret.
std::string describe(const json::parse_error& error) {
    std::string message = error.what();
    const std::size_t prefix_end = message.find("] ");
    if (prefix_end != std::string::npos) message.erase(0, prefix_end + 2);
    const std::size_t echo = message.find("; last read: '");
    if (echo != std::string::npos) {
        const std::size_t expected = message.rfind("; expected ");
        message.erase(echo, expected != std::string::npos && expected > echo ? expected - echo
                                                                             : std::string::npos);
    }
    // What is left reads "parse error at line L, column C: <reason>".
    const std::string lead = "parse error at ";
    if (message.rfind(lead, 0) == 0) message.erase(0, lead.size());
    const std::size_t colon = message.find(": ");
    if (colon != std::string::npos) {
        message = "(" + message.substr(0, colon) + "): " + message.substr(colon + 2);
    }
    return "invalid JSON at byte " + std::to_string(error.byte) + " " + message;
}

bool is_section(std::string_view name) {
    const std::string prefix = std::string(name) + ".";
    return std::any_of(all().begin(), all().end(), [&prefix](const Setting& setting) {
        return setting.key.substr(0, prefix.size()) == prefix;
    });
}

// Walks nested objects; every leaf must be a known key, every inner object a known section.
std::optional<std::string> collect(const json& object, const std::string& prefix,
                                   const std::string& origin, Layer& layer) {
    for (const auto& [name, value] : object.items()) {
        const std::string full = prefix.empty() ? name : prefix + "." + name;
        if (const Setting* setting = find(full)) {
            layer.push_back({setting, value, origin});
            continue;
        }
        if (!is_section(full)) return unknown_key(full, known_names());
        if (!value.is_object()) {
            return full + ": expected an object, got " + std::string(value.type_name());
        }
        if (auto problem = collect(value, full, origin, layer)) return problem;
    }
    return std::nullopt;
}

}  // namespace

int read_file(const std::string& path, std::string& text) {
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                               &std::fclose);
    if (!file) return errno;
    char buffer[8192];
    std::size_t count = 0;
    while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        text.append(buffer, count);
    }
    return std::ferror(file.get()) != 0 ? errno : 0;
}

std::vector<std::string> known_names() {
    std::vector<std::string> names;
    for (const Setting& setting : all()) {
        const std::string key(setting.key);
        for (std::size_t dot = key.find('.'); dot != std::string::npos;
             dot = key.find('.', dot + 1)) {
            names.push_back(key.substr(0, dot));
        }
        names.push_back(key);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

std::optional<std::string> closest(std::string_view name, const std::vector<std::string>& known) {
    std::optional<std::string> best;
    std::size_t best_distance = 3;  // suggestions further than two edits are more noise than help
    for (const std::string& candidate : known) {
        const std::size_t distance = edit_distance(name, candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
}

std::string unknown_key(std::string_view name, const std::vector<std::string>& known) {
    std::string message = "unknown key " + in_quotes(name);
    if (auto suggestion = closest(name, known))
        message += " (did you mean " + in_quotes(*suggestion) + "?)";
    return message;
}

ParseResult<nlohmann::json> parse_json(std::string_view text) {
    bool too_deep = false;
    // Returning false drops the value, so an over-deep document is never built, only noted.
    const json::parser_callback_t bound = [&too_deep](int depth, json::parse_event_t, json&) {
        if (depth <= kMaxDepth) return true;
        too_deep = true;
        return false;
    };
    try {
        json value = json::parse(text.begin(), text.end(), bound);
        if (too_deep)
            return {{}, "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels"};
        return {std::move(value), {}};
    } catch (const json::parse_error& error) {
        return {{}, describe(error)};
    }
}

std::variant<Layer, ConfigError> read_config_file(const std::string& path) {
    const std::string origin = "config file " + path;
    std::string text;
    if (const int error = read_file(path, text); error != 0) {
        return ConfigError{origin + ": cannot be read: " + std::strerror(error)};
    }
    auto parsed = parse_json(text);
    if (!parsed.ok()) return ConfigError{origin + ": " + parsed.error};
    if (!parsed.value->is_object()) {
        return ConfigError{origin + ": expected a JSON object at the top level, got " +
                           std::string(parsed.value->type_name())};
    }
    Layer layer;
    if (auto problem = collect(*parsed.value, "", origin, layer)) {
        return ConfigError{origin + ": " + *problem};
    }
    return layer;
}

}  // namespace ollama_proxy::settings
