// Parsing of the remote's address as operators write it: a bare host ("gpu", "gpu:8080",
// "[::1]:11434", "::1") or a URL ("https://gpu.example.com:8443/ollama"). Pure string functions,
// no DNS, so every accepted and refused form is unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ollama_proxy {

// Either a value or a one-line reason why there is none.
template <typename T>
struct ParseResult {
    std::optional<T> value;
    std::string error;  // set when `value` is empty; never contains a credential

    bool ok() const { return value.has_value(); }
};

// What a --remote-host value says. Only what the text states explicitly is set, so that the
// caller can tell "the URL says port 443" from "the URL says nothing about the port".
struct RemoteHost {
    std::optional<std::string> protocol;   // "http" or "https"; set exactly when a URL was given
    std::string host;                      // name or IP address; IPv6 without brackets
    std::optional<std::uint16_t> port;     // an explicit port only
    std::optional<std::string> base_path;  // a URL's explicit path, normalised like basePath
};

// Accepts host, host:port, [v6], [v6]:port, bare v6 (no port), and http(s)://authority[/path].
// Refuses credentials, queries and fragments, other schemes, bad ports and whitespace.
ParseResult<RemoteHost> parse_remote_host(std::string_view text);

// Normalises a base path: a leading '/' is added, trailing '/' removed ("/" stays "/"), "" is
// "/". Refuses "." and ".." segments (raw or percent-encoded), empty segments, '?', '#', '\',
// whitespace, control and non-ASCII characters.
ParseResult<std::string> normalize_base_path(std::string_view text);

// The port a URL of this scheme means when it names none (80 for http, 443 for https).
std::uint16_t default_port(std::string_view protocol);

}  // namespace ollama_proxy
