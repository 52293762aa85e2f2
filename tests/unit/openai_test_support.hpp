// Helpers shared by the OpenAI translator tests: catching the ApiError a call throws and checking
// its four wire fields, reading an SSE body back as JSON, and driving a StreamTranslator with
// native NDJSON either line by line or as raw reads through the NdjsonSplitter.
#pragma once

#include "ollama_proxy/ndjson_splitter.hpp"
#include "ollama_proxy/openai/api_error.hpp"
#include "ollama_proxy/openai/chat_completions.hpp"
#include "ollama_proxy/openai/ids.hpp"
#include "ollama_proxy/openai/stream_translator.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ollama_proxy::openai::test {

using nlohmann::json;

// The `n`-th id (counting from 0) that a source seeded with `seed` makes for `prefix`: what a
// translator given the same seed hands out.
inline std::string nth_id(std::uint64_t seed, std::string_view prefix, int n = 0) {
    IdSource ids(seed);
    std::string id;
    for (int i = 0; i <= n; ++i)
        id = ids.make(prefix);
    return id;
}

// The ApiError `action` throws, or nullopt when it returns normally.
template <class Action>
std::optional<ApiError> thrown_api_error(Action&& action) {
    try {
        action();
    } catch (const ApiError& error) {
        return error;
    }
    return std::nullopt;
}

// Checks what a client sees of an error: its status and the type, param and code of the body
// (type as serialized, so a type derived from the status is checked too). `param` and `code`
// are a string or nullptr.
inline ::testing::AssertionResult IsApiError(const std::optional<ApiError>& error, unsigned status,
                                             std::string_view type, const json& param,
                                             const json& code) {
    if (!error) return ::testing::AssertionFailure() << "no ApiError was thrown";
    const json body = json::parse(error->body());
    const json& inner = body.at("error");
    const json expected{{"status", status}, {"type", type}, {"param", param}, {"code", code}};
    const json actual{{"status", error->status},
                      {"type", inner.at("type")},
                      {"param", inner.at("param")},
                      {"code", inner.at("code")}};
    if (expected == actual) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected " << expected.dump() << "\n  actual "
                                         << actual.dump() << "\n  message: " << error->message;
}

// A 400 invalid_request_error naming `param` with `code`: the shape of every refused request.
inline ::testing::AssertionResult IsInvalidRequest(const std::optional<ApiError>& error,
                                                   const json& param, const json& code) {
    return IsApiError(error, 400, "invalid_request_error", param, code);
}

inline bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// The events of a chat or completions SSE body: each `data: ` frame parsed as JSON, the
// terminator kept as the JSON string "[DONE]". Adds a failure for any framing other than
// `data: <payload>\n\n` (an `event:` line, a missing blank line, a stray byte).
inline std::vector<json> sse_events(std::string_view sse) {
    std::vector<json> events;
    while (!sse.empty()) {
        const auto end = sse.find("\n\n");
        if (end == std::string_view::npos) {
            ADD_FAILURE() << "unterminated SSE frame: " << sse;
            break;
        }
        const std::string_view frame = sse.substr(0, end);
        sse.remove_prefix(end + 2);
        if (frame.substr(0, 6) != "data: " || contains(frame, "\n")) {
            ADD_FAILURE() << "not a single data: line: " << frame;
            continue;
        }
        const std::string_view payload = frame.substr(6);
        events.push_back(payload == "[DONE]" ? json("[DONE]") : json::parse(payload));
    }
    return events;
}

inline const json kDone = "[DONE]";

