// Reading OpenAI requests: the bounded body parser, typed field access whose errors name the
// field, and the mappings every endpoint shares (sampling, Ollama extras, per-model defaults).

#include "ollama_proxy/openai/request_fields.hpp"
#include "openai_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using test::contains;
using test::IsInvalidRequest;
using test::thrown_api_error;

// `{"a": [[...]]}` with `arrays` nested arrays: the object itself is one level.
std::string nested_body(int arrays) {
    return R"({"a":)" + std::string(arrays, '[') + std::string(arrays, ']') + "}";
}

// ---- parse_request_body ------------------------------------------------------------------

TEST(ParseRequestBody, AcceptsAnObject) {
    EXPECT_EQ(parse_request_body(R"({"model":"m","n":2})"), json::parse(R"({"model":"m","n":2})"));
}

TEST(ParseRequestBody, AcceptsExactlyTheDepthBound) {
    EXPECT_NO_THROW(parse_request_body(nested_body(kMaxRequestDepth - 1)));
    const auto error = thrown_api_error([&] { parse_request_body(nested_body(kMaxRequestDepth)); });
    EXPECT_TRUE(IsInvalidRequest(error, nullptr, nullptr));
    EXPECT_EQ(error->message, "The request body is nested deeper than 64 levels.");
}

TEST(ParseRequestBody, RefusesAHugeNestingWithoutRecursing) {
    // 100,000 levels: nlohmann would parse this and then overflow the stack dumping it.
    const auto error = thrown_api_error([&] { parse_request_body(nested_body(100000)); });
    EXPECT_TRUE(IsInvalidRequest(error, nullptr, nullptr));
}

TEST(ParseRequestBody, BracketsInsideStringsDoNotCount) {
    const std::string brackets(200, '[');
    EXPECT_EQ(parse_request_body(R"({"s":")" + brackets + R"(\"[{"})")["s"], brackets + "\"[{");
}

TEST(ParseRequestBody, InvalidJsonIsA400WithoutEchoingTheBody) {
    for (const std::string body : {"", "{", R"({"model": secretvalue})", "{\"a\":1}x"}) {
        const auto error = thrown_api_error([&] { parse_request_body(body); });
        // OpenAI: 400, code null, "We could not parse the JSON body of your request..."
        EXPECT_TRUE(IsInvalidRequest(error, nullptr, nullptr)) << body;
        ASSERT_TRUE(error);
        EXPECT_EQ(error->message.rfind("We could not parse the JSON body of your request (", 0), 0u)
            << error->message;
        EXPECT_FALSE(contains(error->message, "secretvalue")) << error->message;
        EXPECT_FALSE(contains(error->message, "json.exception")) << error->message;
    }
}

TEST(ParseRequestBody, ANonObjectIsA400NamingWhatItIs) {
    const std::pair<const char*, const char*> cases[] = {
        {"[1,2]", "array"}, {"\"text\"", "string"}, {"3", "integer"},
        {"1.5", "number"},  {"null", "null"},       {"true", "boolean"},
    };
    for (const auto& [body, kind] : cases) {
        const auto error = thrown_api_error([&] { parse_request_body(body); });
        EXPECT_TRUE(IsInvalidRequest(error, nullptr, nullptr)) << body;
        ASSERT_TRUE(error);
        EXPECT_EQ(error->message,
                  std::string("The request body must be a JSON object, not ") + kind + ".");
    }
}

TEST(ParseNative, DiscardsInvalidAndTooDeepText) {
    EXPECT_EQ(parse_native(R"({"done":true})"), json::parse(R"({"done":true})"));
    EXPECT_TRUE(parse_native("{not json").is_discarded());
    EXPECT_TRUE(parse_native(nested_body(100000)).is_discarded());
    EXPECT_FALSE(parse_native(nested_body(kMaxRequestDepth - 1)).is_discarded());
}

// ---- Fields ------------------------------------------------------------------------------

