// POST /v1/audio/transcriptions and /translations: which transcript source a form selects, the
// native chat bodies for a file and for a translation, the five response formats, and the WAV
// duration behind the timings.

#include "ollama_proxy/openai/audio.hpp"

#include "ollama_proxy/openai/encoding.hpp"
#include "openai_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using test::contains;
using test::IsApiError;
using test::IsInvalidRequest;
using test::thrown_api_error;

FormPart text_part(std::string name, std::string value) {
    return {std::move(name), std::nullopt, "", std::move(value)};
}

FormPart file_part(std::string data) {
    return {"file", "speech.wav", "audio/wav", std::move(data)};
}

// A mono 16-bit 8 kHz WAV holding `seconds` of silence.
std::string wav(double seconds) {
    const auto data_size = static_cast<std::uint32_t>(seconds * 16000);
    auto le = [](std::uint32_t value, int bytes) {
        std::string out;
        for (int i = 0; i < bytes; ++i)
            out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
        return out;
    };
    return "RIFF" + le(36 + data_size, 4) + "WAVE" + "fmt " + le(16, 4) + le(1, 2) + le(1, 2) +
           le(8000, 4) + le(16000, 4) + le(2, 2) + le(16, 2) + "data" + le(data_size, 4) +
           std::string(data_size, '\0');
}

AudioRequest translate(AudioTask task, std::vector<FormPart> parts,
                       std::string_view translation_model = {},
                       const ModelDefaultsTable& defaults = {}) {
    return translate_audio_request(task, FormData{std::move(parts)}, translation_model, defaults);
}

std::optional<ApiError> refusal(AudioTask task, std::vector<FormPart> parts,
                                std::string_view translation_model = {}) {
    return thrown_api_error([&] { translate(task, std::move(parts), translation_model); });
}

std::string system_of(const AudioRequest& request) {
    return request.native->at("messages").at(0).at("content").get<std::string>();
}

constexpr auto kTranscribe = AudioTask::transcription;
constexpr auto kTranslate = AudioTask::translation;

// ---- where the transcript comes from -------------------------------------------------------

TEST(AudioRequest, TextIsTheTranscriptAndNoModelIsAsked) {
    const AudioRequest request =
        translate(kTranscribe, {text_part("model", "whisper-1"), text_part("text", "Hello there."),
                                file_part(wav(1)), text_part("prompt", "ignored")});
    EXPECT_FALSE(request.native.has_value());
    EXPECT_EQ(request.transcript, "Hello there.");
    EXPECT_EQ(request.model, "whisper-1");
    EXPECT_EQ(transcript_body(request, request.transcript), R"({"text":"Hello there."})");
}

TEST(AudioRequest, PromptWithoutAFileIsTheTranscript) {
    const AudioRequest request = translate(kTranscribe, {text_part("prompt", "Hi.")});
    EXPECT_FALSE(request.native.has_value());
    EXPECT_EQ(request.transcript, "Hi.");
    EXPECT_EQ(request.model, "");
}

TEST(AudioRequest, AFileGoesToTheModelAsNativeImages) {
    // Ollama takes audio in `images` (§2.8); `prompt` with a file is context, `language` a hint.
    const std::string audio = wav(0.5);
    const AudioRequest request = translate(
        kTranscribe, {text_part("model", "gemma3n"), file_part(audio), text_part("language", "de"),
                      text_part("prompt", "Names: Jörg."), text_part("temperature", "0.2")});
    ASSERT_TRUE(request.native.has_value());
    const std::string system = system_of(request);
    const json expected = {{"model", "gemma3n"},
                           {"messages",
                            {{{"role", "system"}, {"content", system}},
                             {{"role", "user"},
                              {"content", "Transcribe this audio."},
                              {"images",
                               {base64_encode({reinterpret_cast<const unsigned char*>(audio.data()),
                                               audio.size()})}}}}},
                           {"stream", false},
                           {"options", {{"temperature", 0.2}}}};
    EXPECT_EQ(*request.native, expected);
    EXPECT_TRUE(contains(system, "exactly the words spoken")) << system;
    EXPECT_TRUE(contains(system, "ISO-639-1 code de.")) << system;
    EXPECT_TRUE(contains(system, "Context from the caller: Names: Jörg.")) << system;
    EXPECT_EQ(request.model, "gemma3n");
    EXPECT_EQ(request.duration, 0.5);
}

