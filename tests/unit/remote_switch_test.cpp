// Switching the remote at run time: what a request may say, and how the config file is
// rewritten and replaced.
#include "ollama_proxy/remote_switch.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace ollama_proxy {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

RemoteConfig current() {
    RemoteConfig remote;
    remote.protocol = "https";
    remote.host = "old.example";
    remote.port = 8443;
    remote.base_path = "/ollama";
    remote.api_key = "sk-current";
    remote.ca_file = "/etc/ca.pem";
    return remote;
}

RemoteSwitchRequest accepted(std::string_view body) {
    auto parsed = parse_remote_switch(body, current());
    EXPECT_TRUE(parsed.ok()) << body << ": " << parsed.error;
    return parsed.ok() ? *parsed.value : RemoteSwitchRequest{};
}

std::string refusal(std::string_view body) {
    auto parsed = parse_remote_switch(body, current());
    EXPECT_FALSE(parsed.ok()) << body;
    return parsed.error;
}

TEST(RemoteSwitchRequest, AUrlSetsEveryPartAndKeepsTheKeyAndTlsOptions) {
    const auto request = accepted(R"({"url": "http://gpu:9000/base/"})");
    EXPECT_EQ(request.remote.protocol, "http");
    EXPECT_EQ(request.remote.host, "gpu");
    EXPECT_EQ(request.remote.port, 9000);
    EXPECT_EQ(request.remote.base_path, "/base");
    EXPECT_EQ(request.key_change, ApiKeyChange::keep);
    EXPECT_EQ(request.remote.api_key, "sk-current");
    EXPECT_EQ(request.remote.ca_file, "/etc/ca.pem");
}

TEST(RemoteSwitchRequest, PortsAndPathsNotNamedAreDefaultsNotTheOldRemotes) {
    const auto https = accepted(R"({"url": "https://gpu.example"})");
    EXPECT_EQ(https.remote.port, 443);
    EXPECT_EQ(https.remote.base_path, "/");
    const auto bare = accepted(R"({"url": "gpu"})");
    EXPECT_EQ(bare.remote.protocol, "http");
    EXPECT_EQ(bare.remote.port, 11434);
    const auto v6 = accepted(R"({"url": "[::1]:12000"})");
    EXPECT_EQ(v6.remote.host, "::1");
    EXPECT_EQ(v6.remote.port, 12000);
}

TEST(RemoteSwitchRequest, TheKeyIsSetOrCleared) {
    const auto set = accepted(R"({"url": "gpu", "apiKey": "sk-new"})");
    EXPECT_EQ(set.key_change, ApiKeyChange::set);
    EXPECT_EQ(set.remote.api_key, "sk-new");
    for (const char* body :
         {R"({"url": "gpu", "apiKey": ""})", R"({"url": "gpu", "apiKey": null})"}) {
        const auto cleared = accepted(body);
        EXPECT_EQ(cleared.key_change, ApiKeyChange::clear) << body;
        EXPECT_EQ(cleared.remote.api_key, "") << body;
    }
}

TEST(RemoteSwitchRequest, BadRequestsSayWhatIsWrong) {
    EXPECT_NE(refusal("not json").find("JSON object"), std::string::npos);
    EXPECT_NE(refusal("[1]").find("JSON object"), std::string::npos);
    EXPECT_NE(refusal("{}").find("url"), std::string::npos);
    EXPECT_NE(refusal(R"({"url": ""})").find("url"), std::string::npos);
    EXPECT_NE(refusal(R"({"url": 5})").find("url"), std::string::npos);
    EXPECT_NE(refusal(R"({"url": "ftp://gpu"})").find("url: "), std::string::npos);
    EXPECT_NE(refusal(R"({"url": "http://gpu:99999"})").find("port"), std::string::npos);
    EXPECT_NE(refusal(R"({"url": "http://u:p@gpu"})").find("credentials"), std::string::npos);
    EXPECT_NE(refusal(R"({"url": "gpu", "apiKey": 7})").find("apiKey"), std::string::npos);
    EXPECT_NE(refusal(R"({"url": "gpu", "host": "x"})").find("unknown member \"host\""),
              std::string::npos);
}

TEST(ConfigWithRemote, RewritesTheRemoteAndKeepsEverythingElseInOrder) {
    const auto request = accepted(R"({"url": "http://new:1234"})");
    const auto text = config_with_remote(R"({"server": {"port": 9}, "remote": {"host": "old",
        "caFile": "/etc/ca.pem", "apiKey": "sk-file"}, "log": {"level": "debug"}})",
                                         request);
    ASSERT_TRUE(text.ok()) << text.error;
    const json doc = json::parse(*text.value);
    EXPECT_EQ(doc["server"]["port"], 9);
    EXPECT_EQ(doc["log"]["level"], "debug");
    EXPECT_EQ(doc["remote"]["host"], "new");
    EXPECT_EQ(doc["remote"]["port"], 1234);
    EXPECT_EQ(doc["remote"]["protocol"], "http");
    EXPECT_EQ(doc["remote"]["basePath"], "/");
    EXPECT_EQ(doc["remote"]["caFile"], "/etc/ca.pem");
    EXPECT_EQ(doc["remote"]["apiKey"], "sk-file");  // the request left the key alone
    EXPECT_LT(text.value->find("\"server\""), text.value->find("\"remote\""));
    EXPECT_LT(text.value->find("\"remote\""), text.value->find("\"log\""));
}

TEST(ConfigWithRemote, FlatSpellingsOfWhatChangesGoAndTheKeyFollowsTheRequest) {
    const auto cleared = accepted(R"({"url": "new", "apiKey": null})");
    const auto text = config_with_remote(
        R"({"remote.host": "old", "remote.port": 1, "remote.apiKey": "sk", "remote.insecure": true})",
        cleared);
    ASSERT_TRUE(text.ok()) << text.error;
    const json doc = json::parse(*text.value);
    EXPECT_FALSE(doc.contains("remote.host"));
    EXPECT_FALSE(doc.contains("remote.port"));
    EXPECT_FALSE(doc.contains("remote.apiKey"));
    EXPECT_TRUE(doc["remote.insecure"].get<bool>());
    EXPECT_FALSE(doc["remote"].contains("apiKey"));

    const auto set = accepted(R"({"url": "new", "apiKey": "sk-2"})");
    const auto with_key = config_with_remote("{}", set);
    ASSERT_TRUE(with_key.ok());
    EXPECT_EQ(json::parse(*with_key.value)["remote"]["apiKey"], "sk-2");
}

TEST(ConfigWithRemote, RefusesAFileThatIsNoLongerAnObject) {
    const auto request = accepted(R"({"url": "new"})");
    EXPECT_FALSE(config_with_remote("[]", request).ok());
    EXPECT_FALSE(config_with_remote("{", request).ok());
    EXPECT_FALSE(config_with_remote(R"({"remote": 5})", request).ok());
}

class AtomicWrite : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("remote-switch-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    static std::string read(const fs::path& path) {
        std::ifstream in(path);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }
    std::size_t entries() const {
        return static_cast<std::size_t>(
            std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}));
    }

    fs::path dir_;
};

TEST_F(AtomicWrite, ReplacesTheFileAndKeepsItsMode) {
    const fs::path file = dir_ / "config.json";
    std::ofstream(file) << "old";
    ::chmod(file.c_str(), 0640);
    EXPECT_EQ(write_file_atomically(file.string(), "new\n"), std::nullopt);
    EXPECT_EQ(read(file), "new\n");
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0640u);
    EXPECT_EQ(entries(), 1u);  // no temporary file left behind
}

TEST_F(AtomicWrite, ThroughASymlinkTheTargetIsReplacedAndTheLinkStays) {
    const fs::path real = dir_ / "real.json";
    const fs::path link = dir_ / "link.json";
    std::ofstream(real) << "old";
    fs::create_symlink(real, link);
    EXPECT_EQ(write_file_atomically(link.string(), "new"), std::nullopt);
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(read(real), "new");
}

TEST_F(AtomicWrite, AFileThatCannotBeWrittenIsReportedWithItsPath) {
    const fs::path file = dir_ / "gone" / "config.json";
    const auto problem = write_file_atomically(file.string(), "new");
    ASSERT_TRUE(problem.has_value());
    EXPECT_NE(problem->find((dir_ / "gone").string()), std::string::npos) << *problem;
    EXPECT_EQ(entries(), 0u);
}

TEST_F(AtomicWrite, SaveRemoteRewritesTheFileOrSaysWhyNot) {
    const fs::path file = dir_ / "config.json";
    std::ofstream(file) << R"({"log": {"level": "debug"}, "remote": {"host": "old"}})";
    const auto request = accepted(R"({"url": "http://new:1234"})");
    EXPECT_EQ(save_remote(file.string(), request), std::nullopt);
    const json saved = json::parse(read(file));
    EXPECT_EQ(saved["remote"]["host"], "new");
    EXPECT_EQ(saved["log"]["level"], "debug");

    const auto missing = save_remote((dir_ / "gone.json").string(), request);
    ASSERT_TRUE(missing.has_value());
    EXPECT_NE(missing->find("cannot read"), std::string::npos) << *missing;
    std::ofstream(file, std::ios::trunc) << "[]";
    const auto not_object = save_remote(file.string(), request);
    ASSERT_TRUE(not_object.has_value());
    EXPECT_EQ(read(file), "[]");
}

}  // namespace
}  // namespace ollama_proxy
