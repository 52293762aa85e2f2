// Legacy completions: prompts (a string or several) become /api/generate calls, one per choice;
// replies become text_completion objects and chunks.

#include "ollama_proxy/openai/completions.hpp"

#include "ollama_proxy/openai/request_fields.hpp"
#include "ollama_proxy/openai/sse.hpp"
#include "openai/native_reply.hpp"

#include <algorithm>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

std::vector<std::string> read_prompts(const Fields& request) {
    const json* prompt = request.find("prompt");
    if (prompt == nullptr) {
        throw invalid_request("Missing required parameter: 'prompt'.", "prompt",
                              "missing_required_parameter");
    }
    if (prompt->is_string()) return {prompt->get<std::string>()};
    if (prompt->is_array() && !prompt->empty()) {
        std::vector<std::string> prompts;
        for (const auto& item : *prompt) {
            if (!item.is_string()) {
                throw invalid_request(
                    "Token arrays are not supported as 'prompt' by this "
                    "server: Ollama takes text. Send a string or an array of "
                    "strings.",
                    "prompt", "unsupported_value");
            }
            prompts.push_back(item.get<std::string>());
        }
        return prompts;
    }
    throw invalid_request(
        "Invalid type for 'prompt': expected a string or a non-empty array of "
        "strings.",
        "prompt", "invalid_type");
}

void refuse_unsupported(const Fields& request, std::int64_t n) {
    if (const json* bias = request.object("logit_bias"); bias && !bias->empty()) {
        throw invalid_request("'logit_bias' is not supported by this server.", "logit_bias",
                              "unsupported_parameter");
    }
    if (auto best_of = request.integer("best_of", 0, 20); best_of && *best_of > 1 && *best_of != n)
        throw invalid_request("'best_of' other than 'n' is not supported by this server.",
                              "best_of", "unsupported_parameter");
}

// Native logprobs in the legacy completions shape: parallel arrays, top alternatives as maps.
ordered_json legacy_logprobs(const json& native, std::size_t offset) {
    ordered_json out;
    ordered_json tokens = ordered_json::array(), values = ordered_json::array(),
                 tops = ordered_json::array(), offsets = ordered_json::array();
    for (const auto& item : native) {
        if (!item.is_object()) continue;
        const std::string token = item.value("token", std::string());
        tokens.push_back(token);
        values.push_back(item.value("logprob", 0.0));
        ordered_json top = ordered_json::object();
        if (item.contains("top_logprobs") && item["top_logprobs"].is_array()) {
            for (const auto& alternative : item["top_logprobs"]) {
                if (alternative.is_object())
                    top[alternative.value("token", std::string())] =
                        alternative.value("logprob", 0.0);
            }
        }
        tops.push_back(std::move(top));
        offsets.push_back(offset);
        offset += token.size();
    }
    out["tokens"] = std::move(tokens);
    out["token_logprobs"] = std::move(values);
    out["top_logprobs"] = std::move(tops);
    out["text_offset"] = std::move(offsets);
    return out;
}

std::string response_text(const json& native) {
    const auto it = native.find("response");
    return it != native.end() && it->is_string() ? it->get<std::string>() : std::string();
}

ordered_json envelope_json(const Envelope& envelope) {
    ordered_json out;
    out["id"] = envelope.id;
    out["object"] = "text_completion";
    out["created"] = envelope.created;
    out["model"] = envelope.model;
    return out;
}

class CompletionStream final : public StreamTranslator {
  public:
    CompletionStream(Envelope envelope, bool include_usage, std::vector<std::string> echoes,
                     std::size_t per_prompt)
        : envelope_(std::move(envelope)),
          include_usage_(include_usage),
          echoes_(std::move(echoes)),
          per_prompt_(std::max<std::size_t>(per_prompt, 1)) {}

    void begin_choice(std::size_t index) override {
        index_ = index;
        first_ = true;
        offset_ = 0;
    }

    Step on_line(std::string_view line, std::string& out) override {
        const StreamLine read = read_stream_line(line);
        if (read.error) {
            fail(*read.error, out);
            return Step::failed;
        }
        const json& native = read.native;
        std::string text = response_text(native);
        std::size_t echoed = 0;
        if (first_ && index_ < echoes_.size()) {
            echoed = echoes_[index_].size();
            text = echoes_[index_] + text;
        }
        const auto logprobs = native.find("logprobs");
        const bool has_logprobs = logprobs != native.end() && logprobs->is_array();
        if (!text.empty() || has_logprobs) {
            // Offsets count from the start of the choice's text, echoed prompt included.
            chunk(out, text, has_logprobs ? legacy_logprobs(*logprobs, offset_ + echoed) : nullptr,
                  nullptr);
            offset_ += text.size();
        }
        first_ = false;
        if (!native.value("done", false)) return Step::more;
        usage_.add(native, index_ % per_prompt_ == 0);
        chunk(out, "", nullptr, finish_reason(native, false));
        return Step::choice_done;
    }

