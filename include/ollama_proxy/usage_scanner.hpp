// Counts the tokens of native Ollama replies as their bytes go by: the top-level
// `prompt_eval_count` and `eval_count` of every JSON object in a body (one object, or an NDJSON
// stream whose final line carries the counts). Quotas on tokens need this for passthrough
// replies, which are relayed byte for byte and never parsed.
//
// A single pass over each byte, with no buffering: it tracks only nesting depth and strings, so
// a count named inside a message (nested deeper, or inside a string) is never mistaken for one.
#pragma once

#include <cstdint>
#include <string_view>

namespace ollama_proxy {

class UsageScanner {
  public:
    void feed(std::string_view bytes);
    // Tokens of the objects completed so far: prompt, completion, and both.
    std::uint64_t prompt_tokens() const { return prompt_total_; }
    std::uint64_t completion_tokens() const { return completion_total_; }
    std::uint64_t tokens() const { return prompt_total_ + completion_total_; }

  private:
    void on_structural(char c);
    void end_key();

    enum class Field { none, prompt, completion };

    std::uint64_t prompt_total_ = 0;
    std::uint64_t completion_total_ = 0;
    std::uint64_t prompt_ = 0;      // of the object being read
    std::uint64_t completion_ = 0;  // of the object being read
    int depth_ = 0;
    bool in_string_ = false;
    bool escaped_ = false;
    bool expect_key_ = false;  // at depth 1, the next string is a member name
    bool in_key_ = false;
    char key_[20] = {};
    std::size_t key_size_ = 0;     // past sizeof(key_) it matches nothing
    Field pending_ = Field::none;  // a wanted name was read; its number follows the colon
    Field reading_ = Field::none;  // digits of this field are being read
};

}  // namespace ollama_proxy
