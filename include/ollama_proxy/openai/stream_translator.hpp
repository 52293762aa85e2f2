// The common shape of every streaming translator: native NDJSON lines in, SSE bytes out. The
// exchange drives one per client stream; with n > 1 it runs n upstream streams one after the
// other through the same translator, one choice each.
#pragma once

#include "ollama_proxy/openai/api_error.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace ollama_proxy::openai {

class StreamTranslator {
  public:
    enum class Step {
        more,         // keep reading this upstream stream
        choice_done,  // the native `done: true` line arrived
        failed,       // an error line or an unreadable line: the error event is already out
    };

    virtual ~StreamTranslator() = default;

    // Upstream stream number `index` (the choice it produces) is about to deliver its lines.
    virtual void begin_choice(std::size_t index) = 0;
    // One native line, without its newline. Appends zero or more SSE events to `out`.
    virtual Step on_line(std::string_view line, std::string& out) = 0;
    // Every choice is done: the closing events (usage, [DONE]).
    virtual void finish(std::string& out) = 0;
    // The stream cannot go on (upstream error, cut, timeout). Appends an error event that the
    // SDKs raise on; nothing may follow it.
    virtual void fail(const ApiError& error, std::string& out) = 0;
};

}  // namespace ollama_proxy::openai
