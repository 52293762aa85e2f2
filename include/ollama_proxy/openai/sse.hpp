// Server-sent events as the OpenAI SDKs parse them (DESIGN §5): `data:` frames for chat and
// completion streams, `event:` + `data:` for the typed streams, and the `[DONE]` terminator.
#pragma once

#include <string>
#include <string_view>

namespace ollama_proxy::openai {

inline void append_sse_data(std::string& out, std::string_view json_text) {
    out.append("data: ").append(json_text).append("\n\n");
}

inline void append_sse_event(std::string& out, std::string_view name, std::string_view json_text) {
    out.append("event: ").append(name).append("\ndata: ").append(json_text).append("\n\n");
}

inline void append_sse_done(std::string& out) {
    out.append("data: [DONE]\n\n");
}

}  // namespace ollama_proxy::openai
