// Writing JSON text directly, for the hot paths that emit the same small shapes for every
// request or chunk: building a document tree only to print it costs more than the rest of the
// translation together.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ollama_proxy::openai {

// `text` as a JSON string literal. Control characters are escaped; the text must be valid
// UTF-8, which everything parsed from JSON is.
void append_quoted(std::string& out, std::string_view text);

inline void append_number(std::string& out, std::int64_t value) {
    out += std::to_string(value);
}

}  // namespace ollama_proxy::openai
