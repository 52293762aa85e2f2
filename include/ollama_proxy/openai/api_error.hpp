// Errors in OpenAI's dialect: the {"error": {message, type, param, code}} body, its status, and
// whether the official SDKs should retry it. Translators throw ApiError for a bad request; the
// exchange turns an upstream failure into one with `from_upstream`.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace ollama_proxy::openai {

struct ApiError {
    unsigned status = 400;
    std::string message;
    std::optional<std::string> param;  // the offending field, e.g. "messages[0].content"
    std::optional<std::string> code;   // e.g. "model_not_found"
    std::string type;                  // empty: derived from the status
    std::optional<bool> retry;         // unset: judged from the status

    // The SDKs retry 408, 409, 429 and 5xx unless told otherwise; failures that will only
    // recur are marked so that a client does not hammer the remote three times.
    bool retryable() const;
    std::string body() const;  // the JSON text, keys in OpenAI's order
};

// 400 invalid_request_error naming `param`.
ApiError invalid_request(std::string message, std::optional<std::string> param = std::nullopt,
                         std::optional<std::string> code = std::nullopt);

// Any other error: `type` empty means the one OpenAI uses for `status`.
ApiError error_with_status(unsigned status, std::string message, std::string type = {});

// The error type OpenAI uses for a status (DESIGN §4).
std::string_view error_type_for(unsigned status);

// A native error reply (`{"error": "..."}`, or any text) as the OpenAI client should see it:
// the status is kept, a 404 becomes model_not_found, an unreadable body is quoted.
ApiError from_upstream(unsigned status, std::string_view body);

}  // namespace ollama_proxy::openai
