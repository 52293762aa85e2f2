#include "ollama_proxy/target_path.hpp"

#include <gtest/gtest.h>

namespace ollama_proxy {
namespace {

TEST(UpstreamTarget, KeepsPathAndQueryUnderARootBase) {
    EXPECT_EQ(upstream_target("/", "/api/tags?x=1&y=%2F").target, "/api/tags?x=1&y=%2F");
    EXPECT_EQ(upstream_target("/", "/").target, "/");
}

TEST(UpstreamTarget, PrefixesTheBasePath) {
    EXPECT_EQ(upstream_target("/ollama", "/api/tags").target, "/ollama/api/tags");
    EXPECT_EQ(upstream_target("/ollama/", "/api/tags").target, "/ollama/api/tags");
    EXPECT_EQ(upstream_target("/a/b", "/").target, "/a/b/");
    EXPECT_EQ(upstream_target("/a", "/x?q=1").target, "/a/x?q=1");
}

TEST(UpstreamTarget, TurnsAbsoluteFormIntoOriginForm) {
    EXPECT_EQ(upstream_target("/", "http://evil.example/api/tags").target, "/api/tags");
    EXPECT_EQ(upstream_target("/b", "HTTPS://h:1?q").target, "/b/?q");
    EXPECT_EQ(upstream_target("/", "http://h").target, "/");
}

TEST(UpstreamTarget, AllowsDotSegmentsThatStayInside) {
    EXPECT_TRUE(upstream_target("/", "/api/../api/tags").error.empty());
    EXPECT_TRUE(upstream_target("/", "/a/./b").error.empty());
    EXPECT_TRUE(upstream_target("/", "/api/tags?path=../../x").error.empty());
    EXPECT_TRUE(upstream_target("/", "/a..b/c").error.empty());
}

TEST(UpstreamTarget, RefusesPathsThatClimbAboveTheBase) {
    for (const char* target :
         {"/..", "/../secret", "/api/../../x", "/%2e%2e/x", "/api/%2E%2E/%2e%2e/x",
          "/a/..%2f..%2fb", "/a/..%5c..%5cb", "/.%2e/x", "/a/b/../../../c"}) {
        EXPECT_FALSE(upstream_target("/ollama", target).error.empty()) << target;
    }
}

TEST(UpstreamTarget, RefusesOtherTargetForms) {
    EXPECT_FALSE(upstream_target("/", "*").error.empty());
    EXPECT_FALSE(upstream_target("/", "api/tags").error.empty());
    EXPECT_FALSE(upstream_target("/", "").error.empty());
    EXPECT_FALSE(upstream_target("/", "/a#frag").error.empty());
}

TEST(PathIsUnder, MatchesWholeSegmentsOnly) {
    EXPECT_TRUE(path_is_under("/v1", "/v1"));
    EXPECT_TRUE(path_is_under("/v1/models", "/v1"));
    EXPECT_FALSE(path_is_under("/v10/models", "/v1"));
    EXPECT_FALSE(path_is_under("/api/v1", "/v1"));
    EXPECT_EQ(target_path("/api/tags?x=1"), "/api/tags");
}

}  // namespace
}  // namespace ollama_proxy
