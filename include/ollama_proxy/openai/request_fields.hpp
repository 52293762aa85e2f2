// Reading an OpenAI request: the body parsed with a nesting bound, typed field access whose
// errors name the field ("messages[2].content"), and the mappings several endpoints share
// (sampling fields to native options, the Ollama extras, per-model defaults).
#pragma once

#include "ollama_proxy/config.hpp"
#include "ollama_proxy/openai/api_error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ollama_proxy::openai {

using nlohmann::json;

inline constexpr int kMaxRequestDepth = 64;

// The body as a JSON object; throws ApiError (400) for invalid JSON, a nesting deeper than
// kMaxRequestDepth (refused before anything recurses into it) or a non-object.
json parse_request_body(std::string_view body);

// Native JSON from the remote: a discarded value (is_discarded()) when it is invalid or nested
// deeper than kMaxRequestDepth.
json parse_native(std::string_view text);

// The same for a native reply or stream line, without the top-level members no translator reads
// (timestamps, durations, `context` arrays, model metadata), which are checked but not built.
json parse_native_reply(std::string_view text);

// Typed access to one JSON object of a request. `null` counts as absent, as in OpenAI's API.
class Fields {
  public:
    Fields(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

    const json* find(std::string_view key) const;
    std::string path_of(std::string_view key) const;

    std::optional<std::string> string(std::string_view key) const;
    std::string required_string(std::string_view key) const;  // present and non-empty
    std::optional<bool> boolean(std::string_view key) const;
    std::optional<double> number(std::string_view key, double min, double max) const;
    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min,
                                        std::int64_t max) const;
    const json* object(std::string_view key) const;
    const json* array(std::string_view key) const;

  private:
    [[noreturn]] void wrong_type(std::string_view key, std::string_view expected) const;

    const json& object_;
    std::string path_;
};

// `stream` and `stream_options.include_usage`; stream_options without streaming is a 400, as at
// OpenAI.
struct StreamChoice {
    bool stream = false;
    bool include_usage = false;
};
StreamChoice read_stream_choice(const Fields& request);

// temperature, top_p, max_tokens / max_completion_tokens, stop, seed and the penalties, as
// native options. Unset fields are not written, so the model's own defaults apply.
void map_sampling(const Fields& request, json& options);

// The Ollama extras a request may carry: an `options` object (its keys win over the mapped
// ones) and `keep_alive`.
void map_native_extras(const Fields& request, json& native);

// "messages[2]": the path of an array element, for error messages.
std::string element_path(std::string_view base, std::size_t index);

// An image sent as a data: URI, as the bare base64 that native `images` take. Throws ApiError
// (400, naming `param`) for anything else: remote URLs are refused, as the proxy fetches nothing
// on a client's behalf.
std::string image_payload(const std::string& url, const std::string& param);

// A function call's `arguments` as a client sends them back (a JSON object encoded as a
// string) in the native form, an object; "" is the empty object. Throws ApiError (400).
json arguments_object(const std::string& text, const std::string& param);

// The native tools (`[{type, function: {name, ...}}]`) the request's `tool_choice` allows:
// all for auto and required (Ollama cannot force a call), none for "none", the named ones for a
// function or allowed_tools choice, in the chat or the Responses spelling. Throws ApiError.
json offered_tools(const Fields& request, const json& tools);

// Fills what the request left unset from the configured defaults of its model (or "*").
void apply_model_defaults(json& native, const ModelDefaultsTable& table);

// An image sent as a URL (`image_url.url`) as the bare base64 that native `images` take: only
// base64 data: URIs are accepted, as the proxy fetches nothing. `param` names the field in the
// 400 for anything else.
std::string image_payload(const std::string& url, const std::string& param);

// `llama3.2`, `llama3.2:latest` and `library/llama3.2:latest` name the same model.
std::string normalized_model_name(std::string_view name);

}  // namespace ollama_proxy::openai