TEST(Fields, NullCountsAsAbsent) {
    const json body = json::parse(R"({"s":null,"b":null,"n":null,"i":null,"o":null,"a":null})");
    const Fields fields(body, "");
    EXPECT_EQ(fields.find("s"), nullptr);
    EXPECT_EQ(fields.string("s"), std::nullopt);
    EXPECT_EQ(fields.boolean("b"), std::nullopt);
    EXPECT_EQ(fields.number("n", 0, 1), std::nullopt);
    EXPECT_EQ(fields.integer("i", 0, 1), std::nullopt);
    EXPECT_EQ(fields.object("o"), nullptr);
    EXPECT_EQ(fields.array("a"), nullptr);
    EXPECT_EQ(fields.string("missing"), std::nullopt);
}

TEST(Fields, PathsNameNestedFields) {
    const json body = json::object();
    EXPECT_EQ(Fields(body, "").path_of("model"), "model");
    EXPECT_EQ(Fields(body, "messages[2]").path_of("content"), "messages[2].content");
}

TEST(Fields, WrongTypesAreInvalidTypeNamingTheFullPath) {
    const json body = json::parse(R"({"s":1,"b":"yes","n":"0.5","i":"3","o":[],"a":{}})");
    const Fields fields(body, "messages[2]");
    const auto string_error = thrown_api_error([&] { fields.string("s"); });
    EXPECT_TRUE(IsInvalidRequest(string_error, "messages[2].s", "invalid_type"));
    EXPECT_EQ(string_error->message,
              "Invalid type for 'messages[2].s': expected a string, but got integer.");
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([&] { fields.boolean("b"); }), "messages[2].b",
                                 "invalid_type"));
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([&] { fields.number("n", 0, 1); }),
                                 "messages[2].n", "invalid_type"));
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([&] { fields.integer("i", 0, 9); }),
                                 "messages[2].i", "invalid_type"));
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([&] { fields.object("o"); }), "messages[2].o",
                                 "invalid_type"));
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([&] { fields.array("a"); }), "messages[2].a",
                                 "invalid_type"));
    // required_string reports a wrong type as a wrong type, not as missing.
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([&] { fields.required_string("s"); }),
                                 "messages[2].s", "invalid_type"));
}

TEST(Fields, RequiredStringMustBePresentAndNonEmpty) {
    const json body = json::parse(R"({"model":"","role":"user"})");
    const Fields fields(body, "");
    EXPECT_EQ(fields.required_string("role"), "user");
    const auto empty = thrown_api_error([&] { fields.required_string("model"); });
    EXPECT_TRUE(IsInvalidRequest(empty, "model", "missing_required_parameter"));
    EXPECT_EQ(empty->message, "Missing required parameter: 'model'.");
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([&] { fields.required_string("absent"); }),
                                 "absent", "missing_required_parameter"));
}

TEST(Fields, NumbersAreRangeChecked) {
    const json body = json::parse(R"({"t":2.5,"low":-0.1,"edge":2,"int":1})");
    const Fields fields(body, "");
    EXPECT_EQ(fields.number("edge", 0, 2), 2.0);
    EXPECT_EQ(fields.number("int", 0, 2), 1.0);
    const auto error = thrown_api_error([&] { fields.number("t", 0, 2); });
    EXPECT_TRUE(IsInvalidRequest(error, "t", "invalid_value"));
    EXPECT_TRUE(contains(error->message, "2.5")) << error->message;
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([&] { fields.number("low", 0, 2); }), "low",
                                 "invalid_value"));
}

TEST(Fields, IntegersAcceptWholeFloatsAndRefuseFractions) {
    const json body = json::parse(R"({"whole":2.0,"frac":2.5,"neg":-3,"big":129,"exp":1e2})");
    const Fields fields(body, "");
    EXPECT_EQ(fields.integer("whole", 0, 10), 2);
    EXPECT_EQ(fields.integer("neg", -5, 0), -3);
    EXPECT_EQ(fields.integer("exp", 0, 100), 100);
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([&] { fields.integer("frac", 0, 10); }), "frac",
                                 "invalid_type"));
    const auto range = thrown_api_error([&] { fields.integer("big", 1, 128); });
    EXPECT_TRUE(IsInvalidRequest(range, "big", "invalid_value"));
    EXPECT_EQ(range->message, "Invalid value for 'big': 129 is not between 1 and 128.");
}

