// The streaming multipart/form-data parser: bodies cut at every byte, the CRLF edge cases next to
// a boundary, quoted boundaries, part headers, and every limit and malformation it refuses.

#include "ollama_proxy/openai/multipart.hpp"

#include "openai_test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ollama_proxy::openai {
namespace {

using test::contains;
using test::IsApiError;
using test::IsInvalidRequest;
using test::thrown_api_error;

constexpr std::string_view kBoundary = "----formdata-undici-0123456789";
const std::string kContentType = "multipart/form-data; boundary=" + std::string(kBoundary);

// File bytes that look like the start of a delimiter without being one, NULs and a lone CR at
// the end, which must all survive as data.
const std::string kAudio =
    std::string("RIFF\0\0\r\n--", 10) + "\r\n------formdata-undici-01\r\r\n-\r";

std::string part_head(std::string_view disposition, std::string_view type = {}) {
    std::string out = "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; " +
                      std::string(disposition) + "\r\n";
    if (!type.empty()) out += "Content-Type: " + std::string(type) + "\r\n";
    return out + "\r\n";
}

// The shape undici (the openai SDK's fetch) sends: fields, then the file, then the close.
const std::string kBody = part_head("name=\"model\"") + "whisper-1\r\n" +
                          part_head("name=\"file\"; filename=\"a b.wav\"", "audio/wav") + kAudio +
                          "\r\n" + part_head("name=\"response_format\"") + "srt\r\n--" +
                          std::string(kBoundary) + "--\r\n";

void expect_expected_form(const FormData& form) {
    ASSERT_EQ(form.parts.size(), 3u);
    EXPECT_EQ(form.parts[0].name, "model");
    EXPECT_EQ(form.parts[0].data, "whisper-1");
    EXPECT_FALSE(form.parts[0].filename.has_value());
    EXPECT_EQ(form.parts[0].content_type, "");
    EXPECT_EQ(form.parts[1].name, "file");
    EXPECT_EQ(form.parts[1].filename, "a b.wav");
    EXPECT_EQ(form.parts[1].content_type, "audio/wav");
    EXPECT_EQ(form.parts[1].data, kAudio);
    EXPECT_EQ(form.parts[2].name, "response_format");
    EXPECT_EQ(form.parts[2].data, "srt");
    EXPECT_EQ(form.find("file"), &form.parts[1]);
    EXPECT_EQ(form.find("prompt"), nullptr);
}

FormData parse_in_reads(const std::vector<std::string_view>& reads, MultipartLimits limits = {}) {
    MultipartParser parser{std::string(kBoundary), limits};
    for (const std::string_view read : reads)
        EXPECT_TRUE(parser.feed(read)) << parser.error()->message;
    EXPECT_TRUE(parser.finish()) << parser.error()->message;
    return parser.take();
}

std::optional<ApiError> refusal(const std::string& body, MultipartLimits limits = {}) {
    return thrown_api_error([&] { parse_form(kContentType, body, limits); });
}

TEST(Multipart, WholeBody) {
    expect_expected_form(parse_form(kContentType, kBody));
}

TEST(Multipart, EverySplitIntoTwoReads) {
    const std::string_view body = kBody;
    for (std::size_t cut = 0; cut <= body.size(); ++cut) {
        SCOPED_TRACE("cut at " + std::to_string(cut));
        expect_expected_form(parse_in_reads({body.substr(0, cut), body.substr(cut)}));
    }
}

TEST(Multipart, EverySplitIntoThreeReadsAroundTheFile) {
    // The second cut walks through the file part and its closing delimiter, the first through
    // the head before it: every combination of a delimiter split twice.
    const std::string_view body = kBody;
    const std::size_t file_start = body.find("RIFF");
    for (std::size_t a = file_start - 40; a < file_start + 4; ++a) {
        for (std::size_t b = a; b < file_start + kAudio.size() + 40; ++b) {
            SCOPED_TRACE("cuts at " + std::to_string(a) + ", " + std::to_string(b));
            expect_expected_form(
                parse_in_reads({body.substr(0, a), body.substr(a, b - a), body.substr(b)}));
        }
    }
}

TEST(Multipart, OneByteAtATime) {
    std::vector<std::string_view> reads;
    for (std::size_t i = 0; i < kBody.size(); ++i)
        reads.push_back(std::string_view(kBody).substr(i, 1));
    expect_expected_form(parse_in_reads(reads));
}

TEST(Multipart, PreambleEpilogueAndTransportPaddingAreIgnored) {
    const std::string body = "This is a preamble.\r\n--" + std::string(kBoundary) +
                             " \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--" +
                             std::string(kBoundary) + "--\r\nan epilogue\r\n--" +
                             std::string(kBoundary) + "\r\nignored";
    const FormData form = parse_form(kContentType, body);
    ASSERT_EQ(form.parts.size(), 1u);
    EXPECT_EQ(form.parts[0].data, "1");
}

TEST(Multipart, EmptyPartsAndEmptyFilename) {
    const std::string body = part_head("name=\"text\"") + "\r\n" +
                             part_head("name=\"file\"; filename=\"\"") + "\r\n--" +
                             std::string(kBoundary) + "--";
    const FormData form = parse_form(kContentType, body);
    ASSERT_EQ(form.parts.size(), 2u);
    EXPECT_EQ(form.parts[0].data, "");
    EXPECT_EQ(form.parts[1].filename, "");
    EXPECT_EQ(form.parts[1].data, "");
}

TEST(Multipart, DataEndingInCrlfKeepsIt) {
    const std::string body =
        part_head("name=\"a\"") + "line\r\n\r\n\r\n--" + std::string(kBoundary) + "--";
    EXPECT_EQ(parse_form(kContentType, body).parts[0].data, "line\r\n\r\n");
}

TEST(Multipart, HeaderNamesAndParametersFollowTheGrammar) {
    const std::string body =
        "--" + std::string(kBoundary) +
        "\r\ncontent-disposition: Form-Data ; NAME=\"q\\\"uote\" ;filename*=UTF-8''%E2%82%AC.wav;"
        " filename=\"fallback.wav\"\r\nCONTENT-TYPE:  audio/x-wav \r\nX-Other: y\r\n\r\n"
        "x\r\n--" +
        std::string(kBoundary) + "--";
    const FormData form = parse_form(kContentType, body);
    ASSERT_EQ(form.parts.size(), 1u);
    EXPECT_EQ(form.parts[0].name, "q\"uote");
    EXPECT_EQ(form.parts[0].filename, "\xE2\x82\xAC.wav");
    EXPECT_EQ(form.parts[0].content_type, "audio/x-wav");
}

TEST(Multipart, ContentTypeAndBoundary) {
    EXPECT_TRUE(is_form_data("multipart/form-data; boundary=x"));
    EXPECT_TRUE(is_form_data(" Multipart/Form-Data ;boundary=x"));
    EXPECT_TRUE(is_form_data("multipart/form-data"));
    EXPECT_FALSE(is_form_data("application/json"));
    EXPECT_FALSE(is_form_data("multipart/mixed; boundary=x"));
    EXPECT_FALSE(is_form_data(""));

    EXPECT_EQ(form_boundary("multipart/form-data; boundary=abc"), "abc");
    EXPECT_EQ(form_boundary("multipart/form-data; charset=utf-8; BOUNDARY=\"a b:c\""), "a b:c");
    EXPECT_EQ(form_boundary("multipart/form-data;boundary=" + std::string(70, 'x')),
              std::string(70, 'x'));
    for (const std::string& bad : std::vector<std::string>{
             "multipart/form-data",
             "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
             "multipart/form-data; boundary=\"abc", "multipart/form-data; boundary=a\"b",
             "multipart/form-data; boundary=" + std::string(71, 'x'),
             "multipart/form-data; boundary=\"ends in space \""}) {
        EXPECT_TRUE(
            IsInvalidRequest(thrown_api_error([&] { form_boundary(bad); }), nullptr, nullptr))
            << bad;
    }
}

TEST(Multipart, QuotedBoundaryParsesTheBody) {
    const std::string body =
        "--a b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--a b--";
    const FormData form = parse_form("multipart/form-data; boundary=\"a b\"", body);
    ASSERT_EQ(form.parts.size(), 1u);
    EXPECT_EQ(form.parts[0].data, "1");
}

TEST(Multipart, MissingFinalBoundaryIsAnError) {
    const std::string cut = kBody.substr(0, kBody.size() - 4);  // ends "...--<boundary>"
    const auto error = refusal(cut);
    EXPECT_TRUE(IsInvalidRequest(error, nullptr, nullptr));
    EXPECT_TRUE(contains(error->message, "ended before the closing boundary")) << error->message;
    EXPECT_TRUE(
        IsInvalidRequest(refusal(kBody.substr(0, kBody.find("RIFF") + 2)), nullptr, nullptr));
    EXPECT_TRUE(IsInvalidRequest(refusal("no boundary anywhere"), nullptr, nullptr));
    EXPECT_TRUE(IsInvalidRequest(refusal(""), nullptr, nullptr));
}

TEST(Multipart, MalformedBodiesAreRefused) {
    const std::string close = "\r\n--" + std::string(kBoundary) + "--";
    const std::string open = "--" + std::string(kBoundary);
    const std::vector<std::pair<std::string, std::string>> cases{
        {open + "\r\n\r\nx" + close, "no Content-Disposition"},
        {open + "\r\nContent-Type: text/plain\r\n\r\nx" + close, "no Content-Disposition"},
        {open + "\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx" + close,
         "not form-data"},
        {open + "\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nx" + close, "no name"},
        {open + "\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx" + close, "not form-data"},
        {open + "\r\nno colon here\r\n\r\nx" + close, "\"Name: value\""},
        {open + "\nContent-Disposition: form-data; name=\"a\"\n\nx\n--" + std::string(kBoundary) +
             "--",
         "text follows a boundary"},
        {open + "X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx" + close,
         "text follows a boundary"},
        {open + "\r\rContent-Disposition: form-data; name=\"a\"\r\n\r\nx" + close, "CRLF"},
    };
    for (const auto& [body, why] : cases) {
        const auto error = refusal(body);
        ASSERT_TRUE(IsInvalidRequest(error, nullptr, nullptr)) << body;
        EXPECT_TRUE(contains(error->message, why)) << body << "\n" << error->message;
    }
}

TEST(Multipart, PartSizeLimits) {
    MultipartLimits limits;
    limits.max_file_bytes = kAudio.size();
    limits.max_field_bytes = 9;  // "whisper-1"
    expect_expected_form(parse_in_reads({kBody}, limits));

    limits.max_file_bytes = kAudio.size() - 1;
    auto error = refusal(kBody, limits);
    EXPECT_TRUE(IsApiError(error, 413, "invalid_request_error", nullptr, "request_too_large"));
    EXPECT_TRUE(contains(error->message, "'file'")) << error->message;

    limits.max_file_bytes = kAudio.size();
    limits.max_field_bytes = 8;
    error = refusal(kBody, limits);
    EXPECT_TRUE(IsApiError(error, 413, "invalid_request_error", nullptr, "request_too_large"));
    EXPECT_TRUE(contains(error->message, "'model'")) << error->message;
}

TEST(Multipart, PartCountAndHeadLimits) {
    MultipartLimits limits;
    limits.max_parts = 3;
    expect_expected_form(parse_in_reads({kBody}, limits));
    limits.max_parts = 2;
    auto error = refusal(kBody, limits);
    EXPECT_TRUE(IsInvalidRequest(error, nullptr, nullptr));
    EXPECT_TRUE(contains(error->message, "more than 2 parts")) << error->message;

    limits = {};
    limits.max_head_bytes = 64;
    const std::string long_head =
        "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"" +
        std::string(100, 'n') + "\"\r\n\r\nx\r\n--" + std::string(kBoundary) + "--";
    error = refusal(long_head, limits);
    EXPECT_TRUE(IsInvalidRequest(error, nullptr, nullptr));
    EXPECT_TRUE(contains(error->message, "too long")) << error->message;
}

TEST(Multipart, NothingIsTakenAfterAnError) {
    MultipartParser parser{std::string(kBoundary)};
    EXPECT_FALSE(parser.feed("--" + std::string(kBoundary) + "X\r\n"));
    EXPECT_FALSE(parser.feed(kBody));
    EXPECT_FALSE(parser.finish());
    ASSERT_TRUE(parser.error().has_value());
    EXPECT_TRUE(contains(parser.error()->message, "text follows a boundary"));
    EXPECT_TRUE(parser.take().parts.empty());
}

TEST(Multipart, InvalidBoundaryFailsAtOnce) {
    MultipartParser parser("");
    EXPECT_FALSE(parser.feed(kBody));
    EXPECT_TRUE(IsInvalidRequest(parser.error(), nullptr, nullptr));
}

}  // namespace
}  // namespace ollama_proxy::openai