// The events of a typed (Responses API) SSE body: each `event: <type>\ndata: <json>\n\n` frame
// as its parsed data. Adds a failure for any other framing, and for an event name that is not
// the data's `type`.
inline std::vector<json> typed_sse_events(std::string_view sse) {
    std::vector<json> events;
    while (!sse.empty()) {
        const auto end = sse.find("\n\n");
        if (end == std::string_view::npos) {
            ADD_FAILURE() << "unterminated SSE frame: " << sse;
            break;
        }
        const std::string_view frame = sse.substr(0, end);
        sse.remove_prefix(end + 2);
        const auto newline = frame.find('\n');
        const std::string_view name = frame.substr(0, newline);
        const std::string_view data =
            newline == std::string_view::npos ? std::string_view() : frame.substr(newline + 1);
        if (name.substr(0, 7) != "event: " || data.substr(0, 6) != "data: " ||
            contains(data, "\n")) {
            ADD_FAILURE() << "not an event: line and a data: line: " << frame;
            continue;
        }
        events.push_back(json::parse(data.substr(6)));
        if (events.back().value("type", "") != name.substr(7))
            ADD_FAILURE() << "event name " << name << " is not the type of " << data;
    }
    return events;
}

using Step = StreamTranslator::Step;

// What a translator made of some native streams: the SSE bytes and the step of every line.
struct StreamRun {
    std::string sse;
    std::vector<Step> steps;
};

// Drives `stream` the way the exchange does: each choice's lines in turn, then `finish` unless
// a line failed (nothing may follow an error event).
inline StreamRun run_lines(StreamTranslator& stream,
                           const std::vector<std::vector<std::string>>& choices,
                           bool finish = true) {
    StreamRun run;
    bool failed = false;
    for (std::size_t index = 0; index < choices.size() && !failed; ++index) {
        stream.begin_choice(index);
        for (const std::string& line : choices[index]) {
            run.steps.push_back(stream.on_line(line, run.sse));
            if (run.steps.back() == Step::failed) {
                failed = true;
                break;
            }
        }
    }
    if (finish && !failed) stream.finish(run.sse);
    return run;
}

// One upstream body as the remote's reads delivered it: the reads go through an NdjsonSplitter
// into `stream` as choice 0, then `finish`.
inline std::string run_reads(StreamTranslator& stream, const std::vector<std::string_view>& reads) {
    NdjsonSplitter splitter;
    std::string sse;
    stream.begin_choice(0);
    for (const std::string_view read : reads) {
        EXPECT_TRUE(splitter.feed(read, [&](std::string_view line) { stream.on_line(line, sse); }));
    }
    EXPECT_EQ(splitter.pending(), "");
    stream.finish(sse);
    return sse;
}

// Every way of cutting `body` into reads that this suite checks: two reads around each byte
// boundary (mid-line, mid-UTF-8 character, between "\r" and "\n"), and one read per byte.
inline std::vector<std::vector<std::string_view>> read_patterns(std::string_view body) {
    std::vector<std::vector<std::string_view>> patterns;
    for (std::size_t cut = 1; cut < body.size(); ++cut)
        patterns.push_back({body.substr(0, cut), body.substr(cut)});
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < body.size(); ++i)
        bytes.push_back(body.substr(i, 1));
    patterns.push_back(std::move(bytes));
    return patterns;
}

// What every event of a chat or completion stream repeats: id, object, created, model, and its
// `choices` (here one choice, or none for the usage event).
inline nlohmann::json stream_event(const Envelope& envelope, std::string_view object,
                                   std::optional<nlohmann::json> choice) {
    nlohmann::json out = nlohmann::json::object();
    out["id"] = envelope.id;
    out["object"] = object;
    out["created"] = envelope.created;
    out["model"] = envelope.model;
    out["choices"] = nlohmann::json::array();
    if (choice) out["choices"].push_back(std::move(*choice));
    return out;
}

// The last event with include_usage: no choices, and the usage.
inline nlohmann::json usage_event(const Envelope& envelope, std::string_view object, int prompt,
                                  int completion) {
    nlohmann::json out = stream_event(envelope, object, std::nullopt);
    out["usage"] = {{"prompt_tokens", prompt},
                    {"completion_tokens", completion},
                    {"total_tokens", prompt + completion}};
    return out;
}

// With include_usage every event but the last carries "usage": null, as OpenAI's do.
inline nlohmann::json with_null_usage(nlohmann::json event) {
    event["usage"] = nullptr;
    return event;
}

}  // namespace ollama_proxy::openai::test