TEST(Fields, AnUnsignedBeyondInt64IsOutOfRangeEvenWhenTheRangeIsAllOfInt64) {
    // A value above INT64_MAX fits no range, not even all of int64 (as for `seed`); computing
    // with it must not overflow either.
    const json body = json::parse(R"({"seed":18446744073709551615,"n":9223372036854775808})");
    const Fields fields(body, "");
    EXPECT_TRUE(
        IsInvalidRequest(thrown_api_error([&] { fields.integer("seed", INT64_MIN, INT64_MAX); }),
                         "seed", "invalid_value"));
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([&] { fields.integer("n", 0, INT64_MAX); }), "n",
                                 "invalid_value"));
    // Below the bound it is an ordinary in-range value.
    const json fits = json::parse(R"({"seed":9223372036854775807})");
    EXPECT_EQ(Fields(fits, "").integer("seed", INT64_MIN, INT64_MAX), INT64_MAX);
}

// ---- map_sampling ------------------------------------------------------------------------

json sampled(const std::string& body_text) {
    const json body = json::parse(body_text);
    json options = json::object();
    map_sampling(Fields(body, ""), options);
    return options;
}

TEST(MapSampling, UnsetFieldsAreNotSent) {
    // Departs from Ollama (ollama-api.md §2.0, §3.4.1, §3.5.1), which injects temperature 1.0,
    // top_p 1.0 and, for completions, zero penalties, overriding the Modelfile. We send nothing,
    // so the model's own defaults apply.
    EXPECT_EQ(sampled("{}"), json::object());
    EXPECT_EQ(sampled(R"({"temperature":null,"top_p":null,"stop":null,"seed":null})"),
              json::object());
}

TEST(MapSampling, MapsEveryFieldToItsNativeOption) {
    const json options = sampled(R"({"temperature":0.8,"top_p":0.5,"frequency_penalty":1.5,
        "presence_penalty":-2,"seed":123,"max_tokens":999,"stop":["\n","stop"]})");
    EXPECT_EQ(options, json::parse(R"({"temperature":0.8,"top_p":0.5,"frequency_penalty":1.5,
        "presence_penalty":-2.0,"seed":123,"num_predict":999,"stop":["\n","stop"]})"));
    EXPECT_TRUE(options["seed"].is_number_integer());
    EXPECT_TRUE(options["num_predict"].is_number_integer());
    // A zero is a value, not "missing" (Ollama's completions turn top_p 0 into 1.0).
    EXPECT_EQ(sampled(R"({"temperature":0,"top_p":0})"),
              json::parse(R"({"temperature":0.0,"top_p":0.0})"));
}

TEST(MapSampling, MaxCompletionTokensIsMappedAndWinsOverMaxTokens) {
    // Departs from Ollama, which ignores max_completion_tokens (ollama-api.md §6.1).
    EXPECT_EQ(sampled(R"({"max_completion_tokens":64})"), json::parse(R"({"num_predict":64})"));
    EXPECT_EQ(sampled(R"({"max_tokens":10,"max_completion_tokens":64})"),
              json::parse(R"({"num_predict":64})"));
    EXPECT_EQ(sampled(R"({"max_tokens":10,"max_completion_tokens":null})"),
              json::parse(R"({"num_predict":10})"));
}

TEST(MapSampling, AStopStringBecomesAList) {
    EXPECT_EQ(sampled(R"({"stop":"END"})"), json::parse(R"({"stop":["END"]})"));
}

TEST(MapSampling, AStopArrayWithANonStringIsRefused) {
    // Departs from Ollama's chat layer, which silently drops non-string items (§2.1); its
    // completions layer refuses them (§3.5.4) and so do we, everywhere.
    const auto error = thrown_api_error([] { sampled(R"({"stop":["a",1]})"); });
    EXPECT_TRUE(IsInvalidRequest(error, "stop", "invalid_type"));
    EXPECT_TRUE(contains(error->message, "stop[1]")) << error->message;
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([] { sampled(R"({"stop":5})"); }), "stop",
                                 "invalid_type"));
}

