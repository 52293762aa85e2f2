#include "ollama_proxy/cors/origin_policy.hpp"

#include "ollama_proxy/text.hpp"

#include <algorithm>
#include <cctype>

namespace ollama_proxy::cors {
namespace {

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// '*' matches any run of characters, including none.
bool glob_match(std::string_view pattern, std::string_view text) {
    std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

std::vector<std::string> default_patterns() {
    std::vector<std::string> patterns;
    for (const char* host : {"localhost", "127.0.0.1", "0.0.0.0"}) {
        for (const char* scheme : {"http://", "https://"}) {
            patterns.push_back(std::string(scheme) + host);
            patterns.push_back(std::string(scheme) + host + ":*");
        }
    }
    for (const char* scheme : {"app", "file", "tauri", "vscode-webview", "vscode-file"})
        patterns.push_back(std::string(scheme) + "://*");
    return patterns;
}

constexpr std::string_view kAllowedHeaders =
    "Authorization, Content-Type, User-Agent, Accept, X-Requested-With, OpenAI-Beta, "
    "OpenAI-Organization, OpenAI-Project, Idempotency-Key";

constexpr std::string_view kStainlessPrefix = "x-stainless-";

}  // namespace

OriginPolicy::OriginPolicy(const std::vector<std::string>& extra_origins)
    : patterns_(default_patterns()) {
    for (const std::string& origin : extra_origins)
        patterns_.push_back(lowercase(origin));
}

bool OriginPolicy::allows(std::string_view origin, std::string_view host) const {
    const std::string wanted = lowercase(origin);
    const std::string own = lowercase(host);
    if (!own.empty() && (wanted == "http://" + own || wanted == "https://" + own)) return true;
    return std::any_of(patterns_.begin(), patterns_.end(), [&wanted](const std::string& pattern) {
        return glob_match(pattern, wanted);
    });
}

HeaderList preflight_headers(std::string_view origin, std::string_view key_header,
                             std::string_view requested) {
    std::string allowed(kAllowedHeaders);
    allowed += ", ";
    allowed += key_header;
    // Every SDK release may add an x-stainless-* header; granting the family keeps browsers
    // from refusing a newer SDK.
    while (!requested.empty()) {
        const std::size_t comma = requested.find(',');
        const std::string name = lowercase(trim_blanks(requested.substr(0, comma)));
        if (name.rfind(kStainlessPrefix, 0) == 0 && name.size() > kStainlessPrefix.size() &&
            name.find_first_of(" \t\r\n;") == std::string::npos)
            allowed += ", " + name;
        if (comma == std::string_view::npos) break;
        requested.remove_prefix(comma + 1);
    }
    return {
        {"Access-Control-Allow-Origin", std::string(origin)},
        {"Vary", "Origin"},
        {"Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"},
        {"Access-Control-Allow-Headers", allowed},
        {"Access-Control-Max-Age", "43200"},
    };
}

HeaderList response_headers(std::string_view origin) {
    return {
        {"Access-Control-Allow-Origin", std::string(origin)},
        {"Vary", "Origin"},
        {"Access-Control-Expose-Headers",
         "x-request-id, x-should-retry, retry-after, retry-after-ms, "
         "x-ratelimit-limit-requests, x-ratelimit-remaining-requests, "
         "x-ratelimit-reset-requests, x-ratelimit-limit-tokens, "
         "x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens"},
    };
}

}  // namespace ollama_proxy::cors
