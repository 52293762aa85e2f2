// multipart/form-data (RFC 7578) read as a stream: the body is pushed in whatever pieces the
// socket delivers, and only the parts' contents are kept, never the raw body. Used for the
// audio uploads, whose files are the one kind of OpenAI request body worth not copying twice.
#pragma once

#include "ollama_proxy/openai/api_error.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ollama_proxy::openai {

struct FormPart {
    std::string name;
    std::optional<std::string> filename;  // set for file parts, even when empty
    std::string content_type;             // the part's own Content-Type, if it sent one
    std::string data;
};

struct FormData {
    std::vector<FormPart> parts;

    // The first part of that name, or null.
    const FormPart* find(std::string_view name) const;
};

struct MultipartLimits {
    std::size_t max_file_bytes = 25 * 1024 * 1024;  // a part with a filename
    std::size_t max_field_bytes = 1024 * 1024;      // any other part
    std::size_t max_parts = 64;
    std::size_t max_head_bytes = 16 * 1024;  // one part's header block
};

// Whether a Content-Type names multipart/form-data (any parameters, any case).
bool is_form_data(std::string_view content_type);

// The boundary parameter of a multipart/form-data Content-Type, unquoted; throws ApiError (400)
// when it is missing or not a valid boundary (1 to 70 characters, RFC 2046 §5.1.1).
std::string form_boundary(std::string_view content_type);

class MultipartParser {
  public:
    MultipartParser(std::string boundary, MultipartLimits limits = {});

    // Takes the next bytes of the body; false once the body is known to be malformed or over a
    // limit (error() says why), after which further bytes are ignored.
    bool feed(std::string_view bytes);
    // The body ended: false unless the closing boundary was seen.
    bool finish();

    const std::optional<ApiError>& error() const { return error_; }
    FormData take() { return std::move(form_); }

  private:
    enum class State { preamble, after_delimiter, head, data, epilogue, failed };

    bool fail(ApiError error);
    bool step();  // one move on pending_; false when it needs more bytes (or failed)
    bool skip_preamble();
    bool read_delimiter_end();
    bool read_head();
    bool read_data();
    bool append_data(std::string_view bytes);

    std::string delimiter_;  // CRLF "--" boundary
    MultipartLimits limits_;
    State state_ = State::preamble;
    std::string pending_;  // bytes not yet decided on
    FormData form_;
    std::optional<ApiError> error_;
};

// The whole body at once: for callers (and tests) that already hold it. Throws ApiError.
FormData parse_form(std::string_view content_type, std::string_view body,
                    MultipartLimits limits = {});

}  // namespace ollama_proxy::openai
