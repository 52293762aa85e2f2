#include "generation.hpp"

#include "hashing.hpp"
#include "media.hpp"
#include "model_catalog.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace fake_ollama {
namespace {

constexpr std::array<std::string_view, 4> kThinkLevels{"high", "medium", "low", "max"};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    });
    return out;
}

// keep_alive 0 (number, or a Go duration such as "0" or "0s") asks for an unload.
bool keep_alive_zero(const ojson& req) {
    const auto it = req.find("keep_alive");
    if (it == req.end()) return false;
    if (it->is_number()) return it->get<double>() == 0.0;
    if (!it->is_string()) return false;
    const auto text = it->get<std::string>();
    if (text.empty() || text[0] == '-') return false;
    return std::none_of(text.begin(), text.end(), [](char c) { return c >= '1' && c <= '9'; });
}

struct think_choice {
    std::optional<bool> requested;  // nullopt: not given, the model's default applies
    std::optional<reply> error;
};

// `think` is a bool or a level; anything else fails decoding, as in Ollama's ThinkValue.
think_choice parse_think(const ojson& req) {
    think_choice out;
    const auto it = req.find("think");
    if (it == req.end() || it->is_null()) return out;
    if (it->is_boolean()) {
        out.requested = it->get<bool>();
    } else if (it->is_string()) {
        const auto level = it->get<std::string>();
        if (std::find(kThinkLevels.begin(), kThinkLevels.end(), level) == kThinkLevels.end()) {
            out.error = error_reply(400, "invalid think value: \"" + level +
                                             "\" (must be \"high\", \"medium\", \"low\", "
                                             "\"max\", true, or false)");
        }
        out.requested = true;
    } else {
        out.error = error_reply(400, "think must be a boolean or string");
    }
    return out;
}

struct limit_choice {
    std::optional<std::size_t> limit;
    std::optional<reply> error;
};

// options.num_predict: a negative value means no limit. A non-number is a 500, as in Ollama.
limit_choice parse_num_predict(const ojson& req) {
    limit_choice out;
    const auto options = req.find("options");
    if (options == req.end() || !options->is_object()) return out;
    const auto it = options->find("num_predict");
    if (it == options->end() || it->is_null()) return out;
    if (!it->is_number()) {
        out.error = error_reply(500, "option \"num_predict\" must be of type integer");
        return out;
    }
    const double value = it->get<double>();
    if (value >= 0) out.limit = static_cast<std::size_t>(value);
    return out;
}

std::optional<reply> check_top_logprobs(const ojson& req) {
    const auto it = req.find("top_logprobs");
    if (it == req.end() || !it->is_number()) return std::nullopt;
    const double value = it->get<double>();
    if (value < 0 || value > 20) return error_reply(400, "top_logprobs must be between 0 and 20");
    return std::nullopt;
}

// What a generation will emit, before it is shaped into chat or generate lines.
struct generation_plan {
    std::vector<std::string> thinking;
    std::vector<std::string> content;
    std::string done_reason = "stop";
    unsigned prompt_tokens = 0;

    [[nodiscard]] std::size_t eval_count() const { return thinking.size() + content.size(); }
};

// num_predict caps thinking and content tokens together, as a real model's budget would.
generation_plan make_plan(std::string_view text, std::optional<std::string> thinking,
                          unsigned prompt_tokens, std::optional<std::size_t> limit) {
    generation_plan plan;
    plan.prompt_tokens = prompt_tokens;
    if (thinking) plan.thinking = split_tokens(*thinking);
    plan.content = split_tokens(text);
    if (limit && plan.eval_count() > *limit) {
        plan.done_reason = "length";
        plan.thinking.resize(std::min(plan.thinking.size(), *limit));
        plan.content.resize(*limit - plan.thinking.size());
    }
    return plan;
}

