#include "ollama_proxy/ndjson_splitter.hpp"

namespace ollama_proxy {

bool NdjsonSplitter::append_partial(std::string_view piece) {
    if (carry_.size() + piece.size() > max_line_bytes_) {
        overflowed_ = true;
        carry_.clear();
        return false;
    }
    carry_.append(piece);
    return true;
}

std::string_view NdjsonSplitter::trim_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

}  // namespace ollama_proxy
