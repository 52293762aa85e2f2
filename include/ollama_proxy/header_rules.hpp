// Which header fields a proxy forwards, and which request framings it accepts. Pure string logic:
// the transport applies these rules to Beast's field containers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ollama_proxy {

// Case-insensitive ASCII comparison, as HTTP field names and tokens require.
bool iequals(std::string_view a, std::string_view b);

// Fields that describe one connection rather than the message (RFC 9110 §7.6.1), plus the proxy
// credential fields, which are meant for this hop only.
bool is_hop_by_hop(std::string_view field_name);

// The field names listed in a Connection header value ("keep-alive, X-Foo" -> {keep-alive, x-foo}),
// lower-cased; those fields are hop-by-hop for this message too.
std::vector<std::string> connection_tokens(std::string_view connection_value);

struct RequestFraming {
    bool has_content_length = false;
    std::optional<std::string_view> transfer_encoding;  // joined value of all such fields
    bool http10 = false;
};

// Returns an error for framings that different servers could read differently (request
// smuggling): Content-Length together with Transfer-Encoding, a Transfer-Encoding that does not
// end in "chunked", or Transfer-Encoding on HTTP/1.0. Empty when the framing is unambiguous.
std::optional<std::string> framing_error(const RequestFraming& framing);

}  // namespace ollama_proxy
