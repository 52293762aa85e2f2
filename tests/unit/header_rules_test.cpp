#include "ollama_proxy/header_rules.hpp"

#include <gtest/gtest.h>

namespace ollama_proxy {
namespace {

TEST(HeaderRules, KnowsTheHopByHopFieldsInAnyCase) {
    for (const char* name :
         {"Connection", "keep-alive", "PROXY-CONNECTION", "TE", "Trailer", "Transfer-Encoding",
          "Upgrade", "Proxy-Authorization", "Proxy-Authenticate"})
        EXPECT_TRUE(is_hop_by_hop(name)) << name;
    for (const char* name : {"Authorization", "Content-Length", "Content-Type", "Host", "Accept"})
        EXPECT_FALSE(is_hop_by_hop(name)) << name;
}

TEST(HeaderRules, SplitsConnectionTokens) {
    EXPECT_EQ(connection_tokens("keep-alive, X-Custom ,,Upgrade"),
              (std::vector<std::string>{"keep-alive", "x-custom", "upgrade"}));
    EXPECT_TRUE(connection_tokens("").empty());
}

TEST(HeaderRules, AcceptsUnambiguousFramings) {
    EXPECT_FALSE(framing_error({false, std::nullopt, false}));
    EXPECT_FALSE(framing_error({true, std::nullopt, true}));
    EXPECT_FALSE(framing_error({false, "chunked", false}));
    EXPECT_FALSE(framing_error({false, "gzip, Chunked", false}));
}

TEST(HeaderRules, RefusesSmugglingFramings) {
    EXPECT_TRUE(framing_error({true, "chunked", false}));
    EXPECT_TRUE(framing_error({false, "chunked, gzip", false}));
    EXPECT_TRUE(framing_error({false, "identity", false}));
    EXPECT_TRUE(framing_error({false, "chunked", true}));
}

}  // namespace
}  // namespace ollama_proxy
