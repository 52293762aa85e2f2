#include "ollama_proxy/usage_scanner.hpp"

#include <limits>

namespace ollama_proxy {
namespace {

constexpr std::string_view kPrompt = "prompt_eval_count";
constexpr std::string_view kCompletion = "eval_count";

void add_digit(std::uint64_t& value, char digit) {
    const auto d = static_cast<std::uint64_t>(digit - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return;  // absurd: keep
    value = value * 10 + d;
}

}  // namespace

void UsageScanner::feed(std::string_view bytes) {
    for (const char c : bytes) {
        if (in_string_) {
            if (escaped_) {
                escaped_ = false;
            } else if (c == '\\') {
                escaped_ = true;
            } else if (c == '"') {
                in_string_ = false;
                if (in_key_) end_key();
                continue;
            }
            if (in_key_ && key_size_ <= sizeof key_) {
                if (key_size_ < sizeof key_) key_[key_size_] = c;
                ++key_size_;
            }
            continue;
        }
        if (reading_ != Field::none) {
            if (c >= '0' && c <= '9') {
                add_digit(reading_ == Field::prompt ? prompt_ : completion_, c);
                continue;
            }
            reading_ = Field::none;
        }
        on_structural(c);
    }
}

void UsageScanner::on_structural(char c) {
    switch (c) {
        case '"':
            in_string_ = true;
            in_key_ = depth_ == 1 && expect_key_;
            key_size_ = 0;
            break;
        case '{':
        case '[':
            ++depth_;
            expect_key_ = depth_ == 1 && c == '{';
            if (depth_ == 1) prompt_ = completion_ = 0;
            pending_ = Field::none;
            break;
        case '}':
        case ']':
            if (depth_ == 1) {
                prompt_total_ += prompt_;
                completion_total_ += completion_;
            }
            if (depth_ > 0) --depth_;
            pending_ = Field::none;
            break;
        case ',':
            if (depth_ == 1) expect_key_ = true;
            pending_ = Field::none;
            break;
        case ':':
            if (depth_ == 1) expect_key_ = false;
            break;
        default:
            if (c >= '0' && c <= '9' && pending_ != Field::none && depth_ == 1) {
                reading_ = pending_;
                pending_ = Field::none;
                if (reading_ == Field::prompt) prompt_ = 0;
                if (reading_ == Field::completion) completion_ = 0;
                add_digit(reading_ == Field::prompt ? prompt_ : completion_, c);
            }
            break;
    }
}

void UsageScanner::end_key() {
    in_key_ = false;
    const std::string_view key(key_, key_size_ <= sizeof key_ ? key_size_ : 0);
    if (key_size_ > sizeof key_) {
        pending_ = Field::none;
    } else if (key == kPrompt) {
        pending_ = Field::prompt;
    } else if (key == kCompletion) {
        pending_ = Field::completion;
    } else {
        pending_ = Field::none;
    }
}

}  // namespace ollama_proxy
