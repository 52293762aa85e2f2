// The response half of chat completions: native chat replies as a chat.completion, and native
// NDJSON lines as chat.completion.chunk events (DESIGN §5).

#include "ollama_proxy/openai/chat_completions.hpp"

#include "ollama_proxy/openai/request_fields.hpp"
#include "ollama_proxy/openai/sse.hpp"
#include "openai/json_text.hpp"
#include "openai/native_reply.hpp"

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json tool_call(const json& native, CallIds& call_ids) {
    const json function = native.value("function", json::object());
    ordered_json out;
    out["id"] = call_ids.id_for(native);
    out["type"] = "function";
    out["function"]["name"] = function.value("name", std::string());
    out["function"]["arguments"] = arguments_text(function);
    return out;
}

// One choice of a chat.completion, written as text: this runs for every non-streaming request.
void append_choice(std::string& out, const json& reply, std::size_t index, CallIds& call_ids) {
    const json& message = member(reply, "message");
    const json& native_calls = member(message, "tool_calls");
    const bool has_calls = native_calls.is_array() && !native_calls.empty();
    const std::string content = text_of(message, "content");
    const std::string thinking = text_of(message, "thinking");

    out += "{\"index\":";
    append_number(out, static_cast<std::int64_t>(index));
    out += ",\"message\":{\"role\":\"assistant\",\"content\":";
    if (content.empty() && has_calls) {
        out += "null";  // OpenAI's shape for a reply that only calls tools
    } else {
        append_quoted(out, content);
    }
    out += ",\"refusal\":null";
    if (!thinking.empty()) {
        out += ",\"reasoning_content\":";
        append_quoted(out, thinking);
        out += ",\"reasoning\":";
        append_quoted(out, thinking);
    }
    if (has_calls) {
        ordered_json calls = ordered_json::array();
        for (const auto& call : native_calls)
            calls.push_back(tool_call(call, call_ids));
        out += ",\"tool_calls\":";
        out += dump(calls);
    }
    out += "},\"logprobs\":";
    const json& logprobs = member(reply, "logprobs");
    out += logprobs.is_array() ? dump(chat_logprobs(logprobs)) : "null";
    out += ",\"finish_reason\":\"";
    out += finish_reason(reply, has_calls);
    out += "\"}";
}

class ChatStream final : public StreamTranslator {
  public:
    ChatStream(Envelope envelope, bool include_usage, IdSource& ids)
        : include_usage_(include_usage), call_ids_(ids) {
        ordered_json head;
        head["id"] = envelope.id;
        head["object"] = "chat.completion.chunk";
        head["created"] = envelope.created;
        head["model"] = envelope.model;
        head["choices"] = nullptr;
        // Everything up to the choices array is the same for every chunk of the stream.
        prefix_ = dump(head);
        prefix_.resize(prefix_.size() - std::string_view("null}").size());
    }

    void begin_choice(std::size_t index) override {
        index_ = index;
        role_sent_ = false;
        called_tools_ = false;
        next_tool_index_ = 0;
    }

    Step on_line(std::string_view line, std::string& out) override;

    void finish(std::string& out) override {
        if (include_usage_) {
            std::string chunk = prefix_ + "[],\"usage\":" + dump(usage_.to_json()) + "}";
            append_sse_data(out, chunk);
        }
        append_sse_done(out);
    }

    void fail(const ApiError& error, std::string& out) override { append_error_event(out, error); }

  private:
    void chunk(std::string& out, std::string_view delta, std::string_view logprobs,
               std::string_view finish) const;
    std::string delta_of(const json& message, bool& any);

    std::string prefix_;
    bool include_usage_;
    CallIds call_ids_;
    Usage usage_;
    std::size_t index_ = 0;
    bool role_sent_ = false;
    bool called_tools_ = false;
    std::size_t next_tool_index_ = 0;
};

