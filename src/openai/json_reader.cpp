// A strict, single-pass JSON reader (RFC 8259) that builds the same document nlohmann's parser
// does, several times faster: the translation of every request and every streamed token starts
// with a parse, and nlohmann's lexer spends about a hundred instructions per byte. Anything this
// reader refuses is refused; callers ask nlohmann for the precise message.

#include "openai/json_reader.hpp"

#include "ollama_proxy/text.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <span>

namespace ollama_proxy::openai {
namespace {

// Every `out` may be null: the value is then checked as strictly but not built.
class Reader {
  public:
    Reader(std::string_view text, int max_depth, std::span<const std::string_view> skipped)
        : at_(text.data()),
          end_(text.data() + text.size()),
          depth_left_(max_depth),
          top_depth_(max_depth),
          skipped_(skipped) {}

    bool document(nlohmann::json& out) {
        skip_space();
        if (!value(&out)) return false;
        skip_space();
        return at_ == end_;
    }

  private:
    bool value(nlohmann::json* out);
    bool object(nlohmann::json* out);
    bool array(nlohmann::json* out);
    bool skipped(const std::string& key) const {
        if (depth_left_ != top_depth_ - 1) return false;  // only members of the top object
        for (const std::string_view name : skipped_) {
            if (name == key) return true;
        }
        return false;
    }
    bool string(std::string& out);
    bool escape(std::string& out);
    bool utf8_sequence(std::string& out);
    bool number(nlohmann::json* out);
    bool literal(std::string_view word) {
        if (static_cast<std::size_t>(end_ - at_) < word.size() ||
            std::string_view(at_, word.size()) != word)
            return false;
        at_ += word.size();
        return true;
    }
    void skip_space() {
        while (at_ != end_ && (*at_ == ' ' || *at_ == '\n' || *at_ == '\r' || *at_ == '\t'))
            ++at_;
    }
    bool take(char c) {
        skip_space();
        if (at_ == end_ || *at_ != c) return false;
        ++at_;
        return true;
    }

