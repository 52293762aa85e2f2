#include "ollama_proxy/remote_url.hpp"

#include <algorithm>
#include <cctype>

namespace ollama_proxy {
namespace {

// Credentials in the address would end up in logs and in `ps`; the key has its own setting.
constexpr std::string_view kCredentialsError =
    "credentials (user:password@) are not accepted in the remote's address; put the key in "
    "remote.apiKey";

std::string in_quotes(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

bool is_space_or_control(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
}

bool has_space_or_control(std::string_view text) {
    return std::any_of(text.begin(), text.end(), is_space_or_control);
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_ipv6_text(std::string_view text) {
    if (text.find(':') == std::string_view::npos) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
    });
}

bool is_host_name(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    });
}

ParseResult<std::uint16_t> parse_port(std::string_view digits, std::string_view whole) {
    if (digits.empty()) return {{}, in_quotes(whole) + " has an empty port (allowed 1-65535)"};
    const bool numeric =
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric) {
        return {{},
                in_quotes(whole) + " has port " + in_quotes(digits) +
                    ", which is not a number (allowed 1-65535)"};
    }
    unsigned long value = 0;
    for (const char c : digits) {
        value = value * 10 + static_cast<unsigned long>(c - '0');
        if (value > 65535) break;  // stop before a long digit string can overflow
    }
    if (value == 0 || value > 65535) {
        return {{}, in_quotes(whole) + " has port " + std::string(digits) + " (allowed 1-65535)"};
    }
    return {static_cast<std::uint16_t>(value), {}};
}

// "[v6]" or "[v6]:port"; the brackets are dropped from the stored host.
ParseResult<RemoteHost> parse_bracketed(std::string_view authority, std::string_view whole) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return {{}, in_quotes(whole) + " has an unclosed '['"};
    RemoteHost remote;
    remote.host = std::string(authority.substr(1, close - 1));
    if (!is_ipv6_text(remote.host)) {
        return {{}, in_quotes(whole) + " has no IPv6 address between '[' and ']'"};
    }
    const std::string_view rest = authority.substr(close + 1);
    if (rest.empty()) return {remote, {}};
    if (rest.front() != ':') return {{}, in_quotes(whole) + " has unexpected text after ']'"};
    auto port = parse_port(rest.substr(1), whole);
    if (!port.ok()) return {{}, port.error};
    remote.port = port.value;
    return {remote, {}};
}

ParseResult<RemoteHost> parse_authority(std::string_view authority, std::string_view whole,
                                        bool in_url) {
    if (authority.empty()) return {{}, in_quotes(whole) + " has an empty host"};
    if (authority.front() == '[') return parse_bracketed(authority, whole);
    RemoteHost remote;
    if (std::count(authority.begin(), authority.end(), ':') >= 2) {
        // Without brackets the last group of an IPv6 address cannot be told from a port; a
        // URL requires brackets, a bare value is read as an address without port.
        if (in_url) return {{}, in_quotes(whole) + " needs brackets around an IPv6 address"};
        if (!is_ipv6_text(authority))
            return {{}, in_quotes(whole) + " is not a valid IPv6 address"};
        remote.host = std::string(authority);
        return {remote, {}};
    }
    const std::size_t colon = authority.find(':');
    remote.host = std::string(authority.substr(0, colon));
    if (remote.host.empty()) return {{}, in_quotes(whole) + " has an empty host"};
    if (!is_host_name(remote.host)) {
        return {{},
                in_quotes(whole) + " has an invalid host " + in_quotes(remote.host) +
                    " (allowed: a name of letters, digits, '-', '.', '_', or an IP address)"};
    }
    if (colon == std::string_view::npos) return {remote, {}};
    auto port = parse_port(authority.substr(colon + 1), whole);
    if (!port.ok()) return {{}, port.error};
    remote.port = port.value;
    return {remote, {}};
}