void add_metrics(ojson& out, unsigned prompt_tokens, std::size_t eval_count) {
    out["total_duration"] =
        kLoadDuration + kPromptEvalDuration + kOverheadDuration + eval_count * kTokenDuration;
    out["load_duration"] = kLoadDuration;
    // Ollama's metrics are omitempty: zero counts are left out.
    if (prompt_tokens != 0) {
        out["prompt_eval_count"] = prompt_tokens;
        out["prompt_eval_duration"] = kPromptEvalDuration;
    }
    if (eval_count != 0) {
        out["eval_count"] = eval_count;
        out["eval_duration"] = eval_count * kTokenDuration;
    }
}

std::string join(const std::vector<std::string>& tokens) {
    std::string out;
    for (const auto& t : tokens)
        out += t;
    return out;
}

std::string thinking_text(std::string_view text) {
    return "Thinking about: " + std::string(text);
}

// ---- chat ---------------------------------------------------------------------------------

std::optional<reply> check_messages(const ojson& req) {
    const auto it = req.find("messages");
    if (it == req.end() || !it->is_array()) return std::nullopt;
    for (const ojson& message : *it) {
        if (message.is_null()) continue;
        if (!message.is_object()) {
            return error_reply(400, "json: cannot unmarshal " + go_value_name(message) +
                                        " into Go struct field ChatRequest.messages of type "
                                        "api.Message");
        }
        if (auto err = check_fields(message, "ChatRequest.messages",
                                    {{"role", json_kind::string, "string"},
                                     {"content", json_kind::string, "string"},
                                     {"images", json_kind::array, "[]api.ImageData"}})) {
            return err;
        }
    }
    return std::nullopt;
}

std::string last_user_content(const ojson& messages) {
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
        if (it->is_object() && lower(string_field(*it, "role")) == "user") {
            return string_field(*it, "content");
        }
    }
    return {};
}

// The content of the last message when it is a tool result: a model answers from it rather
// than call a tool again.
std::optional<std::string> tool_result(const ojson& messages) {
    if (messages.empty() || !messages.back().is_object()) return std::nullopt;
    if (lower(string_field(messages.back(), "role")) != "tool") return std::nullopt;
    return string_field(messages.back(), "content");
}

unsigned message_words(const ojson& messages) {
    unsigned words = 0;
    for (const ojson& m : messages) {
        if (m.is_object()) words += count_words(string_field(m, "content"));
    }
    return words;
}

bool has_word(std::string_view text, std::string_view word) {
    return lower(text).find(word) != std::string::npos;
}

// A plausible value for a tool parameter, from its JSON-Schema type and name.
ojson argument_value(const std::string& name, const ojson& schema) {
    if (schema.is_object()) {
        const auto values = schema.find("enum");
        if (values != schema.end() && values->is_array() && !values->empty()) {
            return values->front();
        }
    }
    std::string type = "string";
    if (schema.is_object() && schema.contains("type")) {
        const ojson& t = schema["type"];
        if (t.is_string()) type = t.get<std::string>();
        if (t.is_array() && !t.empty() && t.front().is_string()) {
            type = t.front().get<std::string>();
        }
    }
    if (type == "number" || type == "integer") return 1;
    if (type == "boolean") return true;
    if (type == "array") return ojson::array();
    if (type == "object") return ojson::object();
    const std::string key = lower(name);
    if (key.find("city") != std::string::npos || key.find("location") != std::string::npos) {
        return "Tokyo";
    }
    if (key.find("unit") != std::string::npos) return "celsius";
    return "example";
}

ojson tool_arguments(const ojson& function) {
    ojson args = ojson::object();
    if (!function.is_object()) return args;
    const auto params = function.find("parameters");
    if (params == function.end() || !params->is_object()) return args;
    const auto props = params->find("properties");
    if (props == params->end() || !props->is_object()) return args;
    for (const auto& [name, schema] : props->items())
        args[name] = argument_value(name, schema);
    return args;
}

// call_ + 8 characters of [a-z0-9], fixed by the tool name and the user's message.
std::string tool_call_id(std::string_view name, std::string_view content) {
    static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::uint64_t state = fnv1a(std::string(name) + '\n' + std::string(content));
    std::string id = "call_";
    for (int i = 0; i < 8; ++i)
        id.push_back(kAlphabet[splitmix(state) % kAlphabet.size()]);
    return id;
}

