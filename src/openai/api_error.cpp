#include "ollama_proxy/openai/api_error.hpp"

namespace ollama_proxy::openai {
namespace {

constexpr std::size_t kMaxQuotedBody = 512;

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

}  // namespace

bool ApiError::retryable() const {
    // A busy (503) or rate-limited (429) remote recovers; a remote that could not be reached
    // says so itself (see the exchange). Everything else answers the same way the next time.
    return retry.value_or(status == 429 || status == 503);
}

std::string ApiError::body() const {
    nlohmann::ordered_json error;
    error["message"] = message;
    error["type"] = type.empty() ? std::string(error_type_for(status)) : type;
    error["param"] = param ? nlohmann::json(*param) : nlohmann::json(nullptr);
    error["code"] = code ? nlohmann::json(*code) : nlohmann::json(nullptr);
    nlohmann::ordered_json out;
    out["error"] = std::move(error);
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiError invalid_request(std::string message, std::optional<std::string> param,
                         std::optional<std::string> code) {
    ApiError error = error_with_status(400, std::move(message));
    error.param = std::move(param);
    error.code = std::move(code);
    return error;
}

ApiError error_with_status(unsigned status, std::string message, std::string type) {
    ApiError error;
    error.status = status;
    error.message = std::move(message);
    error.type = std::move(type);
    return error;
}

std::string_view error_type_for(unsigned status) {
    switch (status) {
        case 401:
            return "authentication_error";
        case 403:
            return "permission_error";
        case 404:
            return "not_found_error";
        case 429:
            return "rate_limit_error";
        default:
            return status >= 500 ? "api_error" : "invalid_request_error";
    }
}

ApiError from_upstream(unsigned status, std::string_view body) {
    ApiError error;
    error.status = status;
    const auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_string()) {
        error.message = parsed["error"].get<std::string>();
    } else {
        std::string text = trimmed(body);
        if (text.size() > kMaxQuotedBody) text = text.substr(0, kMaxQuotedBody) + "...";
        error.message = text.empty() ? "remote Ollama answered with status " +
                                           std::to_string(status) + " and no message"
                                     : "remote Ollama answered: " + text;
    }
    if (status == 404) error.code = "model_not_found";
    return error;
}

}  // namespace ollama_proxy::openai
