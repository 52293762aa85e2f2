// Picks the top-level "model" string out of a JSON request body as its bytes go by, so that
// passthrough requests, which are relayed byte for byte and never parsed, can be counted by
// model. A single pass with no buffering beyond the value itself (bounded): it tracks nesting
// depth and strings, so a "model" nested in a message, or written inside a string, is ignored.
//
// It stops looking as soon as it knows: once the value is read, when the body is not a JSON
// object, or when the top-level object ends. A large binary upload costs it one byte.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ollama_proxy {

class ModelSniffer {
  public:
    // Longer values are not model names; they are dropped rather than cut.
    static constexpr std::size_t max_value_bytes = 256;

    void feed(std::string_view bytes);
    bool done() const { return state_ == State::done; }
    // The model named, unescaped; empty until found (and for good when there is none).
    const std::string& model() const { return model_; }

  private:
    enum class State : unsigned char { start, scanning, done };

    void on_string_byte(char c);
    void on_structural(char c);
    void end_key();
    void end_value();

    State state_ = State::start;
    int depth_ = 0;
    bool in_string_ = false;
    bool escaped_ = false;
    bool expect_key_ = false;  // at depth 1, the next string is a member name
    bool in_key_ = false;
    bool key_matches_ = false;  // the member name read so far is a prefix of "model"
    std::size_t key_size_ = 0;
    bool pending_ = false;   // "model": was read, its value comes next
    bool in_value_ = false;  // the characters of the model's value are being read
    bool value_escaped_ = false;
    bool value_too_long_ = false;
    std::string value_;  // raw, still escaped
    std::string model_;
};

}  // namespace ollama_proxy
