// Passthrough: what the client gets through the proxy is what the fake Ollama answers directly,
// and what reaches the fake is what the client asked for.
#include "support/proxy_fixture.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

namespace it {
namespace {

// Response fields other than the hop-by-hop ones, as "name: value" lines with lowercase names.
// The remote's end-to-end fields; the proxy adds only its request id, which lets a caller find
// the exchange in the proxy's log.
std::vector<std::string> end_to_end_fields(const Response& r) {
    std::vector<std::string> fields;
    for (const auto& [name, value] : r.head.headers) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (lower != "connection" && lower != "keep-alive" && lower != "x-request-id")
            fields.push_back(lower + ": " + value);
    }
    return fields;
}

class Passthrough : public ProxyAndFake {
  protected:
    // The same request sent straight to the fake and through the proxy.
    static void expect_same_as_direct(const std::string& raw) {
        const Response direct = fetch(fake_->port(), raw);
        const Response proxied = fetch(proxy_->port(), raw);
        EXPECT_EQ(proxied.status(), direct.status());
        EXPECT_EQ(proxied.head.reason, direct.head.reason);
        EXPECT_EQ(end_to_end_fields(proxied), end_to_end_fields(direct))
            << "proxied:\n"
            << proxied.head.raw << "direct:\n"
            << direct.head.raw;
        EXPECT_EQ(proxied.body, direct.body);
        EXPECT_EQ(proxied.end, BodyEnd::clean);
        EXPECT_EQ(proxied.header("x-request-id").value_or("").size(), 20u) << proxied.head.raw;
    }
};

TEST_F(Passthrough, GetTagsIsByteIdenticalToTheRemote) {
    expect_same_as_direct(make_request("GET", "/api/tags"));
    const Response r = fetch(proxy_->port(), make_request("GET", "/api/tags"));
    ASSERT_EQ(r.status(), 200);
    EXPECT_NE(r.body.find("llama3.2:latest"), std::string::npos);
}

TEST_F(Passthrough, GetRootIsByteIdenticalToTheRemote) {
    expect_same_as_direct(make_request("GET", "/"));
    EXPECT_EQ(fetch(proxy_->port(), make_request("GET", "/")).body, "Ollama is running");
}

TEST_F(Passthrough, HeadTagsHasNoBodyAndKeepsTheConnectionUsable) {
    const Response get = fetch(fake_->port(), make_request("GET", "/api/tags"));
    Connection connection = Connection::open(proxy_->port());
    const Response head = connection.exchange(make_request("HEAD", "/api/tags"));
    EXPECT_EQ(head.status(), 200);
    ASSERT_TRUE(head.header("content-length").has_value()) << head.head.raw;
    EXPECT_EQ(*head.header("content-length"), std::to_string(get.body.size()));
    EXPECT_EQ(head.header("content-type"), get.header("content-type"));
    EXPECT_EQ(head.body, "");

    // Any stray body bytes after the HEAD reply would corrupt this second response.
    const Response next = connection.exchange(make_request("GET", "/api/tags"));
    EXPECT_EQ(next.status(), 200);
    EXPECT_EQ(next.body, get.body);
}

TEST_F(Passthrough, PostShowIsByteIdenticalToTheRemote) {
    expect_same_as_direct(make_request("POST", "/api/show", {{"Content-Type", "application/json"}},
                                       R"({"model":"llama3.2:latest"})"));
}

TEST_F(Passthrough, PostShowOfAnUnknownModelKeepsTheRemoteError) {
    const std::string raw = make_request("POST", "/api/show", {}, R"({"model":"nope:1b"})");
    expect_same_as_direct(raw);
    EXPECT_EQ(fetch(proxy_->port(), raw).status(), 404);
}

TEST_F(Passthrough, DeleteWithAJsonBodyIsByteIdenticalToTheRemote) {
    const std::string raw =
        make_request("DELETE", "/api/delete", {{"Content-Type", "application/json"}},
                     R"({"model":"llama3.2:latest"})");
    expect_same_as_direct(raw);
    fake_->clear();
    const Response r = fetch(proxy_->port(), raw);
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.body, "");
    const auto seen = fake_->last_request("/api/delete");
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ((*seen)["method"], "DELETE");
    EXPECT_EQ((*seen)["body"], R"({"model":"llama3.2:latest"})");
}

TEST_F(Passthrough, UnknownPathGetsTheRemotes404Text) {
    const std::string raw = make_request("GET", "/api/no-such-endpoint");
    expect_same_as_direct(raw);
    const Response r = fetch(proxy_->port(), raw);
    EXPECT_EQ(r.status(), 404);
    EXPECT_EQ(r.body, "404 page not found");
}

TEST_F(Passthrough, WrongMethodGetsTheRemotes405) {
    const std::string raw = make_request("GET", "/api/chat");
    expect_same_as_direct(raw);
    EXPECT_EQ(fetch(proxy_->port(), raw).status(), 405);
}

TEST_F(Passthrough, ChunkedRequestBodyReachesTheRemoteIntact) {
    fake_->clear();
    const std::string body = R"({"model":"llama3.2:latest"})";
    const auto chunk = [](std::string_view data) {
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", data.size());
        return size + std::string(data) + "\r\n";
    };
    const std::string raw = make_request("POST", "/api/show", {{"Transfer-Encoding", "chunked"}}) +
                            chunk(std::string_view(body).substr(0, 5)) +
                            chunk(std::string_view(body).substr(5)) + "0\r\n\r\n";
    const Response r = fetch(proxy_->port(), raw);
    EXPECT_EQ(r.status(), 200) << r.body;
    const auto seen = fake_->last_request("/api/show");
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ((*seen)["body"], body);
    EXPECT_EQ((*seen)["body_bytes"], body.size());
}

TEST_F(Passthrough, MethodTargetAndQueryReachTheRemoteUnchanged) {
    fake_->clear();
    const std::string target = "/api/tags?x=1&y=%2F";
    ASSERT_EQ(fetch(proxy_->port(), make_request("GET", target)).status(), 200);
    const nlohmann::json seen = fake_->requests();
    ASSERT_EQ(seen.size(), 1u) << seen.dump();
    EXPECT_EQ(seen[0]["method"], "GET");
    EXPECT_EQ(seen[0]["target"], target);
}

TEST_F(Passthrough, RequestBodyReachesTheRemoteUnchanged) {
    fake_->clear();
    const std::string body = R"({"model":"llama3.2:latest","verbose":true,"x":"é ✓"})";
    ASSERT_EQ(fetch(proxy_->port(), make_request("POST", "/api/show", {}, body)).status(), 200);
    const auto seen = fake_->last_request("/api/show");
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ((*seen)["body"], body);
    EXPECT_EQ((*seen)["body_bytes"], body.size());
}

TEST_F(Passthrough, HostFieldIsRewrittenToTheRemote) {
    fake_->clear();
    const Response r =
        fetch(proxy_->port(), make_request("GET", "/api/version", {{"Host", "evil.example"}}));
    ASSERT_EQ(r.status(), 200);
    const auto seen = fake_->last_request("/api/version");
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(seen->at("headers").value("host", ""), fake_->address());
}

}  // namespace
}  // namespace it