ojson tool_call(const ojson& tool, std::size_t index, std::string_view content) {
    ojson function = tool.is_object() && tool.contains("function") ? tool["function"] : ojson();
    const std::string name = function.is_object() ? string_field(function, "name") : "";
    return ojson{
        {"id", tool_call_id(name, content)},
        {"function", {{"index", index}, {"name", name}, {"arguments", tool_arguments(function)}}},
    };
}

// The first tool is called; with "every tool" in the message, each tool once, in one line (as
// parallel calls arrive from Ollama).
ojson tool_calls_for(const ojson& tools, std::string_view content) {
    const std::size_t count = has_word(content, "every tool") ? tools.size() : 1;
    ojson calls = ojson::array();
    for (std::size_t i = 0; i < count; ++i)
        calls.push_back(tool_call(tools[i], i, content));
    return calls;
}

ojson assistant_message(std::string_view content) {
    return ojson{{"role", "assistant"}, {"content", content}};
}

ojson chat_line(const std::string& model, std::size_t index, ojson message, bool done) {
    return ojson{{"model", model},
                 {"created_at", created_at(index)},
                 {"message", std::move(message)},
                 {"done", done}};
}

reply chat_load_reply(const std::string& model, bool unload) {
    ojson out = chat_line(model, 0, assistant_message(""), true);
    out["done_reason"] = unload ? "unload" : "load";
    return json_reply(out);
}

reply chat_stream(const std::string& model, const generation_plan& plan,
                  const std::optional<ojson>& tool_calls) {
    std::vector<std::string> lines;
    std::size_t index = 0;
    for (const auto& token : plan.thinking) {
        ojson message = assistant_message("");
        message["thinking"] = token;
        lines.push_back(dump_line(chat_line(model, index++, std::move(message), false)));
    }
    for (const auto& token : plan.content) {
        lines.push_back(dump_line(chat_line(model, index++, assistant_message(token), false)));
    }
    if (tool_calls) {
        ojson message = assistant_message("");
        message["tool_calls"] = *tool_calls;
        lines.push_back(dump_line(chat_line(model, index++, std::move(message), false)));
    }
    ojson done = chat_line(model, index, assistant_message(""), true);
    done["done_reason"] = plan.done_reason;
    add_metrics(done, plan.prompt_tokens, plan.eval_count() + (tool_calls ? 1 : 0));
    lines.push_back(dump_line(done));
    return stream_reply(std::move(lines));
}

reply chat_whole(const std::string& model, const generation_plan& plan,
                 const std::optional<ojson>& tool_calls) {
    ojson message = assistant_message(join(plan.content));
    if (!plan.thinking.empty()) message["thinking"] = join(plan.thinking);
    if (tool_calls) message["tool_calls"] = *tool_calls;
    ojson out = chat_line(model, 0, std::move(message), true);
    out["done_reason"] = plan.done_reason;
    add_metrics(out, plan.prompt_tokens, plan.eval_count() + (tool_calls ? 1 : 0));
    return json_reply(out);
}

// ---- generate -----------------------------------------------------------------------------

ojson generate_line(const std::string& model, std::size_t index, std::string_view response) {
    return ojson{{"model", model}, {"created_at", created_at(index)}, {"response", response}};
}

reply generate_load_reply(const std::string& model, bool unload) {
    ojson out = generate_line(model, 0, "");
    out["done"] = true;
    out["done_reason"] = unload ? "unload" : "load";
    return json_reply(out);
}

ojson generate_done(const std::string& model, std::size_t index, const generation_plan& plan,
                    bool raw, std::string_view response, std::string_view thinking) {
    ojson out = generate_line(model, index, response);
    if (!thinking.empty()) out["thinking"] = thinking;
    out["done"] = true;
    out["done_reason"] = plan.done_reason;
    if (!raw) out["context"] = {1, 2, 3};
    add_metrics(out, plan.prompt_tokens, plan.eval_count());
    return out;
}

