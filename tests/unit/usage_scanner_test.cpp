// Token counts read from native replies as they stream by, however the bytes are cut.
#include "ollama_proxy/usage_scanner.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ollama_proxy {
namespace {

const std::string kStream =
    R"({"model":"m","message":{"role":"assistant","content":"eval_count\":99"},"done":false})"
    "\n"
    R"({"model":"m","message":{"role":"assistant","content":"","tool_calls":[{"function":)"
    R"({"name":"f","arguments":{"eval_count":1000,"prompt_eval_count":1000}}}]},"done":false})"
    "\n"
    R"({"model":"m","done":true,"prompt_eval_count":12,"prompt_eval_duration":5,)"
    R"("eval_count":30,"eval_duration":7})"
    "\n";

std::uint64_t scan(std::string_view text) {
    UsageScanner scanner;
    scanner.feed(text);
    return scanner.tokens();
}

TEST(UsageScanner, TopLevelCountsOfEachObjectAreSummed) {
    EXPECT_EQ(scan(kStream), 42u);
    EXPECT_EQ(scan(kStream + kStream), 84u);
    // A non-streaming reply: one object, pretty-printed or not.
    EXPECT_EQ(scan("{\n  \"eval_count\" : 5,\n  \"prompt_eval_count\": 3\n}"), 8u);
    EXPECT_EQ(scan(R"({"embeddings":[[0.1,2]],"prompt_eval_count":7})"), 7u);
}

TEST(UsageScanner, CountsInsideMessagesAndStringsAreIgnored) {
    EXPECT_EQ(scan(R"({"message":{"eval_count":5},"note":"\"eval_count\": 7"})"), 0u);
    EXPECT_EQ(scan(R"({"x":[{"eval_count":5}],"eval_count_total":3,"eval_count":"9"})"), 0u);
    EXPECT_EQ(scan(R"({"eval_count":)"), 0u);  // an object never finished counts nothing
}

TEST(UsageScanner, EveryCutOfTheStreamGivesTheSameCount) {
    for (std::size_t cut = 0; cut <= kStream.size(); ++cut) {
        UsageScanner scanner;
        scanner.feed(std::string_view(kStream).substr(0, cut));
        scanner.feed(std::string_view(kStream).substr(cut));
        ASSERT_EQ(scanner.tokens(), 42u) << "cut at " << cut;
    }
    UsageScanner bytewise;
    for (const char c : kStream)
        bytewise.feed(std::string_view(&c, 1));
    EXPECT_EQ(bytewise.tokens(), 42u);
}

TEST(UsageScanner, PromptAndCompletionAreCountedApart) {
    UsageScanner scanner;
    scanner.feed(kStream);
    EXPECT_EQ(scanner.prompt_tokens(), 12u);
    EXPECT_EQ(scanner.completion_tokens(), 30u);
    scanner.feed(R"({"prompt_eval_count":7})");
    EXPECT_EQ(scanner.prompt_tokens(), 19u);
    EXPECT_EQ(scanner.completion_tokens(), 30u);
    EXPECT_EQ(scanner.tokens(), 49u);
    for (std::size_t cut = 0; cut <= kStream.size(); ++cut) {
        UsageScanner split;
        split.feed(std::string_view(kStream).substr(0, cut));
        split.feed(std::string_view(kStream).substr(cut));
        ASSERT_EQ(split.prompt_tokens(), 12u) << "cut at " << cut;
        ASSERT_EQ(split.completion_tokens(), 30u) << "cut at " << cut;
    }
}

}  // namespace
}  // namespace ollama_proxy
