// Start-up: configurations the proxy must refuse with one line on stderr, and the commands that
// print and exit.
#include "support/servers.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace it {
namespace {

// A refusal: a non-zero exit, nothing on stdout, and exactly one line on stderr.
void expect_refusal(const RunResult& result, const std::vector<std::string>& mentions) {
    ASSERT_TRUE(result.exit_code.has_value()) << "the proxy kept running; stderr:\n" << result.err;
    EXPECT_NE(*result.exit_code, 0);
    EXPECT_EQ(result.out, "");
    const auto lines = non_empty_lines(result.err);
    ASSERT_EQ(lines.size(), 1u) << "stderr:\n" << result.err;
    for (const auto& word : mentions) {
        EXPECT_NE(lines[0].find(word), std::string::npos)
            << "the message should name \"" << word << "\": " << lines[0];
    }
}

TEST(Startup, RefusesToStartWithoutARemote) {
    expect_refusal(run_proxy({"--port", "0"}), {"remote"});
}

TEST(Startup, RefusesAPortOutOfRange) {
    expect_refusal(run_proxy({"--port", "70000", "--remote-host", "127.0.0.1:11434"}),
                   {"port", "70000"});
}

TEST(Startup, RefusesAPortThatIsNotANumber) {
    expect_refusal(run_proxy({"--port", "http", "--remote-host", "127.0.0.1:11434"}),
                   {"port", "http"});
}

TEST(Startup, RefusesAnUnknownConfigFileKey) {
    TempDir dir;
    const std::string config = dir.file("config.json");
    write_file(config, R"({"remote": {"host": "127.0.0.1", "port": 11434}, "bogusKey": 1})");
    expect_refusal(run_proxy({"--port", "0", "--config", config}), {"bogusKey"});
}

TEST(Startup, RefusesARemoteThatIsItsOwnListener) {
    expect_refusal(run_proxy({"--port", "18555", "--remote-host", "127.0.0.1:18555"}), {"18555"});
}

TEST(Startup, VersionPrintsTheVersionAndExitsZero) {
    const RunResult result = run_proxy({"--version"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find(OLLAMA_PROXY_VERSION), std::string::npos) << result.out;
    EXPECT_EQ(result.err, "");
}

TEST(Startup, HelpListsTheRemoteOptionAndExitsZero) {
    const RunResult result = run_proxy({"--help"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("--remote-host"), std::string::npos) << result.out;
}

TEST(Startup, PrintConfigRedactsTheApiKeyFromTheCommandLine) {
    const std::string secret = "cli-secret-5f1d9a";
    const RunResult result =
        run_proxy({"--print-config", "--remote-host", "127.0.0.1:9", "--remote-api-key", secret});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out.find(secret), std::string::npos) << result.out;
    EXPECT_EQ(result.err.find(secret), std::string::npos) << result.err;
    const auto printed = nlohmann::json::parse(result.out, nullptr, false);
    ASSERT_FALSE(printed.is_discarded()) << "not JSON: " << result.out;
    EXPECT_EQ(printed["remote"]["host"], "127.0.0.1") << result.out;
    EXPECT_TRUE(printed["remote"]["apiKey"].is_string()) << result.out;
    EXPECT_NE(printed["remote"]["apiKey"], "") << "the key vanished instead of being redacted";
}

TEST(Startup, PrintConfigRedactsTheApiKeyFromTheEnvironment) {
    const std::string secret = "env-secret-77c0e3";
    const RunResult result = run_proxy({"--print-config", "--remote-host", "127.0.0.1:9"},
                                       {{"OLLAMA_PROXY_REMOTE_API_KEY", secret}});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out.find(secret), std::string::npos) << result.out;
    EXPECT_FALSE(nlohmann::json::parse(result.out, nullptr, false).is_discarded()) << result.out;
}

}  // namespace
}  // namespace it