reply generate_stream(const std::string& model, const generation_plan& plan, bool raw) {
    std::vector<std::string> lines;
    std::size_t index = 0;
    for (const auto& token : plan.thinking) {
        ojson line = generate_line(model, index++, "");
        line["thinking"] = token;
        line["done"] = false;
        lines.push_back(dump_line(line));
    }
    for (const auto& token : plan.content) {
        ojson line = generate_line(model, index++, token);
        line["done"] = false;
        lines.push_back(dump_line(line));
    }
    lines.push_back(dump_line(generate_done(model, index, plan, raw, "", "")));
    return stream_reply(std::move(lines));
}

// Checks shared by chat and generate once the model is known.
std::optional<reply> check_capabilities(const model_entry& entry, const std::string& model,
                                        std::string_view verb, std::optional<bool> think) {
    if (!entry.has("completion"))
        return error_reply(400, go_quote(model) + " does not support " + std::string(verb));
    if (think.value_or(false) && !entry.has("thinking")) {
        return error_reply(400, go_quote(model) + " does not support thinking");
    }
    return std::nullopt;
}

// Thinking models think unless told not to; others never do.
bool thinks(const model_entry& entry, std::optional<bool> requested) {
    return entry.has("thinking") && requested.value_or(true);
}

}  // namespace

unsigned count_words(std::string_view text) {
    unsigned words = 0;
    bool in_word = false;
    for (char c : text) {
        if (is_space(c)) {
            in_word = false;
        } else if (!in_word) {
            in_word = true;
            ++words;
        }
    }
    return words;
}

std::vector<std::string> split_tokens(std::string_view text) {
    std::vector<std::string> tokens;
    std::size_t start = 0;
    for (std::size_t i = 1; i < text.size(); ++i) {
        // A token ends where whitespace follows a non-space character.
        if (is_space(text[i]) && !is_space(text[i - 1])) {
            tokens.emplace_back(text.substr(start, i - start));
            start = i;
        }
    }
    if (start < text.size()) tokens.emplace_back(text.substr(start));
    return tokens;
}

std::string created_at(std::size_t index) {
    const std::uint64_t ms = static_cast<std::uint64_t>(index) * 50;
    const std::uint64_t seconds = ms / 1000;
    std::array<char, 48> buf{};
    std::snprintf(buf.data(), buf.size(), "2026-01-01T%02u:%02u:%02u.%09uZ",
                  static_cast<unsigned>((seconds / 3600) % 24),
                  static_cast<unsigned>((seconds / 60) % 60), static_cast<unsigned>(seconds % 60),
                  static_cast<unsigned>((ms % 1000) * 1'000'000));
    return buf.data();
}

reply handle_chat(std::string_view body) {
    auto decoded = decode_body(body, "api.ChatRequest");
    if (decoded.error) return *decoded.error;
    const ojson& req = decoded.doc;
    if (auto err = check_fields(req, "ChatRequest",
                                {{"model", json_kind::string, "string"},
                                 {"messages", json_kind::array, "[]api.Message"},
                                 {"stream", json_kind::boolean, "bool"},
                                 {"tools", json_kind::array, "api.Tools"},
                                 {"options", json_kind::object, "map[string]interface {}"},
                                 {"logprobs", json_kind::boolean, "bool"},
                                 {"top_logprobs", json_kind::integer, "int"}})) {
        return *err;
    }
    if (auto err = check_messages(req)) return *err;
    const think_choice think = parse_think(req);
    if (think.error) return *think.error;

    const std::string model = string_field(req, "model");
    if (model.empty()) return error_reply(400, "model is required");
    if (auto err = check_top_logprobs(req)) return *err;
    const model_entry* entry = find_model(model);
    if (entry == nullptr) return error_reply(404, "model '" + model + "' not found");

    const ojson messages = req.value("messages", ojson::array());
    if (messages.empty() && keep_alive_zero(req)) return chat_load_reply(model, true);
    const ojson tools = req.value("tools", ojson::array());
    if (!tools.empty() && !entry->has("tools")) {
        return error_reply(400, parse_model_name(model).full() + " does not support tools");
    }
    if (auto err = check_capabilities(*entry, model, "chat", think.requested)) return *err;
    if (messages.empty()) return chat_load_reply(model, false);
    if (auto heard = audio_chat(*entry, req)) return *heard;
    if (auto judged = moderation_chat(*entry, req)) return *judged;

    const auto limit = parse_num_predict(req);
    if (limit.error) return *limit.error;
    const std::string content = last_user_content(messages);
    const std::optional<std::string> result = tool_result(messages);
    std::optional<ojson> tool_calls;
    if (!tools.empty() && !result && has_word(content, "weather"))
        tool_calls = tool_calls_for(tools, content);
    const std::string answer = result ? "Tool result: " + *result : "You said: " + content;

    std::optional<std::string> thinking;
    if (thinks(*entry, think.requested)) thinking = thinking_text(content);
    // A tool call replaces the spoken answer, as a real model does when it calls a tool.
    const generation_plan plan = make_plan(tool_calls ? "" : answer, std::move(thinking),
                                           message_words(messages), limit.limit);
    if (bool_field(req, "stream", true)) return chat_stream(model, plan, tool_calls);
    return chat_whole(model, plan, tool_calls);
}

