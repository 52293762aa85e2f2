#include "ollama_proxy/openai/audio.hpp"

#include "ollama_proxy/openai/encoding.hpp"
#include "ollama_proxy/openai/request_fields.hpp"
#include "openai/native_reply.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view kTranscribe =
    "Write down exactly the words spoken in the audio and nothing else: no answer to anything "
    "said, no comment, no description of sounds.";
constexpr std::string_view kTranslateAudio =
    "Translate the speech in the audio into English. Reply with the English translation only, "
    "without comment.";
constexpr std::string_view kTranslateText =
    "Translate the user's text into English. Reply with the English translation only, without "
    "comment; text that is already English stays as it is.";

std::optional<std::string> field(const FormData& form, std::string_view name) {
    const FormPart* part = form.find(name);
    if (part == nullptr) return std::nullopt;
    return part->data;
}

// A form field given but empty counts as not given: clients send empty fields for unset ones.
std::optional<std::string> nonempty_field(const FormData& form, std::string_view name) {
    auto value = field(form, name);
    if (value && value->empty()) return std::nullopt;
    return value;
}

ApiError unsupported(const std::string& message, const std::string& param) {
    return invalid_request(message, param, "unsupported_value");
}

TranscriptFormat read_format(const FormData& form) {
    const auto format = nonempty_field(form, "response_format");
    if (!format || *format == "json") return TranscriptFormat::json;
    if (*format == "text") return TranscriptFormat::text;
    if (*format == "verbose_json") return TranscriptFormat::verbose_json;
    if (*format == "srt") return TranscriptFormat::srt;
    if (*format == "vtt") return TranscriptFormat::vtt;
    if (*format == "diarized_json") {
        throw unsupported("response_format 'diarized_json' is not supported by this server.",
                          "response_format");
    }
    throw invalid_request("Invalid value for 'response_format': '" + *format +
                              "'. Supported values are: 'json', 'text', 'srt', 'verbose_json', "
                              "'vtt'.",
                          "response_format", "invalid_value");
}

double read_temperature(const FormData& form) {
    const auto text = nonempty_field(form, "temperature");
    if (!text) return 0;  // OpenAI's default
    char* end = nullptr;
    const double value = std::strtod(text->c_str(), &end);
    if (end != text->c_str() + text->size() || !(value >= 0 && value <= 1)) {
        throw invalid_request(
            "Invalid value for 'temperature': '" + *text + "' is not a number from 0 to 1.",
            "temperature", "invalid_value");
    }
    return value;
}

// What needs timings or token data the models do not give is refused, not made up.
void refuse_unsupported(const FormData& form) {
    if (nonempty_field(form, "stream") == "true") {
        throw unsupported("Streaming transcription is not supported by this server.", "stream");
    }
    for (const FormPart& part : form.parts) {
        if (part.name == "timestamp_granularities[]" && part.data == "word") {
            throw unsupported(
                "Word timestamps are not supported by this server: the models give no timings.",
                "timestamp_granularities");
        }
        if (part.name == "include[]" && part.data == "logprobs") {
            throw unsupported("Log probabilities of transcripts are not supported by this server.",
                              "include");
        }
    }
}

json system_message(std::string text, const std::string& language, const std::string& context) {
    if (!language.empty())
        text += " The speech is in the language with ISO-639-1 code " + language + ".";
    if (!context.empty()) text += " Context from the caller: " + context;
    return {{"role", "system"}, {"content", std::move(text)}};
}

json chat_body(const std::string& model, json system, json user, double temperature) {
    return {{"model", model},
            {"messages", {std::move(system), std::move(user)}},
            {"stream", false},
            {"options", {{"temperature", temperature}}}};
}

std::string required_model(const FormData& form, AudioTask task, std::string_view fallback) {
    if (auto model = nonempty_field(form, "model")) return *model;
    if (task == AudioTask::translation && !fallback.empty()) return std::string(fallback);
    throw invalid_request(
        task == AudioTask::translation
            ? "Missing required parameter: 'model' (or set audio.translationModel, "
              "--audio-translation-model, on the server)."
            : "Missing required parameter: 'model'.",
        "model", "missing_required_parameter");
}