TEST(AudioRequest, TranslatingAFileAsksForEnglish) {
    const AudioRequest request = translate(
        kTranslate,
        {text_part("model", "gemma3n"), file_part("OggS..."), text_part("language", "de")});
    const std::string system = system_of(request);
    const json expected = {{"model", "gemma3n"},
                           {"messages",
                            {{{"role", "system"}, {"content", system}},
                             {{"role", "user"},
                              {"content", "Translate this audio into English."},
                              {"images", {"T2dnUy4uLg=="}}}}},
                           {"stream", false},
                           {"options", {{"temperature", 0}}}};
    EXPECT_EQ(*request.native, expected);
    EXPECT_TRUE(contains(system, "into English")) << system;
    EXPECT_FALSE(contains(system, "ISO-639-1")) << system;  // translations take no language
    EXPECT_FALSE(request.duration.has_value());             // not a WAV file
}

TEST(AudioRequest, TranslatingATranscriptUsesTheChatModel) {
    const AudioRequest request =
        translate(kTranslate, {text_part("model", "llama3.2"), text_part("text", "Guten Morgen."),
                               text_part("prompt", "A greeting.")});
    const std::string system = system_of(request);
    EXPECT_EQ(*request.native, json({{"model", "llama3.2"},
                                     {"messages",
                                      {{{"role", "system"}, {"content", system}},
                                       {{"role", "user"}, {"content", "Guten Morgen."}}}},
                                     {"stream", false},
                                     {"options", {{"temperature", 0}}}}));
    EXPECT_TRUE(contains(system, "Translate the user's text into English")) << system;
    EXPECT_TRUE(contains(system, "Context from the caller: A greeting.")) << system;
}

TEST(AudioRequest, TranslationModelComesFromTheFormOrTheConfig) {
    EXPECT_EQ(translate(kTranslate, {text_part("text", "Hola")}, "qwen3:8b").model, "qwen3:8b");
    EXPECT_EQ(translate(kTranslate, {text_part("text", "Hola"), text_part("model", "llama3.2")},
                        "qwen3:8b")
                  .model,
              "llama3.2");
    const auto error = refusal(kTranslate, {text_part("text", "Hola")});
    EXPECT_TRUE(IsInvalidRequest(error, "model", "missing_required_parameter"));
    EXPECT_TRUE(contains(error->message, "audio.translationModel")) << error->message;
    // A transcription of a file needs the form's model; the translation model is not one for
    // audio.
    EXPECT_TRUE(IsInvalidRequest(refusal(kTranscribe, {file_part("x")}, "qwen3:8b"), "model",
                                 "missing_required_parameter"));
}

TEST(AudioRequest, ModelDefaultsApply) {
    const ModelDefaultsTable defaults{{"llama3.2", {json::parse(R"({"num_ctx":4096})"), "1m"}}};
    const AudioRequest request = translate(
        kTranslate, {text_part("text", "Hola"), text_part("model", "llama3.2")}, {}, defaults);
    EXPECT_EQ(request.native->at("options"), json::parse(R"({"temperature":0,"num_ctx":4096})"));
    EXPECT_EQ(request.native->at("keep_alive"), "1m");
}

TEST(AudioRequest, NeitherTextNorFileIsA400) {
    const auto error =
        refusal(kTranscribe, {text_part("model", "whisper-1"), text_part("text", "")});
    EXPECT_TRUE(IsInvalidRequest(error, "file", "missing_required_parameter"));
    EXPECT_TRUE(contains(error->message, "'text'")) << error->message;
    EXPECT_TRUE(IsInvalidRequest(refusal(kTranslate, {}), "file", "missing_required_parameter"));
}

