// POST /v1/audio/transcriptions and /v1/audio/translations, from a multipart form. A transcript
// the client already has (`text`, or `prompt` without a file) is returned as it is, or turned
// into English by a chat model; an audio `file` goes to an audio-capable model through
// POST /api/chat, its bytes in the user message's `images` as Ollama takes audio. The reply is
// given in any of the five response formats.
#pragma once

#include "ollama_proxy/config.hpp"
#include "ollama_proxy/openai/multipart.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace ollama_proxy::openai {

enum class AudioTask { transcription, translation };
enum class TranscriptFormat { json, text, verbose_json, srt, vtt };

struct AudioRequest {
    AudioTask task = AudioTask::transcription;
    TranscriptFormat format = TranscriptFormat::json;
    std::string model;                     // empty when no model is asked
    std::optional<nlohmann::json> native;  // the /api/chat body, when a model must be asked
    std::string transcript;                // otherwise: the transcript the client sent
    std::string language;                  // the `language` field as sent, maybe empty
    std::optional<double> duration;        // seconds of audio, when the file tells (WAV)
    double temperature = 0;
};

// `translation_model` is audio.translationModel, used when a translation names no model.
// Throws ApiError for a form OpenAI would refuse or the proxy cannot honour.
AudioRequest translate_audio_request(AudioTask task, const FormData& form,
                                     std::string_view translation_model,
                                     const ModelDefaultsTable& defaults);

// The text of a native chat reply, trimmed. Throws ApiError (502) when there is none.
std::string reply_transcript(const nlohmann::json& reply);

// The transcript in the requested format, and that format's Content-Type.
std::string transcript_body(const AudioRequest& request, std::string_view text);
std::string_view transcript_content_type(TranscriptFormat format);

// The playing time of a RIFF/WAVE file, from its fmt and data chunks; nullopt for anything else.
std::optional<double> wav_duration(std::string_view bytes);

}  // namespace ollama_proxy::openai
