// Which pages may call the proxy: Ollama's defaults, OLLAMA_ORIGINS-style patterns, and the
// preflight answer OpenAI SDKs need.
#include "ollama_proxy/cors/origin_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace ollama_proxy::cors {
namespace {

std::string header(const HeaderList& headers, std::string_view name) {
    const auto found = std::find_if(headers.begin(), headers.end(),
                                    [name](const auto& header) { return header.first == name; });
    return found == headers.end() ? std::string() : found->second;
}

TEST(OriginPolicy, LocalPagesAndDesktopShellsAreAllowedByDefault) {
    const OriginPolicy policy({});
    for (const char* origin :
         {"http://localhost", "http://localhost:3000", "https://127.0.0.1:8443", "http://0.0.0.0:1",
          "app://obsidian.md", "vscode-webview://abc", "tauri://localhost", "HTTP://LOCALHOST:5"})
        EXPECT_TRUE(policy.allows(origin, "")) << origin;
    for (const char* origin : {"https://evil.example", "http://localhost.evil.example",
                               "http://127.0.0.1.nip.io", "null", ""})
        EXPECT_FALSE(policy.allows(origin, "")) << origin;
}

TEST(OriginPolicy, ConfiguredPatternsAddToTheDefaults) {
    const OriginPolicy policy({"https://app.example", "http://*.lan:*"});
    EXPECT_TRUE(policy.allows("https://app.example", ""));
    EXPECT_FALSE(policy.allows("https://app.example:444", ""));
    EXPECT_TRUE(policy.allows("http://gpu.lan:8080", ""));
    EXPECT_FALSE(policy.allows("https://gpu.lan:8080", ""));
    EXPECT_TRUE(policy.allows("http://localhost:1", ""));
    EXPECT_TRUE(OriginPolicy({"*"}).allows("https://anything.example", ""));
}

TEST(OriginPolicy, APageOfTheProxysOwnAddressIsNoCrossOriginCaller) {
    const OriginPolicy policy({});
    EXPECT_TRUE(policy.allows("http://gpu-box:11434", "gpu-box:11434"));
    EXPECT_FALSE(policy.allows("http://gpu-box:11434", "other:11434"));
}

TEST(OriginPolicy, PreflightsGrantTheSdkHeadersAndTheKeyHeader) {
    const HeaderList headers =
        preflight_headers("https://app.example", "x-proxy-key",
                          "content-type, X-Stainless-Retry-Count,x-stainless-new-thing, x-other");
    EXPECT_EQ(header(headers, "Access-Control-Allow-Origin"), "https://app.example");
    EXPECT_EQ(header(headers, "Vary"), "Origin");
    const std::string allowed = header(headers, "Access-Control-Allow-Headers");
    for (const char* name : {"Authorization", "Content-Type", "OpenAI-Beta", "x-proxy-key",
                             "x-stainless-retry-count", "x-stainless-new-thing"})
        EXPECT_NE(allowed.find(name), std::string::npos) << name << " in " << allowed;
    EXPECT_EQ(allowed.find("x-other"), std::string::npos) << allowed;
    EXPECT_NE(header(headers, "Access-Control-Allow-Methods").find("POST"), std::string::npos);
    EXPECT_NE(header(response_headers("app://x"), "Access-Control-Expose-Headers")
                  .find("x-ratelimit-remaining-requests"),
              std::string::npos);
}

}  // namespace
}  // namespace ollama_proxy::cors
