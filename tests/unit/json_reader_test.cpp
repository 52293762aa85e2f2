// The fast JSON reader against nlohmann's parser, the reference: on every document both must
// agree, value for value, or the reader must decline (its callers then ask nlohmann). It must
// never accept what nlohmann refuses.
#include "openai/json_reader.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;

// Checks one document: the reader agrees with nlohmann, or declines.
::testing::AssertionResult agrees(const std::string& text, bool must_accept) {
    const json reference = json::parse(text, nullptr, false);
    const std::optional<json> fast = read_json(text, 64);
    if (reference.is_discarded()) {
        if (fast) return ::testing::AssertionFailure() << "accepted invalid JSON: " << text;
        return ::testing::AssertionSuccess();
    }
    if (!fast) {
        if (must_accept) return ::testing::AssertionFailure() << "declined valid JSON: " << text;
        return ::testing::AssertionSuccess();
    }
    if (*fast != reference || fast->dump() != reference.dump()) {
        return ::testing::AssertionFailure()
               << "differs on " << text << ": " << fast->dump() << " vs " << reference.dump();
    }
    return ::testing::AssertionSuccess();
}

TEST(JsonReader, ValidDocumentsReadAsNlohmannReadsThem) {
    const std::vector<std::string> documents = {
        R"({})",
        R"([])",
        R"( { "a" : [ 1 , -2 , 3.5 , -0 , 0 , 1e3 , -1E-2 , 2.5e+1 ] , "b" : { } } )",
        R"({"model":"llama3.2","created_at":"2026-01-01T00:00:00.000000000Z","message":{"role":)"
        R"("assistant","content":"You said: hi"},"done":true,"done_reason":"stop",)"
        R"("total_duration":123456789,"prompt_eval_count":2,"eval_count":4})",
        R"("text")",
        R"(true)",
        R"(false)",
        R"(null)",
        R"(18446744073709551615)",  // the largest unsigned
        R"(18446744073709551616)",  // one more: a double
        R"(-9223372036854775808)",  // the smallest signed
        R"(-9223372036854775809)",  // one less: a double
        R"(0.1)",
        R"(123456789012345678901234567890)",
        R"("escapes: \" \\ \/ \b \f \n \r \t \u0000 \u001f \u00e9 \u20ac \ud83d\ude00")",
        "\"raw UTF-8: é € 😀 \xF4\x8F\xBF\xBF\"",
        R"({"dup":1,"dup":2})",  // the last one wins
        R"([[[[[[[[[[]]]]]]]]]])",
        "\t\r\n [1]\n",
    };
    for (const auto& text : documents)
        EXPECT_TRUE(agrees(text, true));
}

TEST(JsonReader, InvalidDocumentsAreNeverAccepted) {
    const std::vector<std::string> documents = {
        "",
        " ",
        "{",
        "}",
        "[1,]",
        "[,1]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "{'a':1}",
        "[01]",
        "[1.]",
        "[.5]",
        "[1e]",
        "[+1]",
        "[-]",
        "[1e400]",
        "[NaN]",
        "[Infinity]",
        "[tru]",
        "[nul]",
        "[true false]",
        "\"unterminated",
        "\"bad escape \\x\"",
        "\"short \\u12\"",
        "\"lone high \\ud83d\"",
        "\"lone low \\ude00\"",
        "\"high then not low \\ud83d\\u0041\"",
        "\"control \x01 character\"",
        "\"tab \t inside\"",
        "\"overlong \xC0\xAF\"",
        "\"overlong \xE0\x80\xAF\"",
        "\"surrogate \xED\xA0\x80\"",
        "\"too large \xF4\x90\x80\x80\"",
        "\"stray continuation \x80\"",
        "\"truncated \xE2\x82\"",
        "[1] [2]",
        "{} x",
    };
    for (const auto& text : documents)
        EXPECT_TRUE(agrees(text, false));
}

TEST(JsonReader, DepthBeyondTheLimitIsDeclined) {
    const std::string ok = std::string(64, '[') + std::string(64, ']');
    const std::string deep = std::string(65, '[') + std::string(65, ']');
    EXPECT_TRUE(read_json(ok, 64));
    EXPECT_FALSE(read_json(deep, 64));
    const std::string hostile = std::string(100000, '[') + std::string(100000, ']');
    EXPECT_FALSE(read_json(hostile, 64));  // and the stack survives
}

TEST(JsonReader, SkippedTopLevelMembersAreCheckedButNotBuilt) {
    constexpr std::string_view skipped[] = {"created_at", "context"};
    const std::string text = R"({"created_at":"2026","message":{"created_at":"kept"},)"
                             R"("context":[1,2,{"a":[3]}],"done":true})";
    const auto read = read_json(text, 64, skipped);
    ASSERT_TRUE(read);
    // Only the top object's members go; the same name deeper down stays.
    EXPECT_EQ(*read, json::parse(R"({"message":{"created_at":"kept"},"done":true})"));
    // A skipped member must still be valid JSON.
    EXPECT_FALSE(read_json(R"({"context":[1,2,],"done":true})", 64, skipped));
    EXPECT_FALSE(read_json("{\"created_at\":\"\xC0\xAF\",\"done\":true}", 64, skipped));
    EXPECT_FALSE(read_json(R"({"context":)" + std::string(100, '[') + std::string(100, ']') + "}",
                           64, skipped));
}

// Random mutations of valid documents: flipped bytes, cut ends and inserted characters hit the
// corners that hand-written cases miss. Fixed seed, so a failure can be reproduced.
TEST(JsonReader, MutatedDocumentsAgreeWithNlohmann) {
    const std::vector<std::string> seeds = {
        R"({"a":[1,-2.5e3,true,null,"x\u00e9\ud83d\ude00"],"b":{"c":"é😀","d":-0.0}})",
        R"({"message":{"role":"assistant","content":"Hello \"world\"\n","tool_calls":[)"
        R"({"function":{"name":"f","arguments":{"city":"Paris"}}}]},"done":false})",
    };
    const std::string alphabet = "{}[]\",:\\/-+.eE0123456789tfnu \x01\x7f\xc3\xa9\xed\xf4";
    std::mt19937 random(20261124);
    for (const auto& seed : seeds) {
        for (int round = 0; round < 4000; ++round) {
            std::string text = seed;
            const int edits = 1 + static_cast<int>(random() % 3);
            for (int e = 0; e < edits && !text.empty(); ++e) {
                const std::size_t at = random() % text.size();
                switch (random() % 3) {
                    case 0:
                        text[at] = alphabet[random() % alphabet.size()];
                        break;
                    case 1:
                        text.erase(at, 1 + random() % 3);
                        break;
                    default:
                        text.insert(at, 1, alphabet[random() % alphabet.size()]);
                }
            }
            ASSERT_TRUE(agrees(text, false)) << "round " << round;
            // With members skipped, the reader still never accepts what nlohmann refuses.
            constexpr std::string_view skipped[] = {"a", "message"};
            if (json::parse(text, nullptr, false).is_discarded()) {
                ASSERT_FALSE(read_json(text, 64, skipped)) << "accepted invalid JSON: " << text;
            }
        }
    }
}

}  // namespace
}  // namespace ollama_proxy::openai
