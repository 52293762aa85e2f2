// The Responses API's typed event stream from native NDJSON lines. Every event is
// `event: <type>` + `data: {"type", "sequence_number", ...}`, numbered from 0 across the stream.
// Output items open and close one at a time, in the order the model produced them: thinking as a
// reasoning item, text as a message, each tool call as a function_call item (which arrives whole,
// so its events come at once). The done line closes what is open and ends the stream with
// response.completed, or response.incomplete when the token limit cut it; a failure ends it with
// an `error` event and response.failed.

#include "ollama_proxy/openai/responses.hpp"
#include "ollama_proxy/openai/sse.hpp"
#include "openai/json_text.hpp"
#include "openai/response_parts.hpp"

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Where an event about the content of an item belongs.
ordered_json content_place(const std::string& item_id, std::size_t output_index) {
    ordered_json fields;
    fields["item_id"] = item_id;
    fields["output_index"] = output_index;
    fields["content_index"] = 0;
    return fields;
}

ordered_json item_event(std::size_t output_index, ordered_json item) {
    ordered_json fields;
    fields["output_index"] = output_index;
    fields["item"] = std::move(item);
    return fields;
}

class ResponsesStream final : public StreamTranslator {
  public:
    ResponsesStream(ResponseContext context, IdSource& ids)
        : context_(std::move(context)), ids_(ids), call_ids_(ids) {}

    void begin_choice(std::size_t) override {}
    Step on_line(std::string_view line, std::string& out) override;
    // The terminal event went out with the done line; this API has no [DONE].
    void finish(std::string&) override {}
    void fail(const ApiError& error, std::string& out) override;

  private:
    enum class Open { nothing, reasoning, message };

    void start(std::string& out);
    void emit(std::string& out, std::string_view type, ordered_json fields);
    void emit_delta(std::string& out, std::string_view type, const std::string& delta);
    void add_thinking(const std::string& text, std::string& out);
    void add_text(const std::string& text, std::string& out);
    void add_calls(const json& calls, std::string& out);
    void open(Open kind, std::string& out);
    void close(std::string& out, std::string_view message_status = "completed");
    void complete(const json& done, std::string& out);
    // Items finish in order and one at a time, so the open one comes after the finished ones.
    std::size_t open_index() const { return state_.output.size(); }

    ResponseContext context_;
    IdSource& ids_;
    CallIds call_ids_;
    ResponseState state_;  // output holds the finished items
    AssistantTurn turn_;
    std::int64_t sequence_ = 0;
    bool started_ = false;
    bool spoke_ = false;   // a message item was opened
    bool called_ = false;  // a function_call item was made
    Open open_ = Open::nothing;
    std::string open_id_;
    std::string open_text_;
};

void ResponsesStream::emit(std::string& out, std::string_view type, ordered_json fields) {
    ordered_json event;
    event["type"] = type;
    event["sequence_number"] = sequence_++;
    for (auto& [key, value] : fields.items())
        event[key] = std::move(value);
    append_sse_event(out, type, dump(event));
}

// Written as text: this runs once per streamed token.
void ResponsesStream::emit_delta(std::string& out, std::string_view type,
                                 const std::string& delta) {
    std::string data = "{\"type\":\"";
    data.append(type).append("\",\"sequence_number\":");
    append_number(data, sequence_++);
    data += ",\"item_id\":";
    append_quoted(data, open_id_);
    data += ",\"output_index\":";
    append_number(data, static_cast<std::int64_t>(open_index()));
    data += ",\"content_index\":0,\"delta\":";
    append_quoted(data, delta);
    if (open_ == Open::message) data += ",\"logprobs\":[]";
    data += '}';
    append_sse_event(out, type, data);
}

void ResponsesStream::start(std::string& out) {
    if (started_) return;
    started_ = true;
    ordered_json fields;
    fields["response"] = response_json(context_, state_);
    emit(out, "response.created", fields);
    emit(out, "response.in_progress", std::move(fields));
}

StreamTranslator::Step ResponsesStream::on_line(std::string_view line, std::string& out) {
    const StreamLine read = read_stream_line(line);
    if (read.error) {
        fail(*read.error, out);
        return Step::failed;
    }
    start(out);
    const json& message = member(read.native, "message");
    turn_.add(message);
    const std::string thinking = text_of(message, "thinking");
    const std::string content = text_of(message, "content");
    const json& calls = member(message, "tool_calls");
    if (!thinking.empty()) add_thinking(thinking, out);
    if (!content.empty()) add_text(content, out);
    if (calls.is_array() && !calls.empty()) add_calls(calls, out);
    if (!read.native.value("done", false)) return Step::more;
    complete(read.native, out);
    return Step::choice_done;
}

void ResponsesStream::add_thinking(const std::string& text, std::string& out) {
    if (open_ != Open::reasoning) {
        close(out);
        open(Open::reasoning, out);
    }
    open_text_ += text;
    emit_delta(out, "response.reasoning_text.delta", text);
}