ParseResult<RemoteHost> parse_url(std::string_view text, std::size_t scheme_end) {
    const std::string scheme = lowercase(text.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https") {
        return {{},
                in_quotes(text) + " uses the unsupported scheme " + in_quotes(scheme) +
                    " (allowed: http, https)"};
    }
    const std::string_view rest = text.substr(scheme_end + 3);
    const std::size_t slash = rest.find('/');
    auto parsed = parse_authority(rest.substr(0, slash), text, true);
    if (!parsed.ok()) return parsed;
    parsed.value->protocol = scheme;
    if (slash != std::string_view::npos) {
        auto path = normalize_base_path(rest.substr(slash));
        if (!path.ok()) return {{}, "the path of " + in_quotes(text) + ": " + path.error};
        parsed.value->base_path = path.value;
    }
    return parsed;
}

// Dot segments are judged after decoding "%2e", the way a permissive server behind us would.
bool is_dot_segment(std::string_view segment) {
    std::string decoded;
    for (std::size_t i = 0; i < segment.size(); ++i) {
        if (segment[i] == '%' && i + 2 < segment.size() && segment[i + 1] == '2' &&
            (segment[i + 2] == 'e' || segment[i + 2] == 'E')) {
            decoded.push_back('.');
            i += 2;
        } else {
            decoded.push_back(segment[i]);
        }
    }
    return decoded == "." || decoded == "..";
}

std::string path_character_problem(std::string_view text) {
    for (const char c : text) {
        if (is_space_or_control(c)) return "contains whitespace or a control character";
        if (static_cast<unsigned char>(c) >= 0x80) {
            return in_quotes(text) + " contains a non-ASCII character (percent-encode it)";
        }
        if (c == '?' || c == '#' || c == '\\') {
            return in_quotes(text) + " contains '" + std::string(1, c) +
                   "' (allowed: a path like /ollama, without '?', '#' or '\\')";
        }
    }
    return {};
}

std::string segment_problem(std::string_view path) {
    std::size_t start = 1;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        const std::string_view segment = path.substr(start, end - start);
        if (segment.empty()) return in_quotes(path) + " contains an empty segment (\"//\")";
        if (is_dot_segment(segment)) {
            return in_quotes(path) + " contains a \".\" or \"..\" segment (allowed: a path like " +
                   "/ollama)";
        }
        start = end + 1;
    }
    return {};
}

}  // namespace

ParseResult<std::string> normalize_base_path(std::string_view text) {
    if (std::string problem = path_character_problem(text); !problem.empty()) return {{}, problem};
    std::string path =
        text.empty() || text.front() != '/' ? "/" + std::string(text) : std::string(text);
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    if (path == "/") return {path, {}};
    if (std::string problem = segment_problem(path); !problem.empty()) return {{}, problem};
    return {path, {}};
}

ParseResult<RemoteHost> parse_remote_host(std::string_view text) {
    if (text.empty())
        return {{}, "is empty (allowed: host, host:port, or http(s)://host[:port]/path)"};
    // Checked before anything that echoes the value, so a password never reaches a message.
    if (text.find('@') != std::string_view::npos) return {{}, std::string(kCredentialsError)};
    if (has_space_or_control(text)) return {{}, "contains whitespace or a control character"};
    if (text.find_first_of("?#") != std::string_view::npos) {
        return {{},
                in_quotes(text) + " has a query or fragment (allowed: scheme, host, port, path)"};
    }
    const std::size_t scheme_end = text.find("://");
    if (scheme_end != std::string_view::npos) return parse_url(text, scheme_end);
    if (text.find('/') != std::string_view::npos) {
        return {{},
                in_quotes(text) + " has a path but no scheme (write http://" + std::string(text) +
                    " or https://...)"};
    }
    return parse_authority(text, text, false);
}

std::uint16_t default_port(std::string_view protocol) {
    return protocol == "https" ? 443 : 80;
}

}  // namespace ollama_proxy
