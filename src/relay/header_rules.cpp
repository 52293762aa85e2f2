#include "ollama_proxy/header_rules.hpp"

#include "ollama_proxy/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace ollama_proxy {
namespace {

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// The last comma-separated element of a list-valued field.
std::string_view last_list_element(std::string_view value) {
    const auto comma = value.rfind(',');
    return trim_blanks(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

bool is_hop_by_hop(std::string_view field_name) {
    static constexpr std::array<std::string_view, 11> fields = {"connection",
                                                                "keep-alive",
                                                                "proxy-connection",
                                                                "te",
                                                                "trailer",
                                                                "transfer-encoding",
                                                                "upgrade",
                                                                "proxy-authenticate",
                                                                "proxy-authorization",
                                                                "proxy-authentication-info",
                                                                "proxy-features"};
    return std::any_of(fields.begin(), fields.end(),
                       [&](std::string_view f) { return iequals(f, field_name); });
}

std::vector<std::string> connection_tokens(std::string_view value) {
    std::vector<std::string> tokens;
    while (!value.empty()) {
        const auto comma = value.find(',');
        const auto token = trim_blanks(value.substr(0, comma));
        if (!token.empty()) {
            std::string t(token);
            std::transform(t.begin(), t.end(), t.begin(), lower);
            tokens.push_back(std::move(t));
        }
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return tokens;
}

std::optional<std::string> framing_error(const RequestFraming& framing) {
    if (!framing.transfer_encoding) return std::nullopt;
    if (framing.has_content_length) return "request has both Content-Length and Transfer-Encoding";
    if (framing.http10) return "Transfer-Encoding is not allowed in an HTTP/1.0 request";
    if (!iequals(last_list_element(*framing.transfer_encoding), "chunked"))
        return "request Transfer-Encoding must end with chunked";
    return std::nullopt;
}

}  // namespace ollama_proxy
