// Browsers and the admin surface: preflights answered before auth, pages of unlisted origins
// refused as Ollama refuses them, allowed pages given what they need to read the answer; and
// /_proxy/* open to loopback callers, or to the admin key, only.
#include "support/openai_support.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <ifaddrs.h>

namespace it {
namespace {

class Cors : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        fake_ = FakeOllama::start();
        dir_ = std::make_unique<TempDir>();
        const std::string config = (dir_->path() / "config.json").string();
        write_file(config, R"({"auth": {"enabled": true, "header": "x-proxy-key",
            "tokens": [{"key": "sk-web", "limitPerMinute": 100}]},
            "cors": {"origins": ["https://app.example"]}})");
        proxy_ = Proxy::start_for(*fake_, {"--config", config});
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

    static Response send(const std::string& raw) { return fetch(proxy_->port(), raw, scaled(10s)); }

    static inline std::unique_ptr<FakeOllama> fake_;
    static inline std::unique_ptr<Proxy> proxy_;
    static inline std::unique_ptr<TempDir> dir_;
};

Response preflight(std::uint16_t port, const std::string& origin, const std::string& path) {
    return fetch(port,
                 make_request("OPTIONS", path,
                              {{"Origin", origin},
                               {"Access-Control-Request-Method", "POST"},
                               {"Access-Control-Request-Headers",
                                "authorization, content-type, x-stainless-os, x-proxy-key"}}),
                 scaled(10s));
}

TEST_F(Cors, PreflightsAreAnsweredBeforeAuthAndNeverReachTheRemote) {
    for (const std::string origin : {"https://app.example", "http://localhost:5173"}) {
        const Response r = preflight(proxy_->port(), origin, "/v1/chat/completions");
        EXPECT_EQ(r.status(), 204) << r.head.raw;
        EXPECT_EQ(r.header("access-control-allow-origin").value_or(""), origin);
        EXPECT_EQ(r.header("vary").value_or(""), "Origin");
        const std::string allowed = r.header("access-control-allow-headers").value_or("");
        for (const char* name : {"Authorization", "Content-Type", "x-stainless-os", "x-proxy-key"})
            EXPECT_NE(allowed.find(name), std::string::npos) << name << " in " << allowed;
        EXPECT_TRUE(r.body.empty());
    }
    EXPECT_TRUE(fake_->requests().empty());
}

TEST_F(Cors, PagesOfUnlistedOriginsAreRefusedInTheCallersDialect) {
    const Response pre = preflight(proxy_->port(), "https://evil.example", "/api/chat");
    EXPECT_EQ(pre.status(), 403);
    EXPECT_FALSE(pre.header("access-control-allow-origin"));
    const Response native = send(make_request(
        "POST", "/api/chat", {{"Origin", "https://evil.example"}, {"x-proxy-key", "sk-web"}},
        chat_body(1)));
    EXPECT_EQ(native.status(), 403);
    EXPECT_TRUE(nlohmann::json::parse(native.body)["error"].is_string()) << native.body;
    const Response openai =
        send(v1_chat_request(v1_chat_body("hi", false),
                             {{"Origin", "https://evil.example"}, {"x-proxy-key", "sk-web"}}));
    EXPECT_TRUE(is_openai_error(openai, 403, "permission_error"));
    EXPECT_TRUE(fake_->requests().empty());
}

TEST_F(Cors, AllowedPagesCanReadAnswersAndTheRemoteSeesNoOrigin) {
    const Headers headers{{"Origin", "https://app.example"}, {"x-proxy-key", "sk-web"}};
    for (const std::string& raw : {make_request("POST", "/api/chat", headers, chat_body(2)),
                                   v1_chat_request(v1_chat_body("hi", true), headers)}) {
        const Response r = send(raw);
        EXPECT_EQ(r.status(), 200) << r.body;
        EXPECT_EQ(r.header("access-control-allow-origin").value_or(""), "https://app.example");
        const std::string exposed = r.header("access-control-expose-headers").value_or("");
        EXPECT_NE(exposed.find("x-ratelimit-remaining-requests"), std::string::npos) << exposed;
        EXPECT_NE(exposed.find("x-request-id"), std::string::npos) << exposed;
    }
    // A refusal an allowed page receives is readable too.
    const Response unauthorized =
        send(make_request("GET", "/api/tags", {{"Origin", "https://app.example"}}));
    EXPECT_EQ(unauthorized.status(), 401);
    EXPECT_EQ(unauthorized.header("access-control-allow-origin").value_or(""),
              "https://app.example");
    for (const auto& request : fake_->requests())
        EXPECT_FALSE(request["headers"].contains("origin")) << request.dump();
}