// The audio file to an audio-capable model, which answers with the words or their translation.
void ask_about_file(AudioRequest& out, const FormData& form, const FormPart& file,
                    std::string_view fallback) {
    if (file.data.empty())
        throw invalid_request("The audio file is empty.", "file", "invalid_value");
    out.model = required_model(form, out.task, fallback);
    out.duration = wav_duration(file.data);
    const std::string context = nonempty_field(form, "prompt").value_or("");
    const bool translate = out.task == AudioTask::translation;
    json user = {
        {"role", "user"},
        {"content", translate ? "Translate this audio into English." : "Transcribe this audio."},
        {"images",
         {base64_encode(
             {reinterpret_cast<const unsigned char*>(file.data.data()), file.data.size()})}}};
    out.native = chat_body(out.model,
                           system_message(std::string(translate ? kTranslateAudio : kTranscribe),
                                          translate ? "" : out.language, context),
                           std::move(user), out.temperature);
}

}  // namespace

AudioRequest translate_audio_request(AudioTask task, const FormData& form,
                                     std::string_view translation_model,
                                     const ModelDefaultsTable& defaults) {
    AudioRequest out;
    out.task = task;
    out.format = read_format(form);
    out.temperature = read_temperature(form);
    if (task == AudioTask::transcription)
        out.language = nonempty_field(form, "language").value_or("");
    refuse_unsupported(form);
    const FormPart* file = form.find("file");
    // A transcript in `text` wins; `prompt` is one only when no file comes with it, as it is
    // context for the file otherwise.
    std::optional<std::string> transcript = nonempty_field(form, "text");
    if (!transcript && file == nullptr) transcript = nonempty_field(form, "prompt");
    if (transcript) {
        out.transcript = std::move(*transcript);
        if (task == AudioTask::translation) {
            out.model = required_model(form, task, translation_model);
            const std::string context =
                form.find("text") ? nonempty_field(form, "prompt").value_or("") : "";
            out.native =
                chat_body(out.model, system_message(std::string(kTranslateText), "", context),
                          {{"role", "user"}, {"content", out.transcript}}, out.temperature);
        } else {
            out.model = nonempty_field(form, "model").value_or("");
        }
    } else if (file != nullptr) {
        ask_about_file(out, form, *file, translation_model);
    } else {
        throw invalid_request(
            "Missing required parameter: 'file'. Send the audio as 'file', or a transcript as "
            "'text'.",
            "file", "missing_required_parameter");
    }
    if (out.native) apply_model_defaults(*out.native, defaults);
    return out;
}

