#include "ollama_proxy/openai/multipart.hpp"

#include "ollama_proxy/text.hpp"

#include <algorithm>

namespace ollama_proxy::openai {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kMaxBoundary = 70;

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

bool is_token_char(char c) {
    static constexpr std::string_view kSpecials = "()<>@,;:\\\"/[]?={} \t";
    return c > 32 && c < 127 && kSpecials.find(c) == std::string_view::npos;
}

struct Param {
    std::string name;  // lower case
    std::string value;
};

// A quoted-string starting at text[at] == '"'; moves `at` past the closing quote.
std::optional<std::string> quoted(std::string_view text, std::size_t& at) {
    std::string value;
    for (++at; at < text.size(); ++at) {
        if (text[at] == '"') {
            ++at;
            return value;
        }
        if (text[at] == '\\' && at + 1 < text.size()) ++at;
        value.push_back(text[at]);
    }
    return std::nullopt;
}

// `; name=value; name="quoted value"` after a media type or disposition type; nullopt when
// malformed.
std::optional<std::vector<Param>> parameters(std::string_view text) {
    std::vector<Param> out;
    std::size_t at = 0;
    while (true) {
        while (at < text.size() && (text[at] == ' ' || text[at] == '\t'))
            ++at;
        if (at == text.size()) return out;
        if (text[at] != ';') return std::nullopt;
        ++at;
        while (at < text.size() && (text[at] == ' ' || text[at] == '\t'))
            ++at;
        if (at == text.size()) return out;  // a trailing ';' is harmless
        Param param;
        while (at < text.size() && is_token_char(text[at]))
            param.name.push_back(lower(text[at++]));
        if (param.name.empty() || at == text.size() || text[at] != '=') return std::nullopt;
        ++at;
        if (at < text.size() && text[at] == '"') {
            auto value = quoted(text, at);
            if (!value) return std::nullopt;
            param.value = std::move(*value);
        } else {
            while (at < text.size() && is_token_char(text[at]))
                param.value.push_back(text[at++]);
            if (param.value.empty()) return std::nullopt;
        }
        out.push_back(std::move(param));
    }
}

// The type before the first ';' (trimmed) and the parameters after it.
std::pair<std::string_view, std::string_view> split_type(std::string_view value) {
    const auto semicolon = value.find(';');
    const std::string_view type = trim_blanks(value.substr(0, semicolon));
    return {type,
            semicolon == std::string_view::npos ? std::string_view{} : value.substr(semicolon)};
}

const Param* find_param(const std::vector<Param>& params, std::string_view name) {
    const auto found =
        std::find_if(params.begin(), params.end(), [&](const Param& p) { return p.name == name; });
    return found == params.end() ? nullptr : &*found;
}

// RFC 8187 `UTF-8''percent%20encoded`, which clients use for names outside ASCII.
std::optional<std::string> extended_value(std::string_view value) {
    const auto quote = value.find("''");
    if (quote == std::string_view::npos || !iequals(value.substr(0, quote), "utf-8"))
        return std::nullopt;
    std::string out;
    for (std::size_t i = quote + 2; i < value.size(); ++i) {
        if (value[i] != '%') {
            out.push_back(value[i]);
            continue;
        }
        if (i + 2 >= value.size()) return std::nullopt;
        const int high = hex_digit(value[i + 1]), low = hex_digit(value[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return out;
}

// `form-data; name="x"; filename="y"`; what is wrong with it, or nothing.
std::optional<std::string> read_disposition(std::string_view value, FormPart& part) {
    const auto [type, rest] = split_type(value);
    const auto params = parameters(rest);
    if (!iequals(type, "form-data") || !params)
        return "a part's Content-Disposition is not form-data";
    const Param* field = find_param(*params, "name");
    if (field == nullptr) return "a part has no name";
    part.name = field->value;
    if (const Param* extended = find_param(*params, "filename*"))
        part.filename = extended_value(extended->value);
    if (!part.filename) {
        if (const Param* file = find_param(*params, "filename")) part.filename = file->value;
    }
    return std::nullopt;
}

// A part's header lines, each ending in CRLF; what is wrong with them, or nothing.
std::optional<std::string> read_part_head(std::string_view block, FormPart& part) {
    bool disposition = false;
    while (!block.empty()) {
        const auto eol = block.find(kCrlf);
        const std::string_view line = block.substr(0, eol);
        block.remove_prefix(eol + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0 || !is_token_char(line[0]))
            return "a part header is not a \"Name: value\" line";
        const std::string_view name = line.substr(0, colon);
        const std::string_view value = trim_blanks(line.substr(colon + 1));
        if (iequals(name, "content-type")) {
            part.content_type = std::string(value);
        } else if (iequals(name, "content-disposition")) {
            if (auto problem = read_disposition(value, part)) return problem;
            disposition = true;
        }
    }
    if (!disposition) return "a part has no Content-Disposition header";
    return std::nullopt;
}

ApiError malformed(const std::string& why) {
    return invalid_request("Malformed multipart/form-data body: " + why + ".");
}

bool valid_boundary(std::string_view boundary) {
    static constexpr std::string_view kExtra = "'()+_,-./:=? ";
    if (boundary.empty() || boundary.size() > kMaxBoundary || boundary.back() == ' ') return false;
    return std::all_of(boundary.begin(), boundary.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               kExtra.find(c) != std::string_view::npos;
    });
}

}  // namespace

const FormPart* FormData::find(std::string_view name) const {
    const auto found =
        std::find_if(parts.begin(), parts.end(), [&](const FormPart& p) { return p.name == name; });
    return found == parts.end() ? nullptr : &*found;
}

bool is_form_data(std::string_view content_type) {
    return iequals(split_type(content_type).first, "multipart/form-data");
}

std::string form_boundary(std::string_view content_type) {
    const auto params = parameters(split_type(content_type).second);
    const Param* boundary = params ? find_param(*params, "boundary") : nullptr;
    if (boundary == nullptr || !valid_boundary(boundary->value)) {
        throw invalid_request(
            "The multipart/form-data Content-Type needs a boundary parameter of 1 to 70 "
            "characters (RFC 2046).");
    }
    return boundary->value;
}

MultipartParser::MultipartParser(std::string boundary, MultipartLimits limits)
    : delimiter_("\r\n--" + boundary), limits_(limits), pending_(kCrlf) {
    // The first boundary may open the body without a line break before it: the CRLF put in
    // front lets one search find every delimiter.
    if (!valid_boundary(boundary)) fail(malformed("invalid boundary"));
}

bool MultipartParser::fail(ApiError error) {
    if (!error_) error_ = std::move(error);
    state_ = State::failed;
    pending_.clear();
    return false;
}

bool MultipartParser::feed(std::string_view bytes) {
    if (state_ == State::failed) return false;
    if (state_ == State::epilogue) return true;  // after the closing boundary: ignored
    pending_.append(bytes);
    while (step()) {
    }
    return state_ != State::failed;
}

bool MultipartParser::finish() {
    if (state_ == State::epilogue) return true;
    if (state_ == State::failed) return false;
    return fail(malformed("the body ended before the closing boundary"));
}

bool MultipartParser::step() {
    switch (state_) {
        case State::preamble:
            return skip_preamble();
        case State::after_delimiter:
            return read_delimiter_end();
        case State::head:
            return read_head();
        case State::data:
            return read_data();
        case State::epilogue:
            pending_.clear();
            return false;
        case State::failed:
            return false;
    }
    return false;
}

// Text before the first boundary means nothing; only the tail that may start a delimiter is kept.
bool MultipartParser::skip_preamble() {
    const auto found = pending_.find(delimiter_);
    if (found == std::string::npos) {
        const std::size_t keep = std::min(pending_.size(), delimiter_.size() - 1);
        pending_.erase(0, pending_.size() - keep);
        return false;
    }
    pending_.erase(0, found + delimiter_.size());
    state_ = State::after_delimiter;
    return true;
}

// After a boundary: "--" closes the body; otherwise optional blanks, then the line's CRLF.
bool MultipartParser::read_delimiter_end() {
    if (pending_.size() < 2) return false;
    if (pending_.compare(0, 2, "--") == 0) {
        state_ = State::epilogue;
        pending_.clear();
        return false;
    }
    const std::size_t end = pending_.find_first_not_of(" \t");
    if (std::min(end, pending_.size()) > limits_.max_head_bytes)
        return fail(malformed("overlong boundary line"));
    if (end == std::string::npos) return false;
    if (pending_[end] != '\r') return fail(malformed("text follows a boundary on its line"));
    if (end + 1 == pending_.size()) return false;
    if (pending_[end + 1] != '\n') return fail(malformed("a boundary line does not end in CRLF"));
    pending_.erase(0, end + 2);
    state_ = State::head;
    return true;
}

bool MultipartParser::read_head() {
    if (pending_.size() < 2) return false;
    if (pending_.compare(0, 2, kCrlf) == 0)
        return fail(malformed("a part has no Content-Disposition header"));
    const auto end = pending_.find("\r\n\r\n");
    if (std::min(end, pending_.size()) > limits_.max_head_bytes)
        return fail(malformed("a part's headers are too long"));
    if (end == std::string::npos) return false;
    if (form_.parts.size() == limits_.max_parts) {
        return fail(invalid_request("The form has more than " + std::to_string(limits_.max_parts) +
                                    " parts."));
    }
    FormPart part;
    if (auto problem = read_part_head(std::string_view(pending_).substr(0, end + 2), part))
        return fail(malformed(*problem));
    form_.parts.push_back(std::move(part));
    pending_.erase(0, end + 4);
    state_ = State::data;
    return true;
}

// Everything up to the next delimiter belongs to the part; bytes that could be the start of a
// delimiter split across reads wait for the next read.
bool MultipartParser::read_data() {
    const auto found = pending_.find(delimiter_);
    if (found != std::string::npos) {
        if (!append_data(std::string_view(pending_).substr(0, found))) return false;
        pending_.erase(0, found + delimiter_.size());
        state_ = State::after_delimiter;
        return true;
    }
    const std::size_t keep = delimiter_.size() - 1;
    if (pending_.size() > keep) {
        if (!append_data(std::string_view(pending_).substr(0, pending_.size() - keep)))
            return false;
        pending_.erase(0, pending_.size() - keep);
    }
    return false;
}

bool MultipartParser::append_data(std::string_view bytes) {
    FormPart& part = form_.parts.back();
    const std::size_t limit = part.filename ? limits_.max_file_bytes : limits_.max_field_bytes;
    if (part.data.size() + bytes.size() > limit) {
        ApiError error = error_with_status(413, "The form part '" + part.name +
                                                    "' is larger than the limit of " +
                                                    std::to_string(limit) + " bytes.");
        error.code = "request_too_large";
        return fail(std::move(error));
    }
    part.data.append(bytes);
    return true;
}

FormData parse_form(std::string_view content_type, std::string_view body, MultipartLimits limits) {
    MultipartParser parser(form_boundary(content_type), limits);
    parser.feed(body);
    if (!parser.finish()) throw *parser.error();
    return parser.take();
}

}  // namespace ollama_proxy::openai