    const char* at_;
    const char* end_;
    int depth_left_;
    const int top_depth_;
    std::span<const std::string_view> skipped_;
    std::string scratch_;  // the text of strings that are not kept
};

bool Reader::value(nlohmann::json* out) {
    if (at_ == end_) return false;
    switch (*at_) {
        case '{':
            return object(out);
        case '[':
            return array(out);
        case '"': {
            if (out == nullptr) {
                scratch_.clear();
                return string(scratch_);
            }
            *out = std::string();
            return string(out->get_ref<std::string&>());
        }
        case 't':
            if (out != nullptr) *out = true;
            return literal("true");
        case 'f':
            if (out != nullptr) *out = false;
            return literal("false");
        case 'n':
            if (out != nullptr) *out = nullptr;
            return literal("null");
        default:
            return number(out);
    }
}

bool Reader::object(nlohmann::json* out) {
    if (--depth_left_ < 0) return false;
    ++at_;  // '{'
    if (out != nullptr) *out = nlohmann::json::object();
    if (take('}')) {
        ++depth_left_;
        return true;
    }
    std::string key;
    do {
        skip_space();
        key.clear();
        if (at_ == end_ || *at_ != '"' || !string(key) || !take(':')) return false;
        skip_space();
        if (out == nullptr || skipped(key)) {
            if (!value(nullptr)) return false;
            continue;
        }
        nlohmann::json member;
        if (!value(&member)) return false;
        (*out)[key] = std::move(member);  // a repeated key keeps its last value, as in nlohmann
    } while (take(','));
    ++depth_left_;
    return take('}');
}

bool Reader::array(nlohmann::json* out) {
    if (--depth_left_ < 0) return false;
    ++at_;  // '['
    if (out != nullptr) *out = nlohmann::json::array();
    if (take(']')) {
        ++depth_left_;
        return true;
    }
    do {
        skip_space();
        nlohmann::json* element = nullptr;
        if (out != nullptr) {
            out->push_back(nullptr);
            element = &out->back();
        }
        if (!value(element)) return false;
    } while (take(','));
    ++depth_left_;
    return take(']');
}

bool Reader::string(std::string& out) {
    ++at_;  // opening quote
    while (at_ != end_) {
        const char* run = at_;
        while (at_ != end_ && static_cast<unsigned char>(*at_) >= 0x20 &&
               static_cast<unsigned char>(*at_) < 0x80 && *at_ != '"' && *at_ != '\\')
            ++at_;
        out.append(run, at_);
        if (at_ == end_) return false;
        const auto c = static_cast<unsigned char>(*at_);
        if (c == '"') {
            ++at_;
            return true;
        }
        if (c < 0x20) return false;  // control characters must be escaped
        if (c == '\\') {
            if (!escape(out)) return false;
        } else if (!utf8_sequence(out)) {
            return false;
        }
    }
    return false;
}

int hex4(const char* p) {
    int value = 0;
    for (int i = 0; i < 4; ++i) {
        const int digit = hex_digit(p[i]);
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    return value;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

bool Reader::escape(std::string& out) {
    if (end_ - at_ < 2) return false;
    const char kind = at_[1];
    at_ += 2;
    switch (kind) {
        case '"':
        case '\\':
        case '/':
            out.push_back(kind);
            return true;
        case 'b':
            out.push_back('\b');
            return true;
        case 'f':
            out.push_back('\f');
            return true;
        case 'n':
            out.push_back('\n');
            return true;
        case 'r':
            out.push_back('\r');
            return true;
        case 't':
            out.push_back('\t');
            return true;
        case 'u':
            break;
        default:
            return false;
    }
    if (end_ - at_ < 4) return false;
    const int unit = hex4(at_);
    if (unit < 0) return false;
    at_ += 4;
    std::uint32_t cp = static_cast<std::uint32_t>(unit);
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate cannot come first
    if (cp >= 0xD800 && cp <= 0xDBFF) {              // a high one needs its low partner
        if (end_ - at_ < 6 || at_[0] != '\\' || at_[1] != 'u') return false;
        const int low = hex4(at_ + 2);
        if (low < 0xDC00 || low > 0xDFFF) return false;
        at_ += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<std::uint32_t>(low) - 0xDC00);
    }
    append_utf8(out, cp);
    return true;
}

// One multi-byte UTF-8 character, validated as RFC 3629 requires.
bool Reader::utf8_sequence(std::string& out) {
    const std::size_t length = utf8_char_length({at_, static_cast<std::size_t>(end_ - at_)});
    if (length < 2) return false;
    out.append(at_, at_ + length);
    at_ += static_cast<std::ptrdiff_t>(length);
    return true;
}

bool Reader::number(nlohmann::json* out) {
    const char* start = at_;
    const auto digits = [this] {
        const char* first = at_;
        while (at_ != end_ && *at_ >= '0' && *at_ <= '9')
            ++at_;
        return at_ - first;
    };
    if (at_ != end_ && *at_ == '-') ++at_;
    if (at_ == end_) return false;
    if (*at_ == '0') {
        ++at_;
    } else if (digits() == 0) {
        return false;
    }
    bool integral = true;
    if (at_ != end_ && *at_ == '.') {
        ++at_;
        if (digits() == 0) return false;
        integral = false;
    }
    if (at_ != end_ && (*at_ == 'e' || *at_ == 'E')) {
        ++at_;
        if (at_ != end_ && (*at_ == '+' || *at_ == '-')) ++at_;
        if (digits() == 0) return false;
        integral = false;
    }
    // Like nlohmann: non-negative integers are unsigned, negative ones signed, and an integer
    // too large for 64 bits, like any fraction or exponent, a double.
    if (integral) {
        if (*start == '-') {
            std::int64_t value = 0;
            if (std::from_chars(start, at_, value).ec == std::errc()) {
                if (out != nullptr) *out = value;
                return true;
            }
        } else {
            std::uint64_t value = 0;
            if (std::from_chars(start, at_, value).ec == std::errc()) {
                if (out != nullptr) *out = value;
                return true;
            }
        }
    }
    double value = 0;
    const auto result = std::from_chars(start, at_, value);
    if (result.ec != std::errc() || !std::isfinite(value)) return false;
    if (out != nullptr) *out = value;
    return true;
}

}  // namespace

std::optional<nlohmann::json> read_json(std::string_view text, int max_depth,
                                        std::span<const std::string_view> skipped) {
    nlohmann::json out;
    Reader reader(text, max_depth, skipped);
    if (!reader.document(out)) return std::nullopt;
    return out;
}

}  // namespace ollama_proxy::openai
