// Reading native Ollama replies, shared by the translators: members, token counts, finish
// reasons, tool calls, logprobs, error lines, and the SSE error event every OpenAI stream ends
// with on failure.
#pragma once

#include "ollama_proxy/openai/api_error.hpp"
#include "ollama_proxy/openai/ids.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace ollama_proxy::openai {

// `object[key]`, or null when `object` is not an object or lacks the key: native replies are
// read leniently, a missing member is an empty one.
const nlohmann::json& member(const nlohmann::json& object, const char* key);
// The same member when it is a string, else "".
std::string text_of(const nlohmann::json& object, const char* key);

// Every tool call of a reply gets a distinct call_ id: the remote's own when it sent one (so a
// later tool message can name it), a fresh one otherwise.
class CallIds {
  public:
    explicit CallIds(IdSource& ids) : ids_(ids) {}

    std::string id_for(const nlohmann::json& call);

  private:
    IdSource& ids_;
    std::set<std::string> seen_;
};

// A native call's `function.arguments` (an object) as the JSON text OpenAI's APIs carry.
std::string arguments_text(const nlohmann::json& function);

struct Usage {
    std::int64_t prompt = 0;
    std::int64_t completion = 0;

    // The counts of a done line. Choices of one prompt (n > 1) share their prompt, which OpenAI
    // counts once: only the first of them passes `count_prompt`.
    void add(const nlohmann::json& native, bool count_prompt = true);
    nlohmann::ordered_json to_json() const;  // {prompt_tokens, completion_tokens, total_tokens}
    void append_to(std::string& out) const;  // the same, as JSON text
};

// OpenAI's finish_reason for a native done_reason: a length cut stays "length" even when tools
// were called; otherwise tool calls make it "tool_calls"; anything else is a normal "stop".
std::string_view finish_reason(const nlohmann::json& native, bool called_tools);

// Native logprobs ([{token, logprob, bytes?, top_logprobs?}]) in OpenAI's chat shape.
nlohmann::ordered_json chat_logprobs(const nlohmann::json& native);

// A native line or reply that is an error ({"error": "..."}): its message.
std::optional<std::string> native_error(const nlohmann::json& native);

// `data: {"error": {...}}`: every SDK version raises on it, and no [DONE] follows.
void append_error_event(std::string& out, const ApiError& error);

// One native stream line, or why the stream cannot go on: the line is not a JSON object, or it
// is an error line ({"error": "..."}, which Ollama sends when generation fails midway).
struct StreamLine {
    nlohmann::json native;
    std::optional<ApiError> error;
};

StreamLine read_stream_line(std::string_view line);

std::string dump(const nlohmann::ordered_json& value);

}  // namespace ollama_proxy::openai
