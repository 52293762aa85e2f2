// /v1/images/generations and /v1/moderations over real sockets against the fake's image model
// and classifier: what goes upstream, what comes back, and the remote's refusals in OpenAI's
// shape.
#include "support/openai_support.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

namespace it {
namespace {

Response post(const Proxy& proxy, const std::string& target, const std::string& body) {
    return fetch(proxy.port(), v1_json_request(target, body), scaled(30s));
}

nlohmann::json native_body(const nlohmann::json& recorded) {
    return nlohmann::json::parse(recorded.value("body", "null"));
}

// ---- images ------------------------------------------------------------------------------

class OpenAIImages : public OpenAISuite<OpenAIImages> {};

TEST_F(OpenAIImages, TheNativeImageComesBackAsB64Json) {
    const Response r = post(*proxy_, "/v1/images/generations",
                            R"({"model":"x/fake-image","prompt":"a red fox","size":"64x32",
                                "seed":7,"response_format":"b64_json"})");
    ASSERT_EQ(r.status(), 200) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/json");
    const nlohmann::json reply = r.json();
    ASSERT_EQ(reply.size(), 2u) << r.body;
    EXPECT_TRUE(reply["created"].is_number_integer()) << r.body;
    ASSERT_EQ(reply["data"].size(), 1u) << r.body;
    EXPECT_EQ(from_base64(reply["data"][0]["b64_json"].get<std::string>()),
              "fake-image 64x32 seed 7: a red fox");
    const auto native = requests_to(*fake_, "/api/generate");
    ASSERT_EQ(native.size(), 1u);
    EXPECT_EQ(native_body(native[0]),
              nlohmann::json::parse(R"({"model":"x/fake-image","prompt":"a red fox",
                  "stream":false,"width":64,"height":32,"options":{"seed":7}})"));
}

TEST_F(OpenAIImages, NImagesAreNCallsWithSuccessiveSeeds) {
    const Response r = post(*proxy_, "/v1/images/generations",
                            R"({"model":"x/fake-image","prompt":"p","n":3,"seed":1})");
    ASSERT_EQ(r.status(), 200) << r.body;
    const nlohmann::json data = r.json()["data"];
    ASSERT_EQ(data.size(), 3u) << r.body;
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(from_base64(data[i]["b64_json"].get<std::string>()),
                  "fake-image autoxauto seed " + std::to_string(1 + i) + ": p");
    }
    EXPECT_EQ(requests_to(*fake_, "/api/generate").size(), 3u);
}

TEST_F(OpenAIImages, AModelThatCannotMakeImagesGivesTheRemotes400) {
    const Response r = post(*proxy_, "/v1/images/generations",
                            R"({"model":"llama3.2","prompt":"p","size":"256x256"})");
    EXPECT_TRUE(is_openai_error(r, 400, "invalid_request_error"));
    EXPECT_EQ(error_object(r.body)["message"],
              "\"llama3.2:latest\" does not support image generation")
        << r.body;
    EXPECT_EQ(r.header("x-should-retry"), "false") << r.head.raw;
}

TEST_F(OpenAIImages, UnknownModelIs404AndUrlRepliesAreRefusedBeforeAnyCall) {
    const Response missing =
        post(*proxy_, "/v1/images/generations", R"({"model":"x/none","prompt":"p"})");
    EXPECT_TRUE(is_openai_error(missing, 404, "not_found_error"));
    EXPECT_EQ(error_object(missing.body)["code"], "model_not_found") << missing.body;
    fake_->clear();
    const Response url = post(*proxy_, "/v1/images/generations",
                              R"({"model":"x/fake-image","prompt":"p","response_format":"url"})");
    EXPECT_TRUE(is_openai_error(url, 400, "invalid_request_error"));
    EXPECT_EQ(error_object(url.body)["param"], "response_format") << url.body;
    EXPECT_TRUE(requests_to(*fake_, "/api/generate").empty());
}

// ---- moderations -------------------------------------------------------------------------

class OpenAIModerations : public OpenAISuite<OpenAIModerations> {
  public:  // read by OpenAISuite
    static std::vector<std::string> proxy_args() {
        return {"--moderation-model", "x/fake-moderator"};
    }
};

