#pragma once

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fake_ollama {

// Ordered so that emitted objects keep Ollama's field order.
using ojson = nlohmann::ordered_json;

namespace mime {
inline constexpr std::string_view json_utf8 = "application/json; charset=utf-8";
inline constexpr std::string_view json = "application/json";
inline constexpr std::string_view ndjson = "application/x-ndjson";
inline constexpr std::string_view text_utf8 = "text/plain; charset=utf-8";
inline constexpr std::string_view text = "text/plain";
}  // namespace mime

// What a route produced. The transport chooses the framing: Content-Length for a plain reply,
// chunked NDJSON (one line per chunk, paced) for a streaming one.
struct reply {
    unsigned status = 200;
    std::string_view content_type;   // static storage; empty means no Content-Type field
    std::string body;                // the whole body of a plain reply
    std::vector<std::string> lines;  // streaming reply: NDJSON lines, each ending in '\n'
    bool streaming = false;
    bool close = false;  // answer with Connection: close
};

reply json_reply(const ojson& body, unsigned status = 200,
                 std::string_view content_type = mime::json_utf8);
reply raw_json_reply(std::string body, unsigned status = 200);
reply error_reply(unsigned status, std::string_view message);
reply text_reply(unsigned status, std::string_view text, std::string_view content_type);
reply empty_reply(unsigned status);
reply stream_reply(std::vector<std::string> lines);

// Compact JSON; invalid UTF-8 in strings is replaced rather than thrown on.
std::string dump(const ojson& value);

// A name in double quotes, as Go's %q prints it in Ollama's messages.
std::string go_quote(std::string_view s);
// One NDJSON line: compact JSON plus '\n'.
std::string dump_line(const ojson& value);

// A request body decoded the way Go's encoding/json would, with Go's error wording on failure.
struct decoded_body {
    ojson doc;
    std::optional<reply> error;
};
decoded_body decode_body(std::string_view body, std::string_view go_type);

enum class json_kind { string, boolean, number, integer, array, object };

// A top-level field and the Go type it decodes into; null always decodes (to the zero value).
struct field_rule {
    std::string_view key;
    json_kind kind;
    std::string_view go_type;
};
std::optional<reply> check_fields(const ojson& doc, std::string_view go_struct,
                                  std::initializer_list<field_rule> rules);
// "array", "number 1.5", ... as Go names a JSON value in unmarshal errors.
std::string go_value_name(const ojson& value);

// Field accessors that treat absent and null as the zero value.
std::string string_field(const ojson& doc, std::string_view key);
bool bool_field(const ojson& doc, std::string_view key, bool fallback);

}  // namespace fake_ollama