TEST(AudioRequest, EmptyFileIsA400) {
    EXPECT_TRUE(IsInvalidRequest(refusal(kTranscribe, {text_part("model", "m"), file_part("")}),
                                 "file", "invalid_value"));
}

TEST(AudioRequest, BadAndUnsupportedFields) {
    const FormPart text = text_part("text", "x");
    EXPECT_TRUE(IsInvalidRequest(refusal(kTranscribe, {text, text_part("response_format", "xml")}),
                                 "response_format", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(
        refusal(kTranscribe, {text, text_part("response_format", "diarized_json")}),
        "response_format", "unsupported_value"));
    for (const char* temperature : {"hot", "1.5", "-0.1", "0.5x"}) {
        EXPECT_TRUE(
            IsInvalidRequest(refusal(kTranscribe, {text, text_part("temperature", temperature)}),
                             "temperature", "invalid_value"))
            << temperature;
    }
    EXPECT_TRUE(IsInvalidRequest(refusal(kTranscribe, {text, text_part("stream", "true")}),
                                 "stream", "unsupported_value"));
    EXPECT_TRUE(IsInvalidRequest(
        refusal(kTranscribe, {text, text_part("timestamp_granularities[]", "segment"),
                              text_part("timestamp_granularities[]", "word")}),
        "timestamp_granularities", "unsupported_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(kTranscribe, {text, text_part("include[]", "logprobs")}),
                                 "include", "unsupported_value"));
    EXPECT_NO_THROW(translate(kTranscribe, {text, text_part("stream", "false"),
                                            text_part("timestamp_granularities[]", "segment")}));
}

// ---- reply formats -----------------------------------------------------------------------

AudioRequest with_format(const char* format, AudioTask task = kTranscribe) {
    return translate(
        task, {text_part("model", "m"), file_part(wav(3.32)), text_part("response_format", format),
               text_part("language", "de"), text_part("temperature", "0.25")});
}

TEST(TranscriptBody, Json) {
    const AudioRequest request = with_format("json");
    EXPECT_EQ(transcript_body(request, "Guten Tag."), R"({"text":"Guten Tag."})");
    EXPECT_EQ(transcript_content_type(request.format), "application/json");
}

TEST(TranscriptBody, Text) {
    const AudioRequest request = with_format("text");
    EXPECT_EQ(transcript_body(request, "Guten Tag."), "Guten Tag.\n");
    EXPECT_EQ(transcript_content_type(request.format), "text/plain; charset=utf-8");
}

TEST(TranscriptBody, VerboseJson) {
    const AudioRequest request = with_format("verbose_json");
    EXPECT_EQ(transcript_body(request, "Guten Tag."),
              R"({"task":"transcribe","language":"german","duration":3.32,"text":"Guten Tag.",)"
              R"("segments":[{"id":0,"seek":0,"start":0.0,"end":3.32,"text":"Guten Tag.",)"
              R"("tokens":[],"temperature":0.25}]})");
    EXPECT_EQ(transcript_content_type(request.format), "application/json");
    EXPECT_EQ(transcript_body(with_format("verbose_json", kTranslate), "Good day."),
              R"({"task":"translate","language":"english","duration":3.32,"text":"Good day.",)"
              R"("segments":[{"id":0,"seek":0,"start":0.0,"end":3.32,"text":"Good day.",)"
              R"("tokens":[],"temperature":0.25}]})");
}

TEST(TranscriptBody, VerboseJsonClaimsNoUnknownDurationOrLanguage) {
    const AudioRequest request = translate(
        kTranscribe, {text_part("text", "Hi."), text_part("response_format", "verbose_json")});
    EXPECT_EQ(transcript_body(request, request.transcript),
              R"({"task":"transcribe","text":"Hi.","segments":[{"id":0,"seek":0,"start":0.0,)"
              R"("end":0.0,"text":"Hi.","tokens":[],"temperature":0.0}]})");
    const AudioRequest other = translate(
        kTranscribe, {text_part("text", "Hi."), text_part("response_format", "verbose_json"),
                      text_part("language", "xx")});
    EXPECT_TRUE(contains(transcript_body(other, "Hi."), R"("language":"xx")"));
}

TEST(TranscriptBody, SrtOneCueOverTheWholeAudio) {
    const AudioRequest request = with_format("srt");
    EXPECT_EQ(transcript_body(request, "Guten Tag."),
              "1\n00:00:00,000 --> 00:00:03,320\nGuten Tag.\n\n");
    EXPECT_EQ(transcript_content_type(request.format), "text/plain; charset=utf-8");
}

TEST(TranscriptBody, VttOneCueOverTheWholeAudio) {
    const AudioRequest request = with_format("vtt");
    EXPECT_EQ(transcript_body(request, "Guten Tag."),
              "WEBVTT\n\n00:00:00.000 --> 00:00:03.320\nGuten Tag.\n\n");
    EXPECT_EQ(transcript_content_type(request.format), "text/plain; charset=utf-8");
}

TEST(TranscriptBody, LongTimestamps) {
    AudioRequest request = with_format("srt");
    request.duration = 3 * 3600 + 25 * 60 + 7.0455;
    EXPECT_EQ(transcript_body(request, "x"), "1\n00:00:00,000 --> 03:25:07,046\nx\n\n");
    request.format = TranscriptFormat::vtt;
    request.duration.reset();
    EXPECT_EQ(transcript_body(request, "x"), "WEBVTT\n\n00:00:00.000 --> 00:00:00.000\nx\n\n");
}

TEST(ReplyTranscript, TrimmedMessageContent) {
    EXPECT_EQ(reply_transcript(json::parse(R"({"message":{"role":"assistant",
        "content":"\n  Hello there.  \n"},"done":true})")),
              "Hello there.");
    EXPECT_EQ(reply_transcript(json::parse(R"({"message":{"content":" \n"}})")), "");
    for (const char* reply :
         {R"({"done":true})", R"({"message":{"content":7}})", R"({"message":"x"})"}) {
        EXPECT_TRUE(IsApiError(thrown_api_error([&] { reply_transcript(json::parse(reply)); }), 502,
                               "api_error", nullptr, nullptr))
            << reply;
    }
}

