// API keys over real sockets: with auth on, every route but /health and /ready needs one of the
// configured keys (in the configured header or as a Bearer token); refusals are in the caller's
// dialect; the proxy's keys never reach the remote and never reach the log.
#include "support/openai_support.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

namespace it {
namespace {

const std::string kKey = "sk-proxy-7f3a9c";  // plain in the config
const std::string kHashedKey = "sk-hashed-42";
// sha256 of kHashedKey (printf %s sk-hashed-42 | sha256sum), as a config that holds no
// plaintext writes it.
const std::string kHashedSpelling =
    "sha256:8868d53fe2d57e38dc0d413b3bf3392aaf9878c74ff7b0dd4fef6c8d0c2ffb02";

class Auth : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        fake_ = FakeOllama::start();
        dir_ = std::make_unique<TempDir>();
        const std::string config = (dir_->path() / "config.json").string();
        write_file(config, R"({"auth": {"enabled": true, "header": "x-proxy-key", "tokens": [
            {"key": ")" + kKey +
                               R"(", "name": "alice"},
            {"key": ")" + kHashedSpelling +
                               R"("}]}})");
        proxy_ = Proxy::start_for(*fake_, {"--config", config, "--log-level", "debug"});
    }
    static void TearDownTestSuite() {
        proxy_.reset();
        fake_.reset();
        dir_.reset();
    }
    void SetUp() override { fake_->clear(); }
    void TearDown() override {
        if (HasFailure()) std::cout << "proxy log:\n" << proxy_->log() << std::endl;
    }

    static Response get(const std::string& target, const Headers& headers = {}) {
        return fetch(proxy_->port(), make_request("GET", target, headers), scaled(10s));
    }

    static inline std::unique_ptr<FakeOllama> fake_;
    static inline std::unique_ptr<Proxy> proxy_;
    static inline std::unique_ptr<TempDir> dir_;
};

TEST_F(Auth, NativeRoutesWithoutAKeyGetAnOllamaShaped401) {
    const Response r = get("/api/tags");
    EXPECT_EQ(r.status(), 401);
    EXPECT_EQ(r.header("www-authenticate").value_or(""), "Bearer");
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_TRUE(body["error"].is_string()) << r.body;
    EXPECT_NE(body["error"].get<std::string>().find("x-proxy-key"), std::string::npos);
    EXPECT_TRUE(fake_->requests().empty()) << "a refused request reached the remote";
}

TEST_F(Auth, OpenAIRoutesGetOpenAIShaped401s) {
    const Response missing =
        fetch(proxy_->port(), v1_chat_request(v1_chat_body("hi", false)), scaled(10s));
    EXPECT_TRUE(is_openai_error(missing, 401, "authentication_error"));
    EXPECT_TRUE(error_object(missing.body)["code"].is_null());

    const Response wrong =
        fetch(proxy_->port(),
              v1_chat_request(v1_chat_body("hi", false), {{"Authorization", "Bearer sk-wrong"}}),
              scaled(10s));
    EXPECT_TRUE(is_openai_error(wrong, 401, "authentication_error"));
    EXPECT_EQ(error_object(wrong.body)["code"], "invalid_api_key");
    EXPECT_EQ(wrong.body.find("sk-wrong"), std::string::npos) << "the key is echoed";
    EXPECT_TRUE(fake_->requests().empty());
}

TEST_F(Auth, TheConfiguredHeaderAndBearerBothOpenTheDoor) {
    EXPECT_EQ(get("/api/tags", {{"x-proxy-key", kKey}}).status(), 200);
    EXPECT_EQ(get("/api/tags", {{"Authorization", "Bearer " + kKey}}).status(), 200);
    EXPECT_EQ(get("/api/tags", {{"Authorization", "Bearer " + kHashedKey}}).status(), 200);
    EXPECT_EQ(
        fetch(proxy_->port(), v1_chat_request(v1_chat_body("hi", false), {{"x-proxy-key", kKey}}),
              scaled(10s))
            .status(),
        200);
    EXPECT_EQ(get("/api/tags", {{"x-proxy-key", kKey + "x"}}).status(), 401);
    EXPECT_EQ(get("/api/tags", {{"x-proxy-key", kHashedSpelling}}).status(), 401);
}

TEST_F(Auth, HealthAndReadyNeedNoKey) {
    EXPECT_EQ(get("/health").status(), 200);
    EXPECT_EQ(get("/ready").status(), 200);
}

