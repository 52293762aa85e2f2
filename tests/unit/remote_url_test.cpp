#include "ollama_proxy/remote_url.hpp"

#include <gtest/gtest.h>

namespace ollama_proxy {
namespace {

RemoteHost parsed(std::string_view text) {
    auto result = parse_remote_host(text);
    EXPECT_TRUE(result.ok()) << text << ": " << result.error;
    return result.value.value_or(RemoteHost{});
}

std::string refusal(std::string_view text) {
    auto result = parse_remote_host(text);
    EXPECT_FALSE(result.ok()) << text << " was accepted";
    return result.error;
}

TEST(RemoteHost, BareName) {
    const RemoteHost remote = parsed("server");
    EXPECT_EQ(remote.host, "server");
    EXPECT_FALSE(remote.protocol);
    EXPECT_FALSE(remote.port);
    EXPECT_FALSE(remote.base_path);
}

TEST(RemoteHost, NameWithPort) {
    const RemoteHost remote = parsed("server:8080");
    EXPECT_EQ(remote.host, "server");
    EXPECT_EQ(remote.port, 8080);
    EXPECT_FALSE(remote.protocol);
}

TEST(RemoteHost, Ipv4WithPort) {
    const RemoteHost remote = parsed("10.0.0.5:11434");
    EXPECT_EQ(remote.host, "10.0.0.5");
    EXPECT_EQ(remote.port, 11434);
}

TEST(RemoteHost, BracketedIpv6WithPort) {
    const RemoteHost remote = parsed("[::1]:11434");
    EXPECT_EQ(remote.host, "::1");
    EXPECT_EQ(remote.port, 11434);
}

TEST(RemoteHost, BracketedIpv6WithoutPort) {
    const RemoteHost remote = parsed("[fe80::1]");
    EXPECT_EQ(remote.host, "fe80::1");
    EXPECT_FALSE(remote.port);
}

TEST(RemoteHost, BareIpv6IsAnAddressWithoutPort) {
    const RemoteHost remote = parsed("::1");
    EXPECT_EQ(remote.host, "::1");
    EXPECT_FALSE(remote.port);
}

TEST(RemoteHost, HttpUrlStatesOnlyItsScheme) {
    const RemoteHost remote = parsed("http://server");
    EXPECT_EQ(remote.protocol, "http");
    EXPECT_EQ(remote.host, "server");
    EXPECT_FALSE(remote.port);  // the caller applies the scheme's default
    EXPECT_FALSE(remote.base_path);
}

TEST(RemoteHost, HttpsUrlWithPortAndPath) {
    const RemoteHost remote = parsed("https://gpu.example.com:8443/ollama");
    EXPECT_EQ(remote.protocol, "https");
    EXPECT_EQ(remote.host, "gpu.example.com");
    EXPECT_EQ(remote.port, 8443);
    EXPECT_EQ(remote.base_path, "/ollama");
}

TEST(RemoteHost, UrlWithRootPath) {
    const RemoteHost remote = parsed("https://host/");
    EXPECT_EQ(remote.protocol, "https");
    EXPECT_EQ(remote.host, "host");
    EXPECT_EQ(remote.base_path, "/");
}

TEST(RemoteHost, UrlPathIsNormalised) {
    EXPECT_EQ(parsed("http://h/a/b/").base_path, "/a/b");
}

TEST(RemoteHost, SchemeIsCaseInsensitive) {
    EXPECT_EQ(parsed("HTTPS://h").protocol, "https");
}

TEST(RemoteHost, UrlWithBracketedIpv6) {
    const RemoteHost remote = parsed("http://[::1]:9000/x");
    EXPECT_EQ(remote.host, "::1");
    EXPECT_EQ(remote.port, 9000);
    EXPECT_EQ(remote.base_path, "/x");
}

TEST(RemoteHost, RefusesEmpty) {
    EXPECT_NE(refusal("").find("empty"), std::string::npos);
}

TEST(RemoteHost, RefusesCredentialsWithoutEchoingThem) {
    for (const char* text : {"user:hunter2@host", "https://user:hunter2@host:8443/x"}) {
        const std::string error = refusal(text);
        EXPECT_NE(error.find("remote.apiKey"), std::string::npos) << error;
        EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
    }
}

TEST(RemoteHost, RefusesQueryAndFragment) {
    EXPECT_NE(refusal("http://h/x?y=1").find("query"), std::string::npos);
    EXPECT_NE(refusal("http://h/x#top").find("fragment"), std::string::npos);
}

TEST(RemoteHost, RefusesOtherSchemes) {
    const std::string error = refusal("ftp://host");
    EXPECT_NE(error.find("\"ftp\""), std::string::npos) << error;
    EXPECT_NE(error.find("http, https"), std::string::npos) << error;
}

TEST(RemoteHost, RefusesBadPorts) {
    EXPECT_NE(refusal("host:0").find("1-65535"), std::string::npos);
    EXPECT_NE(refusal("host:65536").find("1-65535"), std::string::npos);
    EXPECT_NE(refusal("host:99999999999999999999").find("1-65535"), std::string::npos);
    EXPECT_NE(refusal("host:http").find("not a number"), std::string::npos);
    EXPECT_NE(refusal("host:").find("empty port"), std::string::npos);
    EXPECT_NE(refusal("https://host:0/").find("1-65535"), std::string::npos);
    EXPECT_NE(refusal("[::1]:x").find("not a number"), std::string::npos);
}

TEST(RemoteHost, RefusesSpacesAndControlCharacters) {
    EXPECT_NE(refusal("my host").find("whitespace"), std::string::npos);
    EXPECT_NE(refusal("host\t").find("whitespace"), std::string::npos);
    EXPECT_NE(refusal(std::string("ho\x01st")).find("control"), std::string::npos);
}

TEST(RemoteHost, RefusesEmptyHost) {
    EXPECT_NE(refusal("http://").find("empty host"), std::string::npos);
    EXPECT_NE(refusal("http://:8080").find("empty host"), std::string::npos);
    EXPECT_NE(refusal(":8080").find("empty host"), std::string::npos);
    EXPECT_NE(refusal("http:///x").find("empty host"), std::string::npos);
}

TEST(RemoteHost, RefusesMalformedAddresses) {
    refusal("[::1");
    refusal("[]:80");
    refusal("[host]:80");
    refusal("[::1]x");
    refusal("http://::1");  // a URL needs brackets around IPv6
    refusal("::g");
    refusal("ho$t");
}

TEST(RemoteHost, RefusesPathWithoutScheme) {
    const std::string error = refusal("server/ollama");
    EXPECT_NE(error.find("http://server/ollama"), std::string::npos) << error;
}

TEST(RemoteHost, RefusesBadUrlPath) {
    EXPECT_NE(refusal("http://h/a/../b").find(".."), std::string::npos);
}

TEST(BasePath, Normalises) {
    EXPECT_EQ(normalize_base_path("").value, "/");
    EXPECT_EQ(normalize_base_path("/").value, "/");
    EXPECT_EQ(normalize_base_path("//").value, "/");
    EXPECT_EQ(normalize_base_path("ollama").value, "/ollama");
    EXPECT_EQ(normalize_base_path("/ollama/").value, "/ollama");
    EXPECT_EQ(normalize_base_path("/a/b").value, "/a/b");
    EXPECT_EQ(normalize_base_path("/a.b/..c").value, "/a.b/..c");
}

TEST(BasePath, Refuses) {
    for (const char* text : {"/a/./b", "/a/..", "..", "/%2e%2E/x", "/a//b", "/a?b", "/a#b", "/a b",
                             "/a\\b", "/caf\xc3\xa9", "/a\x7f"}) {
        EXPECT_FALSE(normalize_base_path(text).ok()) << text;
        EXPECT_FALSE(normalize_base_path(text).error.empty()) << text;
    }
}

TEST(DefaultPort, FollowsScheme) {
    EXPECT_EQ(default_port("http"), 80);
    EXPECT_EQ(default_port("https"), 443);
}

}  // namespace
}  // namespace ollama_proxy