// ---- WAV duration ------------------------------------------------------------------------

TEST(WavDuration, FromTheFmtAndDataChunks) {
    EXPECT_EQ(wav_duration(wav(2)), 2.0);
    EXPECT_EQ(wav_duration(wav(0)), 0.0);
    // A streamed file's data size is a placeholder: what is present is what plays.
    std::string streamed = wav(1);
    streamed.replace(40, 4, "\xFF\xFF\xFF\xFF");
    EXPECT_EQ(wav_duration(streamed), 1.0);
    // An odd-sized chunk before the data is padded.
    std::string padded = wav(1);
    padded.insert(36, std::string("LIST\x03\x00\x00\x00"
                                  "abc\x00",
                                  12));
    EXPECT_EQ(wav_duration(padded), 1.0);
}

TEST(WavDuration, AnythingElseHasNone) {
    EXPECT_FALSE(wav_duration("").has_value());
    EXPECT_FALSE(wav_duration("OggS\x00\x02").has_value());
    EXPECT_FALSE(wav_duration(wav(1).substr(0, 30)).has_value());  // cut inside fmt
    std::string no_fmt = wav(1);
    no_fmt.replace(12, 4, "junk");
    EXPECT_FALSE(wav_duration(no_fmt).has_value());
}

}  // namespace
}  // namespace ollama_proxy::openai
