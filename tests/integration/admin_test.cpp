// The admin surface behind the status page: live status, the in-memory log lines, and the
// operator's actions (reload, re-check, switch the remote and save it to the config file), with
// the guards that keep web pages from driving them.
#include "support/openai_support.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <sys/stat.h>

namespace it {
namespace {

Headers json_type(Headers headers = {}) {
    headers.push_back({"Content-Type", "application/json"});
    return headers;
}

class Admin : public ::testing::Test {
  protected:
    void SetUp() override {
        first_ = FakeOllama::start();
        second_ = FakeOllama::start();
        config_ = (dir_.path() / "config.json").string();
    }
    void TearDown() override {
        if (HasFailure() && proxy_) std::cout << "proxy log:\n" << proxy_->log() << std::endl;
    }

    void start_with_config(const std::string& text, const std::vector<std::string>& args = {}) {
        write_file(config_, text);
        std::vector<std::string> all{"--config", config_};
        all.insert(all.end(), args.begin(), args.end());
        proxy_ = Proxy::start(all);
    }
    std::string remote_config(const FakeOllama& fake) const {
        return R"({"remote": {"host": "127.0.0.1", "port": )" + std::to_string(fake.port()) +
               R"(}, "log": {"level": "info"}})";
    }

    Response get(const std::string& target, Headers headers = {}) const {
        return fetch(proxy_->port(), make_request("GET", target, headers), scaled(10s));
    }
    Response post(const std::string& target, const std::string& body,
                  Headers headers = json_type()) const {
        return fetch(proxy_->port(), make_request("POST", target, headers, body), scaled(10s));
    }
    nlohmann::json status() const { return get("/_proxy/status").json(); }
    Response switch_to(const FakeOllama& fake, const std::string& extra = "") const {
        return post("/_proxy/remote", R"({"url": "http://127.0.0.1:)" +
                                          std::to_string(fake.port()) + "\"" + extra + "}");
    }

