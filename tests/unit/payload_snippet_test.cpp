// Body snippets for verbose logs: bounded, one line, and never a secret.
#include "ollama_proxy/payload_snippet.hpp"

#include <gtest/gtest.h>

namespace ollama_proxy {
namespace {

TEST(PayloadSnippet, SecretLookingMembersAndBearerTokensAreRedacted) {
    EXPECT_EQ(redact_secrets(R"({"model":"m","api_key":"sk-1","Password" : "p\"w","n":1})"),
              R"({"model":"m","api_key":"<redacted>","Password" : "<redacted>","n":1})");
    EXPECT_EQ(redact_secrets(R"({"headers":{"Authorization":"Bearer sk-2"}})"),
              R"({"headers":{"Authorization":"<redacted>"}})");
    EXPECT_EQ(redact_secrets("token sent as Bearer sk-3, twice: bearer sk-4"),
              "token sent as Bearer <redacted>, twice: bearer <redacted>");
    // Counts and limits named like tokens stay readable; a secret cut by the snippet is dropped.
    EXPECT_EQ(redact_secrets(R"({"max_tokens":5,"prompt_tokens":3,"token":"abc)"),
              R"({"max_tokens":5,"prompt_tokens":3,"token":"<redacted>)");
    EXPECT_EQ(redact_secrets(R"({"key_count":"fine"})"), R"({"key_count":"<redacted>"})");
}

TEST(PayloadSnippet, KeepsTheStartOfABodyOnOneSafeLine) {
    PayloadSnippet snippet(16);
    EXPECT_TRUE(snippet.empty());
    snippet.feed("{\"a\":\"x\ny\"}");
    snippet.feed(std::string(100, 'z'));
    EXPECT_EQ(snippet.text(), R"({\"a\":\"x\ny\"}zzzzz...)");
    PayloadSnippet controls;
    controls.feed(std::string("\x01\x7f", 2));
    EXPECT_EQ(controls.text(), "\\x01\\x7f");
}

}  // namespace
}  // namespace ollama_proxy
