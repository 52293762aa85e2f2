// SIGHUP re-reads keys and limits while serving: streams in flight go on, new keys work at
// once, removed keys stop working, keys that remain keep the quota they used, and a broken
// file leaves the running keys in place.
#include "support/openai_support.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <future>

namespace it {
namespace {

class Reload : public ::testing::Test {
  protected:
    void SetUp() override {
        fake_ = FakeOllama::start();
        tokens_ = (dir_.path() / "tokens.json").string();
        write_tokens(R"([{"key": "sk-old", "name": "old"},
                         {"key": "sk-kept", "name": "kept", "limitPerMinute": 5}])");
        proxy_ = Proxy::start_for(*fake_, {"--auth-enabled", "--auth-tokens-file", tokens_});
    }
    void TearDown() override {
        if (HasFailure()) std::cout << "proxy log:\n" << proxy_->log() << std::endl;
    }

    void write_tokens(const std::string& text) const { write_file(tokens_, text); }

    // Sends SIGHUP and waits for the daemon to say how the reload went.
    std::string reload() {
        const std::size_t before = proxy_->log().size();
        proxy_->process().signal(SIGHUP);
        std::string said;
        wait_until(
            [&] {
                said = proxy_->log().substr(before);
                return said.find("reload") != std::string::npos;
            },
            scaled(5s));
        return said;
    }

    int tags(const std::string& key) const {
        return fetch(proxy_->port(), make_request("GET", "/api/tags", {{"x-api-key", key}}),
                     scaled(10s))
            .status();
    }

    TempDir dir_;
    std::string tokens_;
    std::unique_ptr<FakeOllama> fake_;
    std::unique_ptr<Proxy> proxy_;
};

TEST_F(Reload, KeysChangeWithoutDroppingAStreamAndRemainingKeysKeepTheirCount) {
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(tags("sk-kept"), 200);
    // A slow stream, admitted under the old keys, runs across the reload.
    auto stream = std::async(std::launch::async, [&] {
        return fetch(
            proxy_->port(),
            make_request("POST", "/api/chat",
                         {{"x-api-key", "sk-old"}, {"x-fake-interval-ms", "100"}}, chat_body(10)),
            scaled(20s));
    });
    std::this_thread::sleep_for(200ms);
    write_tokens(R"({"tokens": [{"key": "sk-new"},
                                {"key": "sk-kept", "name": "kept", "limitPerMinute": 4}]})");
    const std::string said = reload();
    EXPECT_NE(said.find("reloaded"), std::string::npos) << said;

    const Response streamed = stream.get();
    EXPECT_EQ(streamed.status(), 200);
    EXPECT_EQ(streamed.end, BodyEnd::clean);
    EXPECT_NE(split_lines(streamed.body).back().find("\"done\":true"), std::string::npos);

    EXPECT_EQ(tags("sk-old"), 401);
    EXPECT_EQ(tags("sk-new"), 200);
    // Three used before the reload, one more fits under the new limit of four.
    EXPECT_EQ(tags("sk-kept"), 200);
    EXPECT_EQ(tags("sk-kept"), 429);
}

TEST_F(Reload, ABrokenFileKeepsTheRunningKeys) {
    write_tokens(R"([{"key": "sk-new"}, {"key": ""}])");
    const std::string said = reload();
    EXPECT_NE(said.find("reload failed"), std::string::npos) << said;
    EXPECT_NE(said.find("[1].key: is empty"), std::string::npos) << said;
    EXPECT_EQ(tags("sk-old"), 200);
    EXPECT_EQ(tags("sk-new"), 401);
}

}  // namespace
}  // namespace it