TEST_F(OpenAIModerations, EachInputIsClassifiedThroughAFormatSchema) {
    const Response r =
        post(*proxy_, "/v1/moderations",
             R"({"model":"omni-moderation-latest","input":["So much VIOLENCE here","hello"]})");
    ASSERT_EQ(r.status(), 200) << r.body;
    const nlohmann::json reply = r.json();
    EXPECT_EQ(reply["id"].get<std::string>().rfind("modr-", 0), 0u) << r.body;
    EXPECT_EQ(reply["model"], "x/fake-moderator");
    ASSERT_EQ(reply["results"].size(), 2u) << r.body;
    const nlohmann::json& first = reply["results"][0];
    EXPECT_EQ(first["flagged"], true);
    EXPECT_EQ(first["categories"]["violence"], true);
    EXPECT_EQ(first["categories"]["hate"], false);
    EXPECT_EQ(first["category_scores"]["violence"], 0.9);
    EXPECT_EQ(first["category_applied_input_types"]["violence"],
              nlohmann::json::parse(R"(["text"])"));
    EXPECT_EQ(first["categories"].size(), 13u);
    EXPECT_EQ(reply["results"][1]["flagged"], false);

    const auto native = requests_to(*fake_, "/api/chat");
    ASSERT_EQ(native.size(), 2u);
    const nlohmann::json body = native_body(native[1]);
    EXPECT_EQ(body["model"], "x/fake-moderator");
    EXPECT_EQ(body["stream"], false);
    EXPECT_TRUE(body["format"].is_object()) << body.dump();
    EXPECT_EQ(body["messages"][1], nlohmann::json::parse(R"({"role":"user","content":"hello"})"));
}

TEST_F(OpenAIModerations, AnImagePartGoesUpstreamAsANativeImage) {
    const Response r = post(*proxy_, "/v1/moderations", R"({"input":[
        {"type":"text","text":"look"},
        {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]})");
    ASSERT_EQ(r.status(), 200) << r.body;
    const nlohmann::json result = r.json()["results"][0];
    EXPECT_EQ(result["category_applied_input_types"]["sexual"],
              nlohmann::json::parse(R"(["text","image"])"));
    EXPECT_EQ(result["category_applied_input_types"]["hate"], nlohmann::json::parse(R"(["text"])"));
    const auto native = requests_to(*fake_, "/api/chat");
    ASSERT_EQ(native.size(), 1u);
    EXPECT_EQ(native_body(native[0])["messages"][1]["images"],
              nlohmann::json::parse(R"(["iVBORw0KGgo="])"));
}

TEST_F(OpenAIModerations, AnAnswerThatIsNoClassificationIs502) {
    const Response r = post(*proxy_, "/v1/moderations", R"({"input":"this is unparseable"})");
    EXPECT_TRUE(is_openai_error(r, 502, "api_error"));
    EXPECT_NE(error_object(r.body)["message"].get<std::string>().find("could not be read"),
              std::string::npos)
        << r.body;
}

TEST_F(OpenAIModerations, RemoteImagesAreRefused) {
    const Response r = post(*proxy_, "/v1/moderations", R"({"input":[
        {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]})");
    EXPECT_TRUE(is_openai_error(r, 400, "invalid_request_error"));
    EXPECT_TRUE(requests_to(*fake_, "/api/chat").empty());
}

class OpenAIModerationsUnconfigured : public OpenAISuite<OpenAIModerationsUnconfigured> {};

TEST_F(OpenAIModerationsUnconfigured, NoModelIsA400NamingTheSetting) {
    const Response r = post(*proxy_, "/v1/moderations", R"({"input":"hello"})");
    EXPECT_TRUE(is_openai_error(r, 400, "invalid_request_error"));
    EXPECT_NE(error_object(r.body)["message"].get<std::string>().find("moderation.model"),
              std::string::npos)
        << r.body;
    EXPECT_TRUE(requests_to(*fake_, "/api/chat").empty());
}

}  // namespace
}  // namespace it
