#include "ollama_proxy/payload_snippet.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace ollama_proxy {
namespace {

constexpr std::string_view kRedacted = "<redacted>";

bool secret_name(std::string_view name) {
    static constexpr std::array<std::string_view, 8> kWords{
        "key", "token", "secret", "password", "passwd", "authorization", "credential", "cookie"};
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // "tokens" as in max_tokens or eval counts is no secret; a name ending in such a count is
    // skipped so usage stays readable.
    if (lower.find("max_") == 0 || lower.find("_tokens") != std::string::npos) return false;
    return std::any_of(kWords.begin(), kWords.end(), [&lower](std::string_view word) {
        return lower.find(word) != std::string::npos;
    });
}

// The end of the JSON string that starts at `open` (the index of its quote), or npos.
std::size_t string_end(std::string_view text, std::size_t open) {
    for (std::size_t i = open + 1; i < text.size(); ++i) {
        if (text[i] == '\\') {
            ++i;
        } else if (text[i] == '"') {
            return i;
        }
    }
    return std::string_view::npos;
}

// After a member name ends at `close`: the index of its value's opening quote, or npos.
std::size_t string_value_after(std::string_view text, std::size_t close) {
    std::size_t i = close + 1;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
        ++i;
    if (i >= text.size() || text[i] != ':') return std::string_view::npos;
    ++i;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
        ++i;
    return i < text.size() && text[i] == '"' ? i : std::string_view::npos;
}

std::string redact_members(std::string_view text) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] != '"') {
            out.push_back(text[i++]);
            continue;
        }
        const std::size_t close = string_end(text, i);
        if (close == std::string_view::npos) {
            out.append(text.substr(i));
            break;
        }
        out.append(text.substr(i, close - i + 1));
        const std::size_t value = string_value_after(text, close);
        if (value != std::string_view::npos && secret_name(text.substr(i + 1, close - i - 1))) {
            out.append(text.substr(close + 1, value - close));
            out.append(kRedacted);
            const std::size_t value_end = string_end(text, value);
            if (value_end == std::string_view::npos) break;  // cut inside the secret: drop it
            out.push_back('"');
            i = value_end + 1;
        } else {
            i = close + 1;
        }
    }
    return out;
}

std::string redact_bearer(std::string text) {
    static constexpr std::string_view kBearer = "bearer ";
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (std::size_t at = lower.find(kBearer); at != std::string::npos;
         at = lower.find(kBearer, at + 1)) {
        const std::size_t start = at + kBearer.size();
        std::size_t end = start;
        while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
               text[end] != '"' && text[end] != '\\' && text[end] != ',')
            ++end;
        if (end == start) continue;
        text.replace(start, end - start, kRedacted);
        lower.replace(start, end - start, kRedacted);
    }
    return text;
}

}  // namespace

std::string redact_secrets(std::string_view text) {
    return redact_bearer(redact_members(text));
}

void PayloadSnippet::feed(std::string_view bytes) {
    if (kept_.size() >= limit_) {
        cut_ = cut_ || !bytes.empty();
        return;
    }
    const std::size_t room = limit_ - kept_.size();
    kept_.append(bytes.substr(0, room));
    if (bytes.size() > room) cut_ = true;
}

std::string PayloadSnippet::text() const {
    std::string out;
    for (const char c : redact_secrets(kept_)) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else if (byte < 0x20 || byte == 0x7f) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out.push_back(kHex[byte >> 4]);
            out.push_back(kHex[byte & 15]);
        } else {
            out.push_back(c);
        }
    }
    if (cut_) out += "...";
    return out;
}

}  // namespace ollama_proxy
