// What the proxy changes on the way to the remote: base path, credentials and hop-by-hop fields;
// and the paths it refuses to forward at all.
#include "support/servers.hpp"

#include <gtest/gtest.h>

namespace it {
namespace {

class RequestRewrite : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { fake_ = FakeOllama::start(); }
    static void TearDownTestSuite() { fake_.reset(); }
    void SetUp() override { fake_->clear(); }

    static nlohmann::json seen_headers(const std::string& target) {
        const auto seen = fake_->last_request(target);
        if (!seen) throw std::runtime_error("the fake saw no request for " + target);
        return seen->at("headers");
    }

    static inline std::unique_ptr<FakeOllama> fake_;
};

TEST_F(RequestRewrite, RemoteBasePathIsPrefixedToTheTarget) {
    auto proxy = Proxy::start(
        {"--remote-host", "http://127.0.0.1:" + std::to_string(fake_->port()) + "/ollama"});
    const Response r = fetch(proxy->port(), make_request("GET", "/api/tags?a=b"));
    EXPECT_EQ(r.status(), 404);  // the fake serves nothing under /ollama
    const nlohmann::json seen = fake_->requests();
    ASSERT_EQ(seen.size(), 1u) << seen.dump();
    EXPECT_EQ(seen[0]["target"], "/ollama/api/tags?a=b");
}

TEST_F(RequestRewrite, PathTraversalIsRefusedAndNeverReachesTheRemote) {
    auto plain = Proxy::start_for(*fake_);
    auto based = Proxy::start(
        {"--remote-host", "http://127.0.0.1:" + std::to_string(fake_->port()) + "/ollama"});
    for (const Proxy* proxy : {plain.get(), based.get()}) {
        for (const char* target : {"/../secret", "/api/%2e%2e/%2e%2e/x", "/a/..%2f..%2fb"}) {
            SCOPED_TRACE(target);
            const Response r = fetch(proxy->port(), make_request("GET", target));
            EXPECT_EQ(r.status(), 400);
            const auto body = nlohmann::json::parse(r.body, nullptr, false);
            ASSERT_TRUE(body.is_object()) << r.body;
            EXPECT_TRUE(body.contains("error") && body["error"].is_string()) << r.body;
        }
    }
    EXPECT_TRUE(serves_tags(plain->port()));  // still serving, and the only request seen
    const nlohmann::json seen = fake_->requests();
    ASSERT_EQ(seen.size(), 1u) << seen.dump();
    EXPECT_EQ(seen[0]["target"], "/api/tags");
}

TEST_F(RequestRewrite, ConfiguredApiKeyReplacesTheClientsAuthorization) {
    auto proxy = Proxy::start_for(*fake_, {"--remote-api-key", "sekrit"});
    const Response r = fetch(
        proxy->port(), make_request("GET", "/api/version", {{"Authorization", "Bearer client"}}));
    ASSERT_EQ(r.status(), 200);
    EXPECT_EQ(seen_headers("/api/version").value("authorization", ""), "Bearer sekrit");
}

TEST_F(RequestRewrite, ApiKeyFromTheEnvironmentIsSentAsBearer) {
    auto proxy = Proxy::start({"--remote-host", fake_->address()},
                              {{"OLLAMA_PROXY_REMOTE_API_KEY", "env-sekrit"}});
    ASSERT_EQ(fetch(proxy->port(), make_request("GET", "/api/version")).status(), 200);
    EXPECT_EQ(seen_headers("/api/version").value("authorization", ""), "Bearer env-sekrit");
}

TEST_F(RequestRewrite, WithoutAnApiKeyTheClientsAuthorizationPasses) {
    auto proxy = Proxy::start_for(*fake_);
    const Response r = fetch(
        proxy->port(), make_request("GET", "/api/version", {{"Authorization", "Bearer client"}}));
    ASSERT_EQ(r.status(), 200);
    EXPECT_EQ(seen_headers("/api/version").value("authorization", ""), "Bearer client");
}

TEST_F(RequestRewrite, HopByHopFieldsNeverReachTheRemote) {
    auto proxy = Proxy::start_for(*fake_);
    const Response r = fetch(proxy->port(), make_request("GET", "/api/version",
                                                         {{"Proxy-Authorization", "Basic eDp5"},
                                                          {"Connection", "keep-alive, x-custom"},
                                                          {"X-Custom", "hop"},
                                                          {"Keep-Alive", "timeout=5"},
                                                          {"TE", "trailers"},
                                                          {"Upgrade", "h2c"},
                                                          {"X-End-To-End", "kept"}}));
    ASSERT_EQ(r.status(), 200);
    const nlohmann::json headers = seen_headers("/api/version");
    for (const char* name : {"proxy-authorization", "x-custom", "keep-alive", "te", "upgrade"}) {
        EXPECT_FALSE(headers.contains(name)) << name << " was forwarded: " << headers.dump();
    }
    EXPECT_EQ(headers.value("connection", "").find("x-custom"), std::string::npos)
        << headers.dump();
    EXPECT_EQ(headers.value("x-end-to-end", ""), "kept") << headers.dump();
}

TEST_F(RequestRewrite, ApiKeyNeverAppearsInTheDebugLog) {
    const std::string secret = "log-secret-3e8a1f90";
    auto proxy = Proxy::start_for(*fake_, {"--remote-api-key", secret, "--log-level", "debug"});
    ASSERT_EQ(fetch(proxy->port(), make_request("GET", "/api/tags")).status(), 200);
    ASSERT_EQ(fetch(proxy->port(),
                    make_request("POST", "/api/show", {}, R"({"model":"llama3.2:latest"})"))
                  .status(),
              200);
    ASSERT_EQ(fetch(proxy->port(), make_request("GET", "/ready")).status(), 200);
    ASSERT_EQ(proxy->stop(), 0);  // flushes every buffered debug line
    const std::string log = proxy->log();
    EXPECT_GT(non_empty_lines(log).size(), 1u) << log;
    EXPECT_EQ(log.find(secret), std::string::npos) << log;
}

}  // namespace
}  // namespace it