reply handle_generate(std::string_view body) {
    auto decoded = decode_body(body, "api.GenerateRequest");
    if (decoded.error) return *decoded.error;
    const ojson& req = decoded.doc;
    if (auto err = check_fields(req, "GenerateRequest",
                                {{"model", json_kind::string, "string"},
                                 {"prompt", json_kind::string, "string"},
                                 {"suffix", json_kind::string, "string"},
                                 {"system", json_kind::string, "string"},
                                 {"template", json_kind::string, "string"},
                                 {"context", json_kind::array, "[]int"},
                                 {"stream", json_kind::boolean, "bool"},
                                 {"raw", json_kind::boolean, "bool"},
                                 {"images", json_kind::array, "[]api.ImageData"},
                                 {"options", json_kind::object, "map[string]interface {}"},
                                 {"logprobs", json_kind::boolean, "bool"},
                                 {"top_logprobs", json_kind::integer, "int"},
                                 {"width", json_kind::integer, "int32"},
                                 {"height", json_kind::integer, "int32"},
                                 {"steps", json_kind::integer, "int32"}})) {
        return *err;
    }
    const think_choice think = parse_think(req);
    if (think.error) return *think.error;

    const std::string model = string_field(req, "model");
    if (model.empty()) return error_reply(404, "model '' not found");
    const bool raw = bool_field(req, "raw", false);
    const bool has_context =
        req.contains("context") && req["context"].is_array() && !req["context"].empty();
    if (raw && (!string_field(req, "template").empty() || !string_field(req, "system").empty() ||
                has_context)) {
        return error_reply(400, "raw mode does not support template, system, or context");
    }
    if (auto err = check_top_logprobs(req)) return *err;
    const model_entry* entry = find_model(model);
    if (entry == nullptr) return error_reply(404, "model '" + model + "' not found");
    if (entry->has("image")) return image_generate(*entry, req);
    if (auto refused = refuse_image_fields(*entry, req)) return *refused;

    const std::string prompt = string_field(req, "prompt");
    const bool has_images =
        req.contains("images") && req["images"].is_array() && !req["images"].empty();
    const bool load_only = prompt.empty() && !has_images;
    if (load_only && keep_alive_zero(req)) return generate_load_reply(model, true);
    if (!string_field(req, "suffix").empty() && !entry->has("insert")) {
        return error_reply(400, parse_model_name(model).full() + " does not support insert");
    }
    if (auto err = check_capabilities(*entry, model, "generate", think.requested)) return *err;
    if (load_only) return generate_load_reply(model, false);

    const auto limit = parse_num_predict(req);
    if (limit.error) return *limit.error;
    std::optional<std::string> thinking;
    if (thinks(*entry, think.requested)) thinking = thinking_text(prompt);
    const generation_plan plan =
        make_plan("You said: " + prompt, std::move(thinking),
                  count_words(prompt) + count_words(string_field(req, "system")), limit.limit);
    if (bool_field(req, "stream", true)) return generate_stream(model, plan, raw);
    return json_reply(generate_done(model, 0, plan, raw, join(plan.content), join(plan.thinking)));
}

}  // namespace fake_ollama
