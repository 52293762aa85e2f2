#include "replies.hpp"

#include <algorithm>
#include <cmath>

namespace fake_ollama {
namespace {

bool blank(std::string_view body) {
    return std::all_of(body.begin(), body.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

bool kind_matches(const ojson& value, json_kind kind) {
    switch (kind) {
        case json_kind::string:
            return value.is_string();
        case json_kind::boolean:
            return value.is_boolean();
        case json_kind::number:
            return value.is_number();
        case json_kind::integer:
            return value.is_number_integer() ||
                   (value.is_number_float() &&
                    std::trunc(value.get<double>()) == value.get<double>());
        case json_kind::array:
            return value.is_array();
        case json_kind::object:
            return value.is_object();
    }
    return false;
}

// Go reports a syntax error by the offending character, or "unexpected EOF" when the input
// simply stops.
std::string syntax_message(std::string_view body, std::size_t byte) {
    if (byte == 0 || byte > body.size()) return "unexpected EOF";
    const char c = body[byte - 1];
    if (static_cast<unsigned char>(c) < 0x20) {
        return "invalid character control character in JSON input";
    }
    return std::string("invalid character '") + c + "' looking for beginning of value";
}

}  // namespace

reply json_reply(const ojson& body, unsigned status, std::string_view content_type) {
    reply r;
    r.status = status;
    r.content_type = content_type;
    r.body = dump(body);
    return r;
}

reply raw_json_reply(std::string body, unsigned status) {
    reply r;
    r.status = status;
    r.content_type = mime::json_utf8;
    r.body = std::move(body);
    return r;
}

reply error_reply(unsigned status, std::string_view message) {
    return json_reply(ojson{{"error", message}}, status);
}

reply text_reply(unsigned status, std::string_view text, std::string_view content_type) {
    reply r;
    r.status = status;
    r.content_type = content_type;
    r.body = text;
    return r;
}

reply empty_reply(unsigned status) {
    reply r;
    r.status = status;
    return r;
}

reply stream_reply(std::vector<std::string> lines) {
    reply r;
    r.content_type = mime::ndjson;
    r.lines = std::move(lines);
    r.streaming = true;
    return r;
}

std::string dump(const ojson& value) {
    return value.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string dump_line(const ojson& value) {
    std::string line = dump(value);
    line.push_back('\n');
    return line;
}

decoded_body decode_body(std::string_view body, std::string_view go_type) {
    decoded_body out;
    if (blank(body)) {
        out.error = error_reply(400, "missing request body");
        return out;
    }
    try {
        out.doc = ojson::parse(body);
    } catch (const ojson::parse_error& e) {
        out.error = error_reply(400, syntax_message(body, e.byte));
        return out;
    }
    if (out.doc.is_null()) {
        out.doc = ojson::object();  // Go decodes null into a zero-valued struct
    } else if (!out.doc.is_object()) {
        out.error = error_reply(400, "json: cannot unmarshal " + go_value_name(out.doc) +
                                         " into Go value of type " + std::string(go_type));
    }
    return out;
}

std::string go_value_name(const ojson& value) {
    if (value.is_string()) return "string";
    if (value.is_boolean()) return "bool";
    if (value.is_array()) return "array";
    if (value.is_object()) return "object";
    if (value.is_number()) return "number " + value.dump();
    return "null";
}

std::optional<reply> check_fields(const ojson& doc, std::string_view go_struct,
                                  std::initializer_list<field_rule> rules) {
    for (const field_rule& rule : rules) {
        const auto it = doc.find(rule.key);
        if (it == doc.end() || it->is_null() || kind_matches(*it, rule.kind)) continue;
        std::string value = go_value_name(*it);
        // Go only spells out the number when it was a number of the wrong shape.
        if (it->is_number() && rule.kind != json_kind::integer) value = "number";
        return error_reply(400, "json: cannot unmarshal " + value + " into Go struct field " +
                                    std::string(go_struct) + "." + std::string(rule.key) +
                                    " of type " + std::string(rule.go_type));
    }
    return std::nullopt;
}

std::string string_field(const ojson& doc, std::string_view key) {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_string()) return {};
    return it->get<std::string>();
}

bool bool_field(const ojson& doc, std::string_view key, bool fallback) {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_boolean()) return fallback;
    return it->get<bool>();
}

std::string go_quote(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

}  // namespace fake_ollama
