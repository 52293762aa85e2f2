// POST /v1/moderations on top of POST /api/chat with a JSON-schema `format`: the classifier
// calls per input, the moderation object, and the answers that cannot be read (502, never a
// silent "not flagged").

#include "ollama_proxy/openai/moderations.hpp"

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

// Written out here rather than taken from the header, so a changed key list fails the tests.
const std::vector<std::string> kKeys{"harassment",
                                     "harassment/threatening",
                                     "hate",
                                     "hate/threatening",
                                     "illicit",
                                     "illicit/violent",
                                     "self-harm",
                                     "self-harm/intent",
                                     "self-harm/instructions",
                                     "sexual",
                                     "sexual/minors",
                                     "violence",
                                     "violence/graphic"};
const std::vector<std::string> kImageKeys{"self-harm", "self-harm/intent", "self-harm/instructions",
                                          "sexual",    "violence",         "violence/graphic"};

const std::string kClassifier = "llama-guard3:8b";

ModerationRequest translate(const std::string& body, std::string_view classifier = kClassifier,
                            const ModelDefaultsTable& defaults = {}) {
    return translate_moderation_request(json::parse(body), classifier, defaults);
}

std::optional<ApiError> refusal(const std::string& body,
                                std::string_view classifier = kClassifier) {
    return thrown_api_error([&] { translate(body, classifier); });
}

json map_of(const json& value) {
    json out = json::object();
    for (const auto& key : kKeys)
        out[key] = value;
    return out;
}

json with_all_required(json properties) {
    json required = json::array();
    for (const auto& key : kKeys)
        required.push_back(key);
    return {{"type", "object"}, {"properties", std::move(properties)}, {"required", required}};
}

json expected_native(const json& user, const std::string& instructions) {
    const json schema = {
        {"type", "object"},
        {"properties",
         {{"categories", with_all_required(map_of({{"type", "boolean"}}))},
          {"category_scores",
           with_all_required(map_of({{"type", "number"}, {"minimum", 0}, {"maximum", 1}}))}}},
        {"required", {"categories", "category_scores"}}};
    return {{"model", kClassifier},
            {"messages", {{{"role", "system"}, {"content", instructions}}, user}},
            {"stream", false},
            {"format", schema},
            {"options", {{"temperature", 0}}}};
}

std::string instructions_of(const json& native) {
    return native.at("messages").at(0).at("content").get<std::string>();
}

TEST(ModerationRequest, OneStringIsOneClassification) {
    const ModerationRequest request =
        translate(R"({"input":"I will hurt you","model":"omni-moderation-latest"})");
    EXPECT_EQ(request.model, kClassifier);
    ASSERT_EQ(request.natives.size(), 1u);
    const std::string instructions = instructions_of(request.natives[0]);
    EXPECT_EQ(request.natives[0],
              expected_native({{"role", "user"}, {"content", "I will hurt you"}}, instructions));
    for (const auto& key : kKeys)
        EXPECT_TRUE(contains(instructions, "\n" + key + ": ")) << key;
    ASSERT_EQ(request.inputs.size(), 1u);
    EXPECT_TRUE(request.inputs[0].text);
    EXPECT_FALSE(request.inputs[0].image);
}

TEST(ModerationRequest, EachStringOfAnArrayIsItsOwnClassification) {
    const ModerationRequest request = translate(R"({"input":["one","two",""]})");
    ASSERT_EQ(request.natives.size(), 3u);
    const std::string instructions = instructions_of(request.natives[0]);
    EXPECT_EQ(request.natives[1],
              expected_native({{"role", "user"}, {"content", "two"}}, instructions));
    EXPECT_EQ(request.natives[2],
              expected_native({{"role", "user"}, {"content", ""}}, instructions));
}

TEST(ModerationRequest, PartsAreOneInputWithNativeImages) {
    const ModerationRequest request = translate(R"({"input":[
        {"type":"text","text":"look"},
        {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
        {"type":"text","text":"at this"}]})");
    ASSERT_EQ(request.natives.size(), 1u);
    EXPECT_EQ(request.natives[0],
              expected_native(json::parse(R"({"role":"user","content":"look\nat this",
                  "images":["iVBORw0KGgo="]})"),
                              instructions_of(request.natives[0])));
    EXPECT_TRUE(request.inputs[0].text);
    EXPECT_TRUE(request.inputs[0].image);
    const ModerationRequest image_only = translate(
        R"({"input":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]})");
    EXPECT_FALSE(image_only.inputs[0].text);
    EXPECT_TRUE(image_only.inputs[0].image);
}

TEST(ModerationRequest, ModelDefaultsApply) {
    const ModelDefaultsTable defaults{{"*", {json::parse(R"({"num_ctx":8192})"), nullptr}}};
    const ModerationRequest request = translate(R"({"input":"x"})", kClassifier, defaults);
    EXPECT_EQ(request.natives[0]["options"], json::parse(R"({"temperature":0,"num_ctx":8192})"));
}

TEST(ModerationRequest, NoConfiguredModelIsA400NamingTheSetting) {
    const auto error = refusal(R"({"input":"x"})", "");
    EXPECT_TRUE(IsInvalidRequest(error, nullptr, "moderation_not_configured"));
    EXPECT_TRUE(contains(error->message, "moderation.model")) << error->message;
    EXPECT_TRUE(contains(error->message, "--moderation-model")) << error->message;
}