TEST(MapSampling, OutOfRangeValuesAreRefusedNamingTheField) {
    // OpenAI's documented ranges. Ollama passes temperature 3.0 and top_p 6.0 through (§3.4.2).
    const std::pair<const char*, const char*> cases[] = {
        {R"({"temperature":2.01})", "temperature"},
        {R"({"temperature":-1})", "temperature"},
        {R"({"top_p":1.5})", "top_p"},
        {R"({"frequency_penalty":4})", "frequency_penalty"},
        {R"({"presence_penalty":-2.5})", "presence_penalty"},
        {R"({"max_tokens":-1})", "max_tokens"},
        {R"({"max_completion_tokens":2147483648})", "max_completion_tokens"},
    };
    for (const auto& [body, param] : cases) {
        EXPECT_TRUE(
            IsInvalidRequest(thrown_api_error([&] { sampled(body); }), param, "invalid_value"))
            << body;
    }
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([] { sampled(R"({"temperature":"hot"})"); }),
                                 "temperature", "invalid_type"));
    EXPECT_TRUE(IsInvalidRequest(thrown_api_error([] { sampled(R"({"seed":1.5})"); }), "seed",
                                 "invalid_type"));
}

// ---- map_native_extras -------------------------------------------------------------------

TEST(MapNativeExtras, OptionsKeysWinOverMappedOnesAndKeepAliveIsPassed) {
    // Departs from Ollama, which ignores `options` and `keep_alive` on /v1 (§2.1): they are the
    // only way for an OpenAI client to set num_ctx and friends.
    const json body = json::parse(R"({"temperature":0.5,
        "options":{"temperature":0.9,"num_ctx":4096},"keep_alive":"10m"})");
    json native = json::object();
    json options = json::object();
    map_sampling(Fields(body, ""), options);
    native["options"] = options;
    map_native_extras(Fields(body, ""), native);
    EXPECT_EQ(native, json::parse(R"({"options":{"temperature":0.9,"num_ctx":4096},
                                      "keep_alive":"10m"})"));

    const json seconds = json::parse(R"({"keep_alive":0})");
    json unloaded = json::object();
    map_native_extras(Fields(seconds, ""), unloaded);
    EXPECT_EQ(unloaded, json::parse(R"({"keep_alive":0})"));
}

TEST(MapNativeExtras, NothingToAddAddsNothing) {
    const json body = json::parse(R"({"keep_alive":null,"options":null})");
    json native = json::object();
    map_native_extras(Fields(body, ""), native);
    EXPECT_EQ(native, json::object());
}

TEST(MapNativeExtras, WrongTypesAreRefused) {
    json native = json::object();
    const json options = json::parse(R"({"options":[1]})");
    EXPECT_TRUE(
        IsInvalidRequest(thrown_api_error([&] { map_native_extras(Fields(options, ""), native); }),
                         "options", "invalid_type"));
    const json keep_alive = json::parse(R"({"keep_alive":true})");
    EXPECT_TRUE(IsInvalidRequest(
        thrown_api_error([&] { map_native_extras(Fields(keep_alive, ""), native); }), "keep_alive",
        "invalid_type"));
}

// ---- apply_model_defaults ----------------------------------------------------------------

ModelDefaults defaults_of(const std::string& options, json keep_alive = nullptr) {
    return ModelDefaults{json::parse(options), std::move(keep_alive)};
}

TEST(NormalizedModelName, AddsLatestAndDropsTheDefaultRegistry) {
    EXPECT_EQ(normalized_model_name("llama3.2"), "llama3.2:latest");
    EXPECT_EQ(normalized_model_name("llama3.2:latest"), "llama3.2:latest");
    EXPECT_EQ(normalized_model_name("library/llama3.2"), "llama3.2:latest");
    EXPECT_EQ(normalized_model_name("registry.ollama.ai/library/llama3.2:1b"), "llama3.2:1b");
    EXPECT_EQ(normalized_model_name("hf.co/org/model"), "hf.co/org/model:latest");
    EXPECT_EQ(normalized_model_name("hf.co/org/model:Q4_K_M"), "hf.co/org/model:Q4_K_M");
    // A port in the host is not a tag.
    EXPECT_EQ(normalized_model_name("host:5000/ns/model"), "host:5000/ns/model:latest");
}