TEST(CorsEnvironment, OllamasOriginsVariableIsHonoured) {
    auto fake = FakeOllama::start();
    auto proxy = Proxy::start({"--remote-host", fake->address()},
                              {{"OLLAMA_ORIGINS", "https://one.example,http://*.lan:*"}});
    EXPECT_EQ(preflight(proxy->port(), "https://one.example", "/api/tags").status(), 204);
    EXPECT_EQ(preflight(proxy->port(), "http://gpu.lan:8080", "/api/tags").status(), 204);
    EXPECT_EQ(preflight(proxy->port(), "https://two.example", "/api/tags").status(), 403);
}

TEST_F(Cors, TheAdminSurfaceAnswersLoopbackWithoutAKeyAndShowsNoSecret) {
    const Response r = send(make_request("GET", "/_proxy/status"));
    ASSERT_EQ(r.status(), 200) << r.body;
    const auto status = nlohmann::json::parse(r.body);
    EXPECT_EQ(status["auth"]["enabled"], true);
    ASSERT_EQ(status["auth"]["keys"].size(), 1u);
    EXPECT_EQ(status["auth"]["keys"][0]["requests"]["limit"], 100);
    EXPECT_EQ(r.body.find("sk-web"), std::string::npos);
    EXPECT_EQ(send(make_request("GET", "/_proxy/nothing")).status(), 404);
    EXPECT_TRUE(fake_->requests().empty());
}

// An IPv4 address of this machine that is not loopback, in network order; 0 when none.
in_addr_t outside_address() {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return 0;
    in_addr_t found = 0;
    for (ifaddrs* entry = list; entry != nullptr && found == 0; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
        const in_addr_t address = reinterpret_cast<sockaddr_in*>(entry->ifa_addr)->sin_addr.s_addr;
        if ((ntohl(address) >> 24) != 127) found = address;
    }
    freeifaddrs(list);
    return found;
}

TEST(AdminSurface, CallersBeyondLoopbackNeedTheAdminKey) {
    const in_addr_t outside = outside_address();
    if (outside == 0) GTEST_SKIP() << "this machine has no IPv4 address besides loopback";
    auto fake = FakeOllama::start();
    TempDir dir;
    const auto start = [&](const std::string& extra) {
        const std::string config = (dir.path() / "config.json").string();
        write_file(config, R"({"server": {"host": "0.0.0.0"}, "auth": {"enabled": true,
            "tokens": [{"key": "sk-client"}])" +
                               extra + "}}");
        return Proxy::start_for(*fake, {"--config", config});
    };
    const auto status = [&](Proxy& proxy, const Headers& headers) {
        return fetch_at(outside, proxy.port(), make_request("GET", "/_proxy/status", headers),
                        scaled(10s))
            .status();
    };
    {
        auto proxy = start("");
        EXPECT_EQ(status(*proxy, {}), 403);
        EXPECT_EQ(status(*proxy, {{"x-api-key", "sk-client"}}), 403);
        EXPECT_EQ(
            fetch_at(outside, proxy->port(),
                     make_request("GET", "/api/tags", {{"x-api-key", "sk-client"}}), scaled(10s))
                .status(),
            200)
            << "client routes stay open beyond loopback";
    }
    auto proxy = start(R"(, "adminKey": "sk-admin")");
    EXPECT_EQ(status(*proxy, {}), 401);
    EXPECT_EQ(status(*proxy, {{"x-api-key", "sk-client"}}), 401);
    EXPECT_EQ(status(*proxy, {{"Authorization", "Bearer sk-admin"}}), 200);
    EXPECT_EQ(status(*proxy, {{"x-api-key", "sk-admin"}}), 200);
    EXPECT_EQ(proxy->log().find("sk-admin"), std::string::npos);
}

}  // namespace
}  // namespace it