TEST(ModerationRequest, RemoteImagesAreNotFetched) {
    const auto error = refusal(
        R"({"input":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]})");
    EXPECT_TRUE(IsInvalidRequest(error, "input[0].image_url.url", "unsupported_value"));
    EXPECT_TRUE(contains(error->message, "does not fetch")) << error->message;
}

TEST(ModerationRequest, BadInputs) {
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({})"), "input", "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"input":[]})"), "input", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"input":7})"), "input", "invalid_type"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"input":["a",{"type":"text","text":"b"}]})"), "input",
                                 "invalid_type"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"input":[{"type":"text","text":"b"},"a"]})"),
                                 "input[1]", "invalid_type"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"input":[{"type":"audio"}]})"), "input[0].type",
                                 "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"input":[{"type":"image_url"}]})"),
                                 "input[0].image_url", "missing_required_parameter"));
    EXPECT_TRUE(IsInvalidRequest(refusal(R"({"input":"x","model":1})"), "model", "invalid_type"));
    std::string many = R"({"input":[)";
    for (int i = 0; i < 33; ++i)
        many += std::string(i ? "," : "") + "\"x\"";
    EXPECT_TRUE(IsInvalidRequest(refusal(many + "]}"), "input", "invalid_value"));
}

// ---- reply -------------------------------------------------------------------------------

json classifier_reply(const json& answer) {
    return {{"message", {{"role", "assistant"}, {"content", answer.dump()}}}, {"done", true}};
}

json answer_flagging(const std::vector<std::string>& flagged) {
    json categories = map_of(false), scores = map_of(0.01);
    for (const auto& key : flagged) {
        categories[key] = true;
        scores[key] = 0.9;
    }
    return {{"categories", categories}, {"category_scores", scores}};
}

json applied(bool text, bool image) {
    json out = json::object();
    for (const auto& key : kKeys) {
        json types = json::array();
        if (text) types.push_back("text");
        if (image && std::find(kImageKeys.begin(), kImageKeys.end(), key) != kImageKeys.end())
            types.push_back("image");
        out[key] = types;
    }
    return out;
}

TEST(ModerationResult, TheWholeEnvelope) {
    const ModerationRequest request = translate(R"({"input":["I will hurt you","hello"]})");
    const std::string body = moderation_result(
        {classifier_reply(answer_flagging({"violence", "harassment/threatening"})),
         classifier_reply(answer_flagging({}))},
        request, "modr-abc");
    json first_categories = map_of(false), first_scores = map_of(0.01);
    first_categories["violence"] = first_categories["harassment/threatening"] = true;
    first_scores["violence"] = first_scores["harassment/threatening"] = 0.9;
    const json expected = {{"id", "modr-abc"},
                           {"model", kClassifier},
                           {"results",
                            {{{"flagged", true},
                              {"categories", first_categories},
                              {"category_scores", first_scores},
                              {"category_applied_input_types", applied(true, false)}},
                             {{"flagged", false},
                              {"categories", map_of(false)},
                              {"category_scores", map_of(0.01)},
                              {"category_applied_input_types", applied(true, false)}}}}};
    EXPECT_EQ(json::parse(body), expected);
    // Keys in OpenAI's order: envelope first, then the categories as listed.
    EXPECT_EQ(body.rfind(R"({"id":"modr-abc","model":"llama-guard3:8b","results":[{"flagged":true,)"
                         R"("categories":{"harassment":false,"harassment/threatening":true,)",
                         0),
              0u)
        << body;
}

TEST(ModerationResult, ImageInputsApplyToTheImageCategories) {
    const ModerationRequest both = translate(R"({"input":[{"type":"text","text":"x"},
        {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]})");
    json result =
        json::parse(moderation_result({classifier_reply(answer_flagging({}))}, both, "m"));
    EXPECT_EQ(result["results"][0]["category_applied_input_types"], applied(true, true));
    const ModerationRequest image = translate(
        R"({"input":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]})");
    result = json::parse(moderation_result({classifier_reply(answer_flagging({}))}, image, "m"));
    EXPECT_EQ(result["results"][0]["category_applied_input_types"], applied(false, true));
}

TEST(ModerationResult, AnswersThatAreNotAClassificationAre502) {
    const ModerationRequest request = translate(R"({"input":"x"})");
    json missing_key = answer_flagging({});
    missing_key["categories"].erase("illicit/violent");
    json string_flag = answer_flagging({});
    string_flag["categories"]["hate"] = "no";
    json big_score = answer_flagging({});
    big_score["category_scores"]["sexual"] = 1.5;
    json negative = answer_flagging({});
    negative["category_scores"]["sexual"] = -0.1;
    const std::vector<json> replies{
        json::parse(R"({"message":{"role":"assistant","content":"I think it is fine."}})"),
        json::parse(R"({"message":{"role":"assistant","content":"[1,2]"}})"),
        json::parse(R"({"message":{"role":"assistant"}})"),
        json::parse(R"({"done":true})"),
        classifier_reply(json::parse(R"({"categories":{}})")),
        classifier_reply(missing_key),
        classifier_reply(string_flag),
        classifier_reply(big_score),
        classifier_reply(negative)};
    for (const json& reply : replies) {
        const auto error = thrown_api_error([&] { moderation_result({reply}, request, "m"); });
        ASSERT_TRUE(IsApiError(error, 502, "api_error", nullptr, nullptr)) << reply.dump();
        EXPECT_TRUE(contains(error->message, "could not be read as a classification"))
            << error->message;
    }
}

}  // namespace
}  // namespace ollama_proxy::openai
