// /v1/audio/transcriptions and /translations over real sockets: multipart uploads read as they
// arrive (in pieces, chunked, after 100 Continue, over the size limit), transcripts passed
// through or translated, and audio files sent to the fake's audio model.
#include "support/openai_support.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace it {
namespace {

constexpr std::size_t kBodyLimit = 64 * 1024;

// A mono 16-bit 8 kHz WAV file holding `seconds` of a sawtooth.
std::string wav(double seconds) {
    const auto data_size = static_cast<std::uint32_t>(seconds * 16000);
    auto le = [](std::uint32_t value, int bytes) {
        std::string out;
        for (int i = 0; i < bytes; ++i)
            out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
        return out;
    };
    std::string samples(data_size, '\0');
    for (std::size_t i = 0; i < samples.size(); ++i)
        samples[i] = static_cast<char>(i * 7);  // includes CR, LF and '-' bytes
    return "RIFF" + le(36 + data_size, 4) + "WAVE" + "fmt " + le(16, 4) + le(1, 2) + le(1, 2) +
           le(8000, 4) + le(16000, 4) + le(2, 2) + le(16, 2) + "data" + le(data_size, 4) + samples;
}

FormField file_field(const std::string& data) {
    return {"file", data, "speech.wav", "audio/wav"};
}

std::string form_request(const std::string& target, const std::vector<FormField>& fields,
                         const Headers& extra = {}) {
    Headers headers{{"Content-Type", form_content_type()}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    return make_request("POST", target, headers, form_body(fields));
}

class OpenAIAudio : public OpenAISuite<OpenAIAudio> {
  public:  // read by OpenAISuite
    static std::vector<std::string> proxy_args() {
        return {"--audio-translation-model", "llama3.2", "--max-body-size",
                std::to_string(kBodyLimit)};
    }

  protected:
    static Response post_form(const std::string& target, const std::vector<FormField>& fields) {
        return fetch(proxy_->port(), form_request(target, fields), scaled(30s));
    }
};

TEST_F(OpenAIAudio, ATranscriptIsReturnedInEachFormatWithoutAnyCall) {
    struct Case {
        std::string format;
        std::string content_type;
        std::string body;
    };
    const std::vector<Case> cases{
        {"json", "application/json", R"({"text":"Hello there."})"},
        {"text", "text/plain; charset=utf-8", "Hello there.\n"},
        {"verbose_json", "application/json",
         R"({"task":"transcribe","text":"Hello there.","segments":[{"id":0,"seek":0,)"
         R"("start":0.0,"end":0.0,"text":"Hello there.","tokens":[],"temperature":0.0}]})"},
        {"srt", "text/plain; charset=utf-8", "1\n00:00:00,000 --> 00:00:00,000\nHello there.\n\n"},
        {"vtt", "text/plain; charset=utf-8",
         "WEBVTT\n\n00:00:00.000 --> 00:00:00.000\nHello there.\n\n"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.format);
        const Response r = post_form(
            "/v1/audio/transcriptions",
            {{"model", "whisper-1"}, {"text", "Hello there."}, {"response_format", c.format}});
        ASSERT_EQ(r.status(), 200) << r.body;
        EXPECT_EQ(r.header("content-type"), c.content_type);
        EXPECT_EQ(r.body, c.body);
    }
    EXPECT_TRUE(fake_->requests().empty());
}

TEST_F(OpenAIAudio, AFileGoesToTheAudioModelInImages) {
    const std::string audio = wav(1.5);
    const Response r = post_form("/v1/audio/transcriptions", {{"model", "x/fake-audio"},
                                                              file_field(audio),
                                                              {"response_format", "srt"},
                                                              {"language", "en"}});
    ASSERT_EQ(r.status(), 200) << r.body;
    EXPECT_EQ(r.body, "1\n00:00:00,000 --> 00:00:01,500\nHeard " + std::to_string(audio.size()) +
                          " bytes of audio.\n\n");
    const auto native = requests_to(*fake_, "/api/chat");
    ASSERT_EQ(native.size(), 1u);
    const auto body = nlohmann::json::parse(native[0].value("body", "null"));
    EXPECT_EQ(body["model"], "x/fake-audio");
    EXPECT_EQ(body["stream"], false);
    EXPECT_EQ(body["messages"][1]["images"], nlohmann::json::array({to_base64(audio)}));
}

TEST_F(OpenAIAudio, ATranscriptIsTranslatedByTheConfiguredModel) {
    const Response r = post_form("/v1/audio/translations", {{"text", "Guten Morgen."}});
    ASSERT_EQ(r.status(), 200) << r.body;
    EXPECT_EQ(r.json(), nlohmann::json::parse(R"({"text":"You said: Guten Morgen."})"));
    const auto native = requests_to(*fake_, "/api/chat");
    ASSERT_EQ(native.size(), 1u);
    const auto body = nlohmann::json::parse(native[0].value("body", "null"));
    EXPECT_EQ(body["model"], "llama3.2");
    EXPECT_EQ(body["messages"][1],
              nlohmann::json::parse(R"({"role":"user","content":"Guten Morgen."})"));
}

TEST_F(OpenAIAudio, AnUploadInSmallPiecesAndChunkedIsReadWhole) {
    // Every boundary of the body arrives split over several reads.
    const std::string audio = wav(0.25);
    const std::string body =
        form_body({{"model", "x/fake-audio"}, file_field(audio), {"response_format", "text"}});
    Connection connection = Connection::open(proxy_->port());
    connection.send(
        make_request("POST", "/v1/audio/transcriptions",
                     {{"Content-Type", form_content_type()}, {"Transfer-Encoding", "chunked"}}));
    for (std::size_t at = 0; at < body.size(); at += 97) {
        const std::string piece = body.substr(at, 97);
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        connection.send(size + piece + "\r\n");
        std::this_thread::sleep_for(1ms);
    }
    connection.send("0\r\n\r\n");
    const Response r = connection.read_response(false, scaled(30s));
    ASSERT_EQ(r.status(), 200) << r.body;
    EXPECT_EQ(r.body, "Heard " + std::to_string(audio.size()) + " bytes of audio.\n");
    // The connection carries another request.
    const Response again = connection.exchange(
        form_request("/v1/audio/transcriptions", {{"text", "again"}}), scaled(30s));
    EXPECT_EQ(again.status(), 200) << again.body;
    EXPECT_EQ(again.body, R"({"text":"again"})");
}

TEST_F(OpenAIAudio, ExpectContinueIsAnsweredBeforeTheUpload) {
    const std::string body = form_body({{"text", "after continue"}});
    Connection connection = Connection::open(proxy_->port());
    connection.send(make_request("POST", "/v1/audio/transcriptions",
                                 {{"Content-Type", form_content_type()},
                                  {"Content-Length", std::to_string(body.size())},
                                  {"Expect", "100-continue"}}));
    const ResponseHead interim = connection.read_head(scaled(10s));
    EXPECT_EQ(interim.status, 100) << interim.raw;
    connection.send(body);
    const Response r = connection.read_response(false, scaled(30s));
    ASSERT_EQ(r.status(), 200) << r.body;
    EXPECT_EQ(r.body, R"({"text":"after continue"})");
}

TEST_F(OpenAIAudio, UploadsOverTheBodyLimitAre413) {
    const std::string big = std::string(kBodyLimit, 'a');
    const Response declared =
        post_form("/v1/audio/transcriptions", {{"model", "x/fake-audio"}, file_field(big)});
    EXPECT_TRUE(is_openai_error(declared, 413, "invalid_request_error"));
    // Chunked, so that only reading finds out.
    const std::string body = form_body({{"model", "x/fake-audio"}, file_field(big)});
    Connection connection = Connection::open(proxy_->port());
    connection.send(
        make_request("POST", "/v1/audio/transcriptions",
                     {{"Content-Type", form_content_type()}, {"Transfer-Encoding", "chunked"}}));
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", body.size());
    connection.try_send(size + body + "\r\n0\r\n\r\n");
    const Response r = connection.read_response(false, scaled(30s));
    EXPECT_TRUE(is_openai_error(r, 413, "invalid_request_error"));
    EXPECT_EQ(error_object(r.body)["code"], "request_too_large") << r.body;
    EXPECT_TRUE(fake_->requests().empty());
}

TEST_F(OpenAIAudio, MalformedFormsAre400) {
    std::string cut = form_body({{"text", "x"}});
    cut.resize(cut.size() - 4);  // no closing "--"
    const Response unterminated = fetch(proxy_->port(),
                                        make_request("POST", "/v1/audio/transcriptions",
                                                     {{"Content-Type", form_content_type()}}, cut),
                                        scaled(30s));
    EXPECT_TRUE(is_openai_error(unterminated, 400, "invalid_request_error"));
    EXPECT_NE(
        error_object(unterminated.body)["message"].get<std::string>().find("closing boundary"),
        std::string::npos)
        << unterminated.body;

    const Response no_boundary = fetch(proxy_->port(),
                                       make_request("POST", "/v1/audio/transcriptions",
                                                    {{"Content-Type", "multipart/form-data"}}, "x"),
                                       scaled(30s));
    EXPECT_TRUE(is_openai_error(no_boundary, 400, "invalid_request_error"));

    const Response json =
        fetch(proxy_->port(), v1_json_request("/v1/audio/transcriptions", R"({"text":"x"})"),
              scaled(30s));
    EXPECT_TRUE(is_openai_error(json, 400, "invalid_request_error"));

    const Response empty = post_form("/v1/audio/translations", {{"model", "llama3.2"}});
    EXPECT_TRUE(is_openai_error(empty, 400, "invalid_request_error"));
    EXPECT_EQ(error_object(empty.body)["param"], "file") << empty.body;
    EXPECT_TRUE(fake_->requests().empty());
}

TEST_F(OpenAIAudio, TheRemotesErrorComesBackInOpenAIShape) {
    const Response r =
        post_form("/v1/audio/transcriptions", {{"model", "no-such-model"}, file_field(wav(0.1))});
    EXPECT_TRUE(is_openai_error(r, 404, "not_found_error"));
    EXPECT_EQ(error_object(r.body)["code"], "model_not_found") << r.body;
}

}  // namespace
}  // namespace it