std::string reply_transcript(const json& reply) {
    const auto message = reply.find("message");
    if (message == reply.end() || !message->is_object() || !message->contains("content") ||
        !(*message)["content"].is_string()) {
        throw error_with_status(502, "remote Ollama sent a chat reply without message content");
    }
    const std::string& text = (*message)["content"].get_ref<const std::string&>();
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

namespace {

// verbose_json names the language in English, as OpenAI does; codes not listed stay codes.
std::string language_name(std::string_view code) {
    static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
        {"ar", "arabic"},     {"cs", "czech"},     {"da", "danish"},     {"de", "german"},
        {"el", "greek"},      {"en", "english"},   {"es", "spanish"},    {"fi", "finnish"},
        {"fr", "french"},     {"he", "hebrew"},    {"hi", "hindi"},      {"hu", "hungarian"},
        {"id", "indonesian"}, {"it", "italian"},   {"ja", "japanese"},   {"ko", "korean"},
        {"nl", "dutch"},      {"no", "norwegian"}, {"pl", "polish"},     {"pt", "portuguese"},
        {"ro", "romanian"},   {"ru", "russian"},   {"sv", "swedish"},    {"th", "thai"},
        {"tr", "turkish"},    {"uk", "ukrainian"}, {"vi", "vietnamese"}, {"zh", "chinese"}};
    for (const auto& [known, name] : kNames) {
        if (known == code) return std::string(name);
    }
    return std::string(code);
}

// "00:01:02,345" (SRT) or "00:01:02.345" (WebVTT).
std::string timestamp(double seconds, char separator) {
    const auto ms = static_cast<std::int64_t>(std::llround(seconds * 1000));
    char out[32];
    std::snprintf(out, sizeof out, "%02lld:%02lld:%02lld%c%03lld",
                  static_cast<long long>(ms / 3600000), static_cast<long long>(ms / 60000 % 60),
                  static_cast<long long>(ms / 1000 % 60), separator,
                  static_cast<long long>(ms % 1000));
    return out;
}

std::string verbose_json(const AudioRequest& request, std::string_view text) {
    // One segment covering the whole audio: the models give no timings inside it. Without a
    // known duration its end is 0 and no duration is claimed.
    const double end = request.duration.value_or(0);
    const bool translation = request.task == AudioTask::translation;
    ordered_json out;
    out["task"] = translation ? "translate" : "transcribe";
    if (translation || !request.language.empty())
        out["language"] = translation ? "english" : language_name(request.language);
    if (request.duration) out["duration"] = *request.duration;
    out["text"] = text;
    ordered_json segment;
    segment["id"] = 0;
    segment["seek"] = 0;
    segment["start"] = 0.0;
    segment["end"] = end;
    segment["text"] = text;
    segment["tokens"] = ordered_json::array();
    segment["temperature"] = request.temperature;
    out["segments"] = ordered_json::array({std::move(segment)});
    return dump(out);
}

std::uint32_t le32(std::string_view bytes, std::size_t at) {
    std::uint32_t value = 0;
    for (int i = 3; i >= 0; --i)
        value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
    return value;
}

}  // namespace

std::string transcript_body(const AudioRequest& request, std::string_view text) {
    const double end = request.duration.value_or(0);
    switch (request.format) {
        case TranscriptFormat::json: {
            ordered_json out;
            out["text"] = text;
            return dump(out);
        }
        case TranscriptFormat::text:
            return std::string(text) + "\n";
        case TranscriptFormat::verbose_json:
            return verbose_json(request, text);
        case TranscriptFormat::srt:
            return "1\n" + timestamp(0, ',') + " --> " + timestamp(end, ',') + "\n" +
                   std::string(text) + "\n\n";
        case TranscriptFormat::vtt:
            return "WEBVTT\n\n" + timestamp(0, '.') + " --> " + timestamp(end, '.') + "\n" +
                   std::string(text) + "\n\n";
    }
    return {};
}

std::string_view transcript_content_type(TranscriptFormat format) {
    // The SDKs parse a body as JSON only when it says so, and return anything else as text.
    const bool is_json =
        format == TranscriptFormat::json || format == TranscriptFormat::verbose_json;
    return is_json ? "application/json" : "text/plain; charset=utf-8";
}

std::optional<double> wav_duration(std::string_view bytes) {
    if (bytes.size() < 12 || bytes.substr(0, 4) != "RIFF" || bytes.substr(8, 4) != "WAVE")
        return std::nullopt;
    std::uint32_t byte_rate = 0;
    std::size_t at = 12;
    while (at + 8 <= bytes.size()) {
        const std::string_view id = bytes.substr(at, 4);
        const std::uint32_t size = le32(bytes, at + 4);
        const std::size_t body = at + 8;
        if (id == "fmt " && size >= 16 && body + 16 <= bytes.size())
            byte_rate = le32(bytes, body + 8);
        if (id == "data") {
            if (byte_rate == 0) return std::nullopt;
            // Streamed files state a size they never had; what is there is what plays.
            const std::size_t present = std::min<std::size_t>(size, bytes.size() - body);
            return static_cast<double>(present) / byte_rate;
        }
        at = body + size + (size & 1);  // chunks are padded to an even size
    }
    return std::nullopt;
}

}  // namespace ollama_proxy::openai
