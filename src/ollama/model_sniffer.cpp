#include "ollama_proxy/model_sniffer.hpp"

#include <nlohmann/json.hpp>

namespace ollama_proxy {
namespace {

constexpr std::string_view kModel = "model";

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

void ModelSniffer::feed(std::string_view bytes) {
    for (const char c : bytes) {
        switch (state_) {
            case State::done:
                return;
            case State::start:
                if (is_space(c)) continue;
                if (c != '{') {
                    state_ = State::done;
                    return;
                }
                state_ = State::scanning;
                depth_ = 1;
                expect_key_ = true;
                continue;
            case State::scanning:
                if (in_string_) {
                    on_string_byte(c);
                } else {
                    on_structural(c);
                }
                continue;
        }
    }
}

void ModelSniffer::on_string_byte(char c) {
    if (escaped_) {
        escaped_ = false;
    } else if (c == '\\') {
        escaped_ = true;
        value_escaped_ = value_escaped_ || in_value_;
    } else if (c == '"') {
        in_string_ = false;
        if (in_key_) end_key();
        if (in_value_) end_value();
        return;
    }
    if (in_key_) {
        // An escaped name is never taken for "model": no client writes it so.
        key_matches_ = key_matches_ && key_size_ < kModel.size() && c == kModel[key_size_];
        ++key_size_;
    } else if (in_value_) {
        if (value_.size() < max_value_bytes) {
            value_.push_back(c);
        } else {
            value_too_long_ = true;
        }
    }
}

void ModelSniffer::on_structural(char c) {
    if (is_space(c)) return;
    const bool was_pending = pending_;
    if (c != ':') pending_ = false;
    switch (c) {
        case '"':
            in_string_ = true;
            in_key_ = depth_ == 1 && expect_key_;
            key_matches_ = true;
            key_size_ = 0;
            in_value_ = depth_ == 1 && was_pending;
            break;
        case '{':
        case '[':
            ++depth_;
            break;
        case '}':
        case ']':
            if (--depth_ == 0) state_ = State::done;
            break;
        case ',':
            if (depth_ == 1) expect_key_ = true;
            break;
        case ':':
            if (depth_ == 1) expect_key_ = false;
            break;
        default:
            break;
    }
}

void ModelSniffer::end_key() {
    in_key_ = false;
    pending_ = key_matches_ && key_size_ == kModel.size();
}

void ModelSniffer::end_value() {
    in_value_ = false;
    state_ = State::done;
    if (value_too_long_) return;
    if (!value_escaped_) {
        model_ = std::move(value_);
        return;
    }
    const auto parsed = nlohmann::json::parse("\"" + value_ + "\"", nullptr, false);
    if (parsed.is_string()) model_ = parsed.get<std::string>();
}

}  // namespace ollama_proxy
