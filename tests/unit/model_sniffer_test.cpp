// The top-level "model" of a passthrough request body, read as the bytes go by.
#include "ollama_proxy/model_sniffer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ollama_proxy {
namespace {

std::string sniff(std::string_view body) {
    ModelSniffer sniffer;
    sniffer.feed(body);
    return sniffer.model();
}

const std::string kChat =
    R"({"messages":[{"role":"user","content":"\"model\":\"fake\"","model":"nested"}],)"
    R"("options":{"model":"deeper"},"stream":true,"model" : "llama3.2:1b","keep_alive":"5m"})";

TEST(ModelSniffer, FindsTheTopLevelModel) {
    EXPECT_EQ(sniff(R"({"model":"llama3"})"), "llama3");
    EXPECT_EQ(sniff("\n {\n  \"model\" :\t\"qwen3:8b\",\n  \"prompt\": \"hi\"\n}"), "qwen3:8b");
    EXPECT_EQ(sniff(kChat), "llama3.2:1b");
}

TEST(ModelSniffer, NestedModelsAndModelsInStringsAreIgnored) {
    EXPECT_EQ(sniff(R"({"messages":[{"model":"a"}],"options":{"model":"b"}})"), "");
    EXPECT_EQ(sniff(R"({"prompt":"\"model\":\"x\"","name":"y"})"), "");
    EXPECT_EQ(sniff(R"({"modelfile":"FROM x","models":"y","mode":"z"})"), "");
    EXPECT_EQ(sniff(R"({"x":{"y":[1,{"model":"deep"}]},"model":"top"})"), "top");
}

TEST(ModelSniffer, OnlyAStringCounts) {
    EXPECT_EQ(sniff(R"({"model":7,"x":"y"})"), "");
    EXPECT_EQ(sniff(R"({"model":{"name":"m"}})"), "");
    EXPECT_EQ(sniff(R"({"model":null,"prompt":"model"})"), "");
    EXPECT_EQ(sniff(R"({"model":["a"],"b":"c"})"), "");
}

TEST(ModelSniffer, EscapesAreDecoded) {
    EXPECT_EQ(sniff(R"({"model":"a\"b\\c\/d"})"), "a\"b\\c/d");
    EXPECT_EQ(sniff(R"({"model":"caf\u00e9"})"), "caf\xc3\xa9");
    EXPECT_EQ(sniff(R"({"model":"line\nbreak"})"), "line\nbreak");
    // An escaped member name is not taken for "model".
    EXPECT_EQ(sniff(R"({"mod\u0065l":"x"})"), "");
}

TEST(ModelSniffer, OverLongValuesAreDropped) {
    const std::string fits(ModelSniffer::max_value_bytes, 'm');
    EXPECT_EQ(sniff(R"({"model":")" + fits + R"("})"), fits);
    EXPECT_EQ(sniff(R"({"model":")" + fits + R"(x"})"), "");
}

TEST(ModelSniffer, StopsWhenItKnows) {
    ModelSniffer binary;
    binary.feed("GGUF\x03\x00");
    EXPECT_TRUE(binary.done());
    EXPECT_EQ(binary.model(), "");

    ModelSniffer found;
    found.feed(R"({"model":"a")");
    EXPECT_TRUE(found.done());
    found.feed(R"(,"model":"b"})");
    EXPECT_EQ(found.model(), "a");

    ModelSniffer ended;
    ended.feed(R"({"prompt":"x"})");
    EXPECT_TRUE(ended.done());
    ended.feed(R"({"model":"after"})");
    EXPECT_EQ(ended.model(), "");

    ModelSniffer empty;
    empty.feed("");
    EXPECT_FALSE(empty.done());
    EXPECT_EQ(empty.model(), "");
}

TEST(ModelSniffer, EverySplitGivesTheSameModel) {
    const std::string escaped = R"({"options":{"model":"x"},"model":"we\"ird\u00e9"})";
    for (const std::string& body : {kChat, escaped}) {
        const std::string expected = sniff(body);
        ASSERT_FALSE(expected.empty());
        for (std::size_t cut = 0; cut <= body.size(); ++cut) {
            ModelSniffer sniffer;
            sniffer.feed(std::string_view(body).substr(0, cut));
            sniffer.feed(std::string_view(body).substr(cut));
            ASSERT_EQ(sniffer.model(), expected) << "cut at " << cut;
        }
        ModelSniffer bytewise;
        for (const char c : body)
            bytewise.feed(std::string_view(&c, 1));
        EXPECT_EQ(bytewise.model(), expected);
    }
}

}  // namespace
}  // namespace ollama_proxy