void ResponsesStream::add_text(const std::string& text, std::string& out) {
    if (open_ != Open::message) {
        close(out);
        open(Open::message, out);
    }
    open_text_ += text;
    emit_delta(out, "response.output_text.delta", text);
}

void ResponsesStream::open(Open kind, std::string& out) {
    open_ = kind;
    open_text_.clear();
    const bool reasoning = kind == Open::reasoning;
    open_id_ = ids_.make(reasoning ? "rs_" : "msg_");
    spoke_ = spoke_ || !reasoning;
    emit(out, "response.output_item.added",
         item_event(open_index(), reasoning ? reasoning_item(open_id_, "")
                                            : message_item(open_id_, "in_progress", "")));
    ordered_json part = content_place(open_id_, open_index());
    part["part"] = reasoning ? reasoning_text_part("") : output_text_part("");
    emit(out, "response.content_part.added", std::move(part));
}

void ResponsesStream::close(std::string& out, std::string_view message_status) {
    if (open_ == Open::nothing) return;
    const bool reasoning = open_ == Open::reasoning;
    ordered_json done = content_place(open_id_, open_index());
    done["text"] = open_text_;
    if (!reasoning) done["logprobs"] = ordered_json::array();
    emit(out, reasoning ? "response.reasoning_text.done" : "response.output_text.done",
         std::move(done));
    ordered_json part = content_place(open_id_, open_index());
    part["part"] = reasoning ? reasoning_text_part(open_text_) : output_text_part(open_text_);
    emit(out, "response.content_part.done", std::move(part));
    ordered_json item = reasoning ? reasoning_item(open_id_, open_text_)
                                  : message_item(open_id_, message_status, open_text_);
    emit(out, "response.output_item.done", item_event(open_index(), item));
    state_.output.push_back(std::move(item));
    open_ = Open::nothing;
}

void ResponsesStream::add_calls(const json& calls, std::string& out) {
    close(out);
    for (const auto& call : calls) {
        const std::string call_id = call_ids_.id_for(call);
        const json& function = member(call, "function");
        const std::string name = text_of(function, "name");
        const std::string arguments = arguments_text(function);
        const std::string id = ids_.make("fc_");
        const std::size_t index = open_index();
        emit(out, "response.output_item.added",
             item_event(index, function_call_item(id, call_id, name, "", "in_progress")));
        ordered_json delta;
        delta["item_id"] = id;
        delta["output_index"] = index;
        delta["delta"] = arguments;
        emit(out, "response.function_call_arguments.delta", std::move(delta));
        ordered_json done;
        done["item_id"] = id;
        done["output_index"] = index;
        done["name"] = name;
        done["arguments"] = arguments;
        emit(out, "response.function_call_arguments.done", std::move(done));
        ordered_json item = function_call_item(id, call_id, name, arguments, "completed");
        emit(out, "response.output_item.done", item_event(index, item));
        state_.output.push_back(std::move(item));
        turn_.add_call(call, call_id);
        called_ = true;
    }
}

void ResponsesStream::complete(const json& done, std::string& out) {
    const std::string_view status = final_status(done);
    close(out, status);
    if (!spoke_ && !called_) {
        // Like the reply without streaming: a turn that said nothing still has its message.
        open(Open::message, out);
        close(out, status);
    }
    state_.status = status;
    state_.usage.emplace();
    state_.usage->add(done);
    ordered_json fields;
    fields["response"] = response_json(context_, state_);
    emit(out, status == "completed" ? "response.completed" : "response.incomplete",
         std::move(fields));
    keep_turn(context_, turn_);
}

// The `error` event carries the fields the schema documents and the nested object the SDKs raise
// on (openai-api.md §2.3); response.failed then closes the stream as its one terminal event.
void ResponsesStream::fail(const ApiError& error, std::string& out) {
    start(out);
    ordered_json nested;
    nested["type"] = error.type.empty() ? std::string(error_type_for(error.status)) : error.type;
    nested["code"] = failure_code(error);
    nested["message"] = error.message;
    nested["param"] = error.param ? ordered_json(*error.param) : ordered_json(nullptr);
    ordered_json fields;
    fields["code"] = nested["code"];
    fields["message"] = nested["message"];
    fields["param"] = nested["param"];
    fields["error"] = std::move(nested);
    emit(out, "error", std::move(fields));
    state_.status = "failed";
    state_.error = error;
    ordered_json failed;
    failed["response"] = response_json(context_, state_);
    emit(out, "response.failed", std::move(failed));
}

}  // namespace

std::unique_ptr<StreamTranslator> make_responses_stream(ResponseContext context, IdSource& ids) {
    return std::make_unique<ResponsesStream>(std::move(context), ids);
}

}  // namespace ollama_proxy::openai
