// --log-format json: every log record as one JSON object on one line, for log collectors.
// Access records ("access id=... status=...") become objects with one member per field, numbers
// as numbers, so they can be queried without parsing text.
#pragma once

#include <spdlog/formatter.h>

#include <memory>

namespace ollama_proxy {

class JsonLogFormatter final : public spdlog::formatter {
  public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace ollama_proxy