TEST_F(Auth, AnOptionsRequestWithoutAKeyDoesNotReachTheRemote) {
    const Response r = fetch(proxy_->port(), make_request("OPTIONS", "/api/tags"), scaled(10s));
    EXPECT_EQ(r.status(), 401);
    EXPECT_TRUE(fake_->requests().empty());
}

TEST_F(Auth, TheProxysKeysNeverReachTheRemoteNorTheLog) {
    ASSERT_EQ(
        get("/api/tags", {{"x-proxy-key", kKey}, {"Authorization", "Bearer " + kKey}}).status(),
        200);
    ASSERT_EQ(get("/api/version", {{"Authorization", "Bearer " + kHashedKey}}).status(), 200);
    const auto requests = fake_->requests();
    ASSERT_EQ(requests.size(), 2u);
    for (const auto& request : requests) {
        EXPECT_FALSE(request["headers"].contains("x-proxy-key")) << request.dump();
        EXPECT_FALSE(request["headers"].contains("authorization")) << request.dump();
    }
    // Keys are named in the log by their name, or a short digest prefix. The access line is
    // written once the response is out, so it may trail the client's read a little.
    const std::string digest_name = "key=key-" + kHashedSpelling.substr(7, 8);
    std::string log;
    const bool logged = wait_until(
        [&] {
            log = proxy_->log();
            return log.find("key=alice") != std::string::npos &&
                   log.find(digest_name) != std::string::npos;
        },
        scaled(5s));
    EXPECT_TRUE(logged) << log;
    EXPECT_EQ(log.find(kKey), std::string::npos);
    EXPECT_EQ(log.find(kHashedKey), std::string::npos);
}

TEST(AuthStartup, AuthWithoutAnyKeyIsRefused) {
    TempDir dir;
    const std::string empty = (dir.path() / "empty.json").string();
    write_file(empty, R"({"remote": {"host": "gpu-box"}, "auth": {"enabled": true}})");
    const RunResult none = run_proxy({"--config", empty});
    EXPECT_EQ(none.exit_code, 2);
    EXPECT_NE(none.err.find("neither auth.tokens nor auth.tokensFile"), std::string::npos)
        << none.err;
}

// Every way a key can arrive, every way it can be refused, at the most talkative log level with
// payloads logged: no key, client or admin, ever shows in the log.
TEST(AuthSecrets, NoKeyAppearsInATraceLog) {
    auto fake = FakeOllama::start();
    TempDir dir;
    const std::string config = (dir.path() / "config.json").string();
    write_file(config, R"({"auth": {"enabled": true, "adminKey": "sk-admin-secret",
        "tokens": [{"key": "sk-client-secret", "limitPerMinute": 2}]}})");
    auto proxy =
        Proxy::start_for(*fake, {"--config", config, "--log-level", "trace", "--log-payloads"});
    const auto send = [&](const std::string& raw) {
        return fetch(proxy->port(), raw, scaled(10s)).status();
    };
    // A body that carries a key too: payload logging redacts it.
    EXPECT_EQ(send(make_request("POST", "/api/chat", {{"x-api-key", "sk-client-secret"}},
                                R"({"model":"llama3.2","api_key":"sk-client-secret",)"
                                R"("messages":[{"role":"user","content":"hi"}]})")),
              200);
    EXPECT_EQ(send(v1_chat_request(v1_chat_body("hi", true),
                                   {{"Authorization", "Bearer sk-client-secret"}})),
              200);
    EXPECT_EQ(send(make_request("GET", "/api/tags", {{"x-api-key", "sk-client-secret"}})), 429);
    EXPECT_EQ(send(make_request("GET", "/api/tags", {{"x-api-key", "sk-wrong-secret"}})), 401);
    EXPECT_EQ(send(make_request("GET", "/_proxy/status", {{"x-api-key", "sk-admin-secret"}})), 200);
    proxy->process().signal(SIGHUP);
    std::string log;
    wait_until(
        [&] {
            log = proxy->log();
            return log.find("reloaded") != std::string::npos;
        },
        scaled(5s));
    for (const char* secret : {"sk-client-secret", "sk-wrong-secret", "sk-admin-secret"})
        EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in:\n" << log;
    EXPECT_NE(log.find("outcome=rate-limited"), std::string::npos) << log;
    EXPECT_NE(log.find(R"(payload id=)"), std::string::npos) << log;
    EXPECT_NE(log.find(R"(\"api_key\":\"<redacted>\")"), std::string::npos) << log;
    EXPECT_NE(log.find(R"(\"role\":\"assistant\")"), std::string::npos) << "no response payload:\n"
                                                                        << log;
}

}  // namespace
}  // namespace it