    void finish(std::string& out) override {
        if (include_usage_) {
            ordered_json last = envelope_json(envelope_);
            last["choices"] = ordered_json::array();
            last["usage"] = usage_.to_json();
            append_sse_data(out, dump(last));
        }
        append_sse_done(out);
    }

    void fail(const ApiError& error, std::string& out) override { append_error_event(out, error); }

  private:
    void chunk(std::string& out, const std::string& text, ordered_json logprobs,
               ordered_json finish) const {
        ordered_json chunk = envelope_json(envelope_);
        ordered_json choice;
        choice["text"] = text;
        choice["index"] = index_;
        choice["logprobs"] = std::move(logprobs);
        choice["finish_reason"] = std::move(finish);
        chunk["choices"] = ordered_json::array({std::move(choice)});
        if (include_usage_) chunk["usage"] = nullptr;
        append_sse_data(out, dump(chunk));
    }

    Envelope envelope_;
    bool include_usage_;
    std::vector<std::string> echoes_;
    std::size_t per_prompt_;
    Usage usage_;
    std::size_t index_ = 0;
    bool first_ = true;
    std::size_t offset_ = 0;
};

}  // namespace

CompletionRequest translate_completion_request(const json& body,
                                               const ModelDefaultsTable& defaults) {
    const Fields request(body, "");
    CompletionRequest out;
    out.model = request.required_string("model");
    const StreamChoice streaming = read_stream_choice(request);
    out.stream = streaming.stream;
    out.include_usage = streaming.include_usage;
    const std::int64_t n = request.integer("n", 1, 128).value_or(1);
    refuse_unsupported(request, n);
    const std::vector<std::string> prompts = read_prompts(request);
    if (prompts.size() * static_cast<std::size_t>(n) > 128) {
        throw invalid_request("Too many choices requested: prompts times 'n' must not exceed 128.",
                              "n", "invalid_value");
    }
    const bool echo = request.boolean("echo").value_or(false);
    out.per_prompt = static_cast<std::size_t>(n);

    json native{{"model", out.model}, {"stream", out.stream}};
    if (auto suffix = request.string("suffix"); suffix && !suffix->empty())
        native["suffix"] = *suffix;
    json options = json::object();
    map_sampling(request, options);
    if (!options.empty()) native["options"] = std::move(options);
    if (auto logprobs = request.integer("logprobs", 0, 5); logprobs && *logprobs > 0) {
        native["logprobs"] = true;
        native["top_logprobs"] = *logprobs;
    }
    map_native_extras(request, native);
    apply_model_defaults(native, defaults);

    for (const std::string& prompt : prompts) {
        for (std::int64_t k = 0; k < n; ++k) {
            json call = native;
            call["prompt"] = prompt;
            out.natives.push_back(std::move(call));
            out.echoes.push_back(echo ? prompt : std::string());
        }
    }
    return out;
}

std::string text_completion(const std::vector<json>& replies,
                            const std::vector<std::string>& echoes, const Envelope& envelope,
                            std::size_t per_prompt) {
    per_prompt = std::max<std::size_t>(per_prompt, 1);
    Usage usage;
    ordered_json choices = ordered_json::array();
    for (std::size_t i = 0; i < replies.size(); ++i) {
        const std::string echo = i < echoes.size() ? echoes[i] : std::string();
        ordered_json choice;
        choice["text"] = echo + response_text(replies[i]);
        choice["index"] = i;
        const auto logprobs = replies[i].find("logprobs");
        choice["logprobs"] = logprobs != replies[i].end() && logprobs->is_array()
                                 ? legacy_logprobs(*logprobs, echo.size())
                                 : ordered_json(nullptr);
        choice["finish_reason"] = finish_reason(replies[i], false);
        choices.push_back(std::move(choice));
        usage.add(replies[i], i % per_prompt == 0);
    }
    ordered_json out = envelope_json(envelope);
    out["choices"] = std::move(choices);
    out["usage"] = usage.to_json();
    return dump(out);
}

std::unique_ptr<StreamTranslator> make_completion_stream(Envelope envelope, bool include_usage,
                                                         std::vector<std::string> echoes,
                                                         std::size_t per_prompt) {
    return std::make_unique<CompletionStream>(std::move(envelope), include_usage, std::move(echoes),
                                              per_prompt);
}

}  // namespace ollama_proxy::openai