void ChatStream::chunk(std::string& out, std::string_view delta, std::string_view logprobs,
                       std::string_view finish) const {
    out.append("data: ").append(prefix_);
    out.append("[{\"index\":").append(std::to_string(index_));
    out.append(",\"delta\":").append(delta);
    out.append(",\"logprobs\":").append(logprobs);
    out.append(",\"finish_reason\":").append(finish);
    out.append(include_usage_ ? "}],\"usage\":null}\n\n" : "}]}\n\n");
}

// The delta of one native line, as JSON text (this runs once per streamed token); `any` tells
// whether it carries anything worth a chunk.
std::string ChatStream::delta_of(const json& message, bool& any) {
    const std::string content = text_of(message, "content");
    const std::string thinking = text_of(message, "thinking");
    const json& native_calls = member(message, "tool_calls");
    const bool has_calls = native_calls.is_array() && !native_calls.empty();
    any = !role_sent_ || !content.empty() || !thinking.empty() || has_calls;

    std::string delta = "{";
    if (!role_sent_) delta += "\"role\":\"assistant\",";
    if (!content.empty()) {
        delta += "\"content\":";
        append_quoted(delta, content);
        delta += ',';
    } else if (!role_sent_) {
        // The role chunk carries content like OpenAI's: "" for text, null before tool calls.
        delta += has_calls ? "\"content\":null," : "\"content\":\"\",";
    }
    if (!thinking.empty()) {
        delta += "\"reasoning_content\":";
        append_quoted(delta, thinking);
        delta += ",\"reasoning\":";
        append_quoted(delta, thinking);
        delta += ',';
    }
    if (has_calls) {
        ordered_json calls = ordered_json::array();
        for (const auto& native : native_calls) {
            ordered_json call = tool_call(native, call_ids_);
            ordered_json indexed;
            indexed["index"] = next_tool_index_++;
            for (auto& [key, value] : call.items())
                indexed[key] = std::move(value);
            calls.push_back(std::move(indexed));
        }
        delta += "\"tool_calls\":" + dump(calls) + ",";
        called_tools_ = true;
    }
    if (delta.back() == ',') delta.pop_back();
    delta += '}';
    return delta;
}

StreamTranslator::Step ChatStream::on_line(std::string_view line, std::string& out) {
    const StreamLine read = read_stream_line(line);
    if (read.error) {
        fail(*read.error, out);
        return Step::failed;
    }
    const json& native = read.native;
    bool any = false;
    const std::string delta = delta_of(member(native, "message"), any);
    const json& logprobs = member(native, "logprobs");
    const bool has_logprobs = logprobs.is_array() && !logprobs.empty();
    if (any || has_logprobs) {
        chunk(out, delta, has_logprobs ? dump(chat_logprobs(logprobs)) : "null", "null");
        role_sent_ = true;
    }
    if (!native.value("done", false)) return Step::more;
    usage_.add(native, index_ == 0);
    const std::string reason = "\"" + std::string(finish_reason(native, called_tools_)) + "\"";
    chunk(out, "{}", "null", reason);
    return Step::choice_done;
}

}  // namespace

std::string chat_completion(const std::vector<json>& replies, const Envelope& envelope,
                            IdSource& ids) {
    CallIds call_ids(ids);
    Usage usage;
    std::string out;
    out.reserve(512);
    out += "{\"id\":";
    append_quoted(out, envelope.id);
    out += ",\"object\":\"chat.completion\",\"created\":";
    append_number(out, envelope.created);
    out += ",\"model\":";
    append_quoted(out, envelope.model);
    out += ",\"choices\":[";
    for (std::size_t i = 0; i < replies.size(); ++i) {
        if (i > 0) out += ',';
        append_choice(out, replies[i], i, call_ids);
        usage.add(replies[i], i == 0);
    }
    out += "],\"usage\":";
    usage.append_to(out);
    out += '}';
    return out;
}

std::unique_ptr<StreamTranslator> make_chat_stream(Envelope envelope, bool include_usage,
                                                   IdSource& ids) {
    return std::make_unique<ChatStream>(std::move(envelope), include_usage, ids);
}

}  // namespace ollama_proxy::openai