    TempDir dir_;
    std::string config_;
    std::unique_ptr<FakeOllama> first_;
    std::unique_ptr<FakeOllama> second_;
    std::unique_ptr<Proxy> proxy_;
};

TEST_F(Admin, StatusShowsTheListenerTheRemoteAndWhatARecheckFinds) {
    start_with_config(remote_config(*first_));
    nlohmann::json body = status();
    EXPECT_EQ(body["listener"], "127.0.0.1:" + std::to_string(proxy_->port()));
    EXPECT_EQ(body["config_file"], config_);
    EXPECT_EQ(body["remote"]["target"], "http://" + first_->address());
    EXPECT_TRUE(body["remote"]["reachable"].is_null()) << body;  // nothing has asked it yet
    EXPECT_EQ(body["logs"]["capacity"], 1000);

    const Response checked = post("/_proxy/recheck", "{}");
    ASSERT_EQ(checked.status(), 200) << checked.body;
    EXPECT_EQ(checked.json()["reachable"], true);
    EXPECT_EQ(checked.json()["version"], "0.33.0-fake");
    EXPECT_EQ(status()["remote"]["version"], "0.33.0-fake");

    first_->stop();
    const auto down = post("/_proxy/recheck", "{}").json();
    EXPECT_EQ(down["reachable"], false);
    EXPECT_NE(down["error"].get<std::string>().find("connect"), std::string::npos) << down;
}

TEST_F(Admin, LogsFollowRequestsKeepTheLastLinesAndClearForgetsThem) {
    start_with_config(remote_config(*first_), {"--log-ring-lines", "5"});
    for (int i = 0; i < 8; ++i)
        ASSERT_EQ(get("/api/tags").status(), 200);
    nlohmann::json logs = get("/_proxy/logs?after=0").json();
    ASSERT_EQ(logs["lines"].size(), 5u) << logs;
    for (std::size_t i = 1; i < 5; ++i)
        EXPECT_EQ(logs["lines"][i]["seq"], logs["lines"][i - 1]["seq"].get<int>() + 1);
    EXPECT_NE(logs["lines"][4]["text"].get<std::string>().find("path=/api/tags"),
              std::string::npos);
    const auto next = logs["next"].get<std::uint64_t>();
    EXPECT_EQ(next, logs["lines"][4]["seq"]);

    // Polling from `next` gives only what came since: the access line of that first poll.
    logs = get("/_proxy/logs?after=" + std::to_string(next)).json();
    ASSERT_EQ(logs["lines"].size(), 1u) << logs;
    EXPECT_NE(logs["lines"][0]["text"].get<std::string>().find("path=/_proxy/logs"),
              std::string::npos);
    EXPECT_EQ(get("/_proxy/logs?after=0&limit=2").json()["lines"].size(), 2u);
    EXPECT_EQ(get("/_proxy/logs?after=x").status(), 400);

    const Response cleared = post("/_proxy/logs/clear", "{}");
    ASSERT_EQ(cleared.status(), 200);
    EXPECT_EQ(cleared.json()["cleared"], 5);
    logs = get("/_proxy/logs?after=0").json();
    ASSERT_EQ(logs["lines"].size(), 1u) << logs;  // only the clear's own access line
    EXPECT_NE(logs["lines"][0]["text"].get<std::string>().find("path=/_proxy/logs/clear"),
              std::string::npos);
}

TEST_F(Admin, SwitchingTheRemoteTakesEffectAndIsSavedToTheConfigFile) {
    start_with_config(remote_config(*first_));
    ::chmod(config_.c_str(), 0640);
    const Response switched = switch_to(*second_, R"(, "apiKey": "sk-upstream-secret")");
    ASSERT_EQ(switched.status(), 200) << switched.body;
    const nlohmann::json body = switched.json();
    EXPECT_EQ(body["persisted"], true) << body;
    EXPECT_FALSE(body.contains("warning")) << body;
    EXPECT_EQ(body["remote"]["target"], "http://" + second_->address());
    EXPECT_EQ(body["remote"]["reachable"], true);

    first_->clear();
    second_->clear();
    ASSERT_EQ(get("/api/tags").status(), 200);
    EXPECT_FALSE(first_->last_request("/api/tags"));
    const auto seen = second_->last_request("/api/tags");
    ASSERT_TRUE(seen);
    EXPECT_EQ((*seen)["headers"]["authorization"], "Bearer sk-upstream-secret");

    const auto saved = nlohmann::json::parse(read_file(config_));
    EXPECT_EQ(saved["remote"]["port"], second_->port());
    EXPECT_EQ(saved["remote"]["apiKey"], "sk-upstream-secret");
    EXPECT_EQ(saved["log"]["level"], "info");
    struct stat info {};
    ASSERT_EQ(::stat(config_.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0640u);

    // The file now names the new remote, so a reload keeps it.
    ASSERT_EQ(post("/_proxy/reload", "{}").status(), 200);
    EXPECT_EQ(status()["remote"]["target"], "http://" + second_->address());
    EXPECT_EQ(proxy_->log().find("sk-upstream-secret"), std::string::npos);
}

TEST_F(Admin, AStreamInFlightFinishesOnTheRemoteItStartedWith) {
    proxy_ = Proxy::start_for(*first_);
    auto stream = std::async(std::launch::async, [&] {
        return fetch(
            proxy_->port(),
            make_request("POST", "/api/chat", {{"x-fake-interval-ms", "50"}}, chat_body(10)),
            scaled(20s));
    });
    std::this_thread::sleep_for(150ms);
    const Response switched = switch_to(*second_);
    ASSERT_EQ(switched.status(), 200) << switched.body;
    EXPECT_EQ(switched.json()["persisted"], false);
    EXPECT_NE(switched.json()["warning"].get<std::string>().find("--config"), std::string::npos);

    const Response streamed = stream.get();
    EXPECT_EQ(streamed.status(), 200);
    EXPECT_EQ(streamed.end, BodyEnd::clean);
    EXPECT_NE(split_lines(streamed.body).back().find("\"done\":true"), std::string::npos);
    EXPECT_TRUE(first_->last_request("/api/chat"));
    EXPECT_FALSE(second_->last_request("/api/chat"));
    ASSERT_EQ(get("/api/tags").status(), 200);
    EXPECT_TRUE(second_->last_request("/api/tags"));
}

TEST_F(Admin, TheOldRemotesIdleConnectionsAreClosedAtTheSwitch) {
    proxy_ = Proxy::start_for(*first_, {"--threads", "2"});
    for (int i = 0; i < 4; ++i)
        ASSERT_EQ(get("/api/tags").status(), 200);
    // The count includes the connection that asks for it.
    ASSERT_GE(first_->stats()["active_connections"].get<int>(), 2);  // pooled, kept alive
    ASSERT_EQ(switch_to(*second_).status(), 200);
    EXPECT_TRUE(wait_until([&] { return first_->stats()["active_connections"] == 1; }, scaled(3s)))
        << first_->stats();
}

TEST_F(Admin, ACommandLineRemoteThatWouldWinOverTheFileIsPointedOut) {
    start_with_config(remote_config(*first_), {"--remote-host", first_->address()});
    const Response switched = switch_to(*second_);
    ASSERT_EQ(switched.status(), 200) << switched.body;
    EXPECT_EQ(switched.json()["persisted"], true);
    EXPECT_NE(switched.json()["warning"].get<std::string>().find("command line"), std::string::npos)
        << switched.body;
}

TEST_F(Admin, RefusedSwitchesChangeNothing) {
    start_with_config(remote_config(*first_));
    const std::string before = read_file(config_);
    EXPECT_EQ(post("/_proxy/remote", R"({"url": "ftp://gpu"})").status(), 400);
    EXPECT_EQ(post("/_proxy/remote", R"({"host": "gpu"})").status(), 400);
    const Response loop = post(
        "/_proxy/remote", R"({"url": "http://127.0.0.1:)" + std::to_string(proxy_->port()) + "\"}");
    EXPECT_EQ(loop.status(), 400);
    EXPECT_NE(loop.body.find("own listener"), std::string::npos) << loop.body;
    EXPECT_EQ(status()["remote"]["target"], "http://" + first_->address());
    EXPECT_EQ(read_file(config_), before);
}

TEST_F(Admin, ReloadOverHttpReportsWhatHappened) {
    start_with_config(remote_config(*first_));
    write_file(config_, remote_config(*second_));
    Response reloaded = post("/_proxy/reload", "{}");
    ASSERT_EQ(reloaded.status(), 200) << reloaded.body;
    EXPECT_EQ(reloaded.json()["restart_required"], nlohmann::json::array());
    EXPECT_EQ(status()["remote"]["target"], "http://" + second_->address());

    write_file(config_, R"({"remote": {"port": "not a port"}})");
    reloaded = post("/_proxy/reload", "{}");
    EXPECT_EQ(reloaded.status(), 400);
    EXPECT_NE(reloaded.json()["error"].get<std::string>().find("remote.port"), std::string::npos);
    EXPECT_EQ(status()["remote"]["target"], "http://" + second_->address());

    write_file(config_, R"({"remote": {"host": "127.0.0.1", "port": )" +
                            std::to_string(second_->port()) + R"(}, "timeouts": {"drain": 3}})");
    reloaded = post("/_proxy/reload", "{}");
    EXPECT_EQ(reloaded.json()["restart_required"], nlohmann::json::array({"timeouts"}));
}

TEST_F(Admin, ActionsArePostsWithAJsonBody) {
    proxy_ = Proxy::start_for(*first_);
    EXPECT_EQ(post("/_proxy/reload", "{}", {}).status(), 415);
    EXPECT_EQ(post("/_proxy/reload", "{}", {{"Content-Type", "text/plain"}}).status(), 415);
    const Response wrong = get("/_proxy/reload");
    EXPECT_EQ(wrong.status(), 405);
    EXPECT_EQ(wrong.header("Allow"), "POST");
    EXPECT_EQ(post("/_proxy/status", "{}").status(), 405);
    EXPECT_EQ(get("/_proxy/nothing").status(), 404);
    const Response big = post("/_proxy/remote", std::string(100 * 1024, ' '));
    EXPECT_EQ(big.status(), 413);
    EXPECT_TRUE(serves_tags(proxy_->port()));
}

TEST_F(Admin, WebPagesCannotDriveIt) {
    proxy_ = Proxy::start_for(*first_);
    const std::string self = "127.0.0.1:" + std::to_string(proxy_->port());
    // DNS rebinding: a name its owner points at 127.0.0.1.
    EXPECT_EQ(get("/_proxy/status", {{"Host", "evil.example:" + std::to_string(proxy_->port())}})
                  .status(),
              403);
    EXPECT_EQ(get("/_proxy/status", {{"Host", "localhost"}}).status(), 200);
    EXPECT_EQ(get("/_proxy/status", {{"Host", "[::1]:1"}}).status(), 200);
    // Another local page (allowed by CORS for the API) may not take actions.
    const Response other = post("/_proxy/remote", R"({"url": "gpu"})",
                                json_type({{"Host", self}, {"Origin", "http://localhost:3000"}}));
    EXPECT_EQ(other.status(), 403);
    EXPECT_EQ(status()["remote"]["target"], "http://" + first_->address());
    // The status page itself may.
    const Response own =
        post("/_proxy/recheck", "{}", json_type({{"Host", self}, {"Origin", "http://" + self}}));
    EXPECT_EQ(own.status(), 200) << own.body;
}

}  // namespace
}  // namespace it
