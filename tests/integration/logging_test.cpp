// Log output options: --log-format json writes one JSON object per line, access records with
// one member per field (the id matching the response's x-request-id); --log-file writes to a
// file rotated by size and keeps a bounded number of old ones; an unwritable file is refused.
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace it {
namespace {

namespace fs = std::filesystem;

TEST(Logging, JsonFormatGivesOneObjectPerLineAndAccessFieldsAsMembers) {
    auto fake = FakeOllama::start();
    auto proxy = Proxy::start_for(*fake, {"--log-format", "json"});
    const Response r = fetch(proxy->port(), make_request("GET", "/api/tags?x=\"quoted\""));
    ASSERT_EQ(r.status(), 200);
    const std::string id = r.header("x-request-id").value_or("");
    std::optional<nlohmann::json> access;
    wait_until(
        [&] {
            for (const std::string& line : non_empty_lines(proxy->log())) {
                const auto record = nlohmann::json::parse(line, nullptr, false);
                if (record.is_object() && record.value("id", "") == id) access = record;
            }
            return access.has_value();
        },
        scaled(5s));
    ASSERT_TRUE(access) << proxy->log();
    EXPECT_EQ((*access)["event"], "access");
    EXPECT_EQ((*access)["status"], 200);
    EXPECT_EQ((*access)["method"], "GET");
    EXPECT_EQ((*access)["path"], "/api/tags");
    EXPECT_TRUE((*access)["ms"].is_number());
    EXPECT_TRUE((*access)["key"].is_null());
    EXPECT_EQ((*access)["level"], "info");
    EXPECT_EQ((*access)["time"].get<std::string>().size(), 24u) << *access;
    for (const std::string& line : non_empty_lines(proxy->log())) {
        const auto record = nlohmann::json::parse(line, nullptr, false);
        ASSERT_TRUE(record.is_object()) << line;
        EXPECT_TRUE(record.contains("msg") || record.contains("event")) << line;
    }
}

TEST(Logging, AFileLogIsRotatedBySizeAndKeepsABoundedNumberOfFiles) {
    auto fake = FakeOllama::start();
    TempDir dir;
    const std::string file = (dir.path() / "proxy.log").string();
    const std::uint16_t port = unused_port();
    Process proxy =
        Process::spawn(OLLAMA_PROXY_BIN,
                       {"--remote-host", fake->address(), "--port", std::to_string(port),
                        "--log-file", file, "--log-max-size", "4096", "--log-max-files", "2"},
                       {(dir.path() / "stderr.log").string(), {}, {}});
    ASSERT_TRUE(wait_until([&] { return serves_tags(port); }, scaled(10s)));
    for (int i = 0; i < 150; ++i)
        ASSERT_EQ(fetch(port, make_request("GET", "/api/version")).status(), 200);
    proxy.signal(SIGTERM);
    ASSERT_EQ(proxy.wait_exit(scaled(10s)), 0);

    EXPECT_TRUE(fs::exists(file));
    EXPECT_TRUE(fs::exists(dir.path() / "proxy.1.log"));
    EXPECT_TRUE(fs::exists(dir.path() / "proxy.2.log"));
    EXPECT_FALSE(fs::exists(dir.path() / "proxy.3.log"));
    for (const char* name : {"proxy.log", "proxy.1.log", "proxy.2.log"})
        EXPECT_LE(fs::file_size(dir.path() / name), 4096u + 512u) << name;
    EXPECT_NE(read_file(file).find("stopped"), std::string::npos);
    EXPECT_EQ(read_file((dir.path() / "stderr.log").string()).find("access"), std::string::npos)
        << "the log went to stderr too";
}

TEST(Logging, AnUnwritableLogFileIsRefusedAtStartUp) {
    const RunResult result =
        run_proxy({"--remote-host", "gpu-box", "--log-file", "/proc/no-such-dir/proxy.log"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("log.file"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace it