TEST(ApplyModelDefaults, AnEmptyTableChangesNothing) {
    json native = json::parse(R"({"model":"m","stream":false})");
    apply_model_defaults(native, {});
    EXPECT_EQ(native, json::parse(R"({"model":"m","stream":false})"));
}

TEST(ApplyModelDefaults, FillsOnlyWhatTheRequestLeftUnset) {
    const ModelDefaultsTable table{
        {"llama3.2", defaults_of(R"({"temperature":0.1,"num_ctx":8192})", "30m")}};
    json native = json::parse(R"({"model":"llama3.2","options":{"temperature":0.7}})");
    apply_model_defaults(native, table);
    EXPECT_EQ(native, json::parse(R"({"model":"llama3.2","keep_alive":"30m",
                                      "options":{"temperature":0.7,"num_ctx":8192}})"));

    json own_keep_alive = json::parse(R"({"model":"llama3.2","keep_alive":"1m"})");
    apply_model_defaults(own_keep_alive, table);
    EXPECT_EQ(own_keep_alive["keep_alive"], "1m");
    EXPECT_EQ(own_keep_alive["options"], json::parse(R"({"temperature":0.1,"num_ctx":8192})"));
}

TEST(ApplyModelDefaults, MatchesNormalizedNames) {
    const ModelDefaultsTable table{{"llama3.2", defaults_of(R"({"num_ctx":8192})")},
                                   {"library/qwen3:latest", defaults_of(R"({"num_ctx":2048})")}};
    for (const std::string model : {"llama3.2", "llama3.2:latest", "library/llama3.2",
                                    "registry.ollama.ai/library/llama3.2"}) {
        json native{{"model", model}};
        apply_model_defaults(native, table);
        EXPECT_EQ(native["options"], json::parse(R"({"num_ctx":8192})")) << model;
    }
    json qwen{{"model", "qwen3"}};
    apply_model_defaults(qwen, table);
    EXPECT_EQ(qwen["options"], json::parse(R"({"num_ctx":2048})"));

    // Another tag is another model.
    json other_tag{{"model", "llama3.2:1b"}};
    apply_model_defaults(other_tag, table);
    EXPECT_EQ(other_tag, json::parse(R"({"model":"llama3.2:1b"})"));
}

TEST(ApplyModelDefaults, TheStarEntryFillsWhatTheModelsOwnEntryLeftUnset) {
    const ModelDefaultsTable table{
        {"*", defaults_of(R"({"temperature":0.9,"num_ctx":4096,"top_k":20})", "5m")},
        {"llama3.2", defaults_of(R"({"temperature":0.2})")}};
    json native = json::parse(R"({"model":"llama3.2:latest","options":{"top_k":40}})");
    apply_model_defaults(native, table);
    // Request > the model's entry > "*".
    EXPECT_EQ(native, json::parse(R"({"model":"llama3.2:latest","keep_alive":"5m",
        "options":{"top_k":40,"temperature":0.2,"num_ctx":4096}})"));

    json other = json::parse(R"({"model":"mistral"})");
    apply_model_defaults(other, table);
    EXPECT_EQ(other, json::parse(R"({"model":"mistral","keep_alive":"5m",
        "options":{"temperature":0.9,"num_ctx":4096,"top_k":20}})"));
}

TEST(ApplyModelDefaults, AnEntryWithoutOptionsAddsNoOptionsObject) {
    const ModelDefaultsTable table{{"m", defaults_of("{}", 300)}};
    json native = json::parse(R"({"model":"m"})");
    apply_model_defaults(native, table);
    EXPECT_EQ(native, json::parse(R"({"model":"m","keep_alive":300})"));
}

}  // namespace
}  // namespace ollama_proxy::openai
