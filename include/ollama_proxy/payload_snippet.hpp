// The start of a request or response body, for verbose logging: at most a fixed number of bytes,
// with the values of secret-looking JSON members ("api_key", "token", "password", ...) and
// bearer tokens replaced, and every byte made safe for a one-line log record.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ollama_proxy {

class PayloadSnippet {
  public:
    explicit PayloadSnippet(std::size_t limit = 512) : limit_(limit) {}

    void feed(std::string_view bytes);
    bool empty() const { return kept_.empty(); }
    // The kept bytes, redacted and escaped; "..." marks a body that went on.
    std::string text() const;

  private:
    std::size_t limit_;
    std::string kept_;
    bool cut_ = false;
};

// Replaces the string values of members whose names suggest a secret, and the token after
// "Bearer ", with <redacted>. Works on partial JSON (a snippet may end anywhere).
std::string redact_secrets(std::string_view text);

}  // namespace ollama_proxy
