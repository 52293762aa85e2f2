// Connection reuse: client keep-alive, the upstream connection pool, and HTTP/1.0 clients.
#include "support/proxy_fixture.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

namespace it {
namespace {

const std::string kChat =
    R"({"model":"llama3.2:latest","messages":[{"role":"user","content":"one two three"}]})";

class KeepAlive : public ProxyAndFake {};

TEST_F(KeepAlive, SequentialRequestsShareOneClientConnectionAndPooledUpstreams) {
    const std::string tags = fetch(fake_->port(), make_request("GET", "/api/tags")).body;
    const auto accepted_before = fake_->stats()["connections_accepted"].get<std::uint64_t>();

    Connection connection = Connection::open(proxy_->port());
    for (int i = 0; i < 50; ++i) {
        SCOPED_TRACE("request " + std::to_string(i));
        const std::string raw =
            i % 2 == 0 ? make_request("GET", "/api/tags")
                       : make_request("POST", "/api/chat", {{"x-fake-interval-ms", "0"}}, kChat);
        const Response r = connection.exchange(raw, scaled(30s));
        ASSERT_EQ(r.status(), 200) << r.body;
        ASSERT_EQ(r.end, BodyEnd::clean);
        if (i % 2 == 0) {
            ASSERT_EQ(r.body, tags);
        }
        ASSERT_NE(r.header("connection").value_or(""), "close");
    }
    // Control requests (/_fake/stats itself) open a connection each; two of them bracket this.
    const auto accepted =
        fake_->stats()["connections_accepted"].get<std::uint64_t>() - accepted_before;
    EXPECT_LE(accepted, 6u) << "the proxy opened a new upstream connection for most requests";
}

TEST_F(KeepAlive, PipelinedRequestsAreAnsweredInOrder) {
    const std::string version = fetch(fake_->port(), make_request("GET", "/api/version")).body;
    const std::string tags = fetch(fake_->port(), make_request("GET", "/api/tags")).body;
    Connection connection = Connection::open(proxy_->port());
    connection.send(make_request("GET", "/api/version") + make_request("GET", "/api/tags") +
                    make_request("GET", "/api/version"));
    for (const std::string* expected : {&version, &tags, &version}) {
        const Response r = connection.read_response(false, scaled(30s));
        EXPECT_EQ(r.status(), 200);
        EXPECT_EQ(r.body, *expected);
    }
}

TEST_F(KeepAlive, IdleClientConnectionIsClosedAfterTheKeepAliveTimeout) {
    auto proxy = Proxy::start_for(*fake_, {"--keepalive-timeout", "0.5"});
    Connection connection = Connection::open(proxy->port());
    ASSERT_EQ(connection.exchange(make_request("GET", "/api/tags")).status(), 200);
    const auto idle_since = Clock::now();
    EXPECT_TRUE(connection.wait_closed(scaled(10s)));
    const auto idle = Clock::now() - idle_since;
    EXPECT_GE(idle, 400ms);
    EXPECT_LT(idle, scaled(3s)) << "the keep-alive timeout of 0.5 s was ignored";
}

TEST_F(KeepAlive, ConnectionCloseFromTheClientIsHonoured) {
    Connection connection = Connection::open(proxy_->port());
    const Response r = connection.exchange(
        make_request("GET", "/api/tags", {{"Connection", "close"}}), scaled(30s));
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.header("connection").value_or(""), "close");
    EXPECT_TRUE(connection.wait_closed(scaled(5s)));
}

TEST_F(KeepAlive, Http10RequestWithoutKeepAliveGetsAnAnswerAndAClose) {
    Connection connection = Connection::open(proxy_->port());
    connection.send("GET /api/tags HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    const Response r = connection.read_response(false, scaled(30s));
    EXPECT_EQ(r.status(), 200);
    EXPECT_NE(r.body.find("llama3.2:latest"), std::string::npos);
    EXPECT_TRUE(connection.wait_closed(scaled(5s))) << "the proxy kept an HTTP/1.0 connection";
}

TEST_F(KeepAlive, ChunkedUpstreamResponseReachesAnHttp10ClientUnchunkedUntilClose) {
    const std::string body = kChat;
    const Response direct = fetch(
        fake_->port(), make_request("POST", "/api/chat", {{"x-fake-interval-ms", "0"}}, body));
    ASSERT_TRUE(direct.chunked);

    Connection connection = Connection::open(proxy_->port());
    connection.send(
        "POST /api/chat HTTP/1.0\r\nHost: 127.0.0.1\r\nx-fake-interval-ms: 0\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    const Response r = connection.read_response(false, scaled(30s));
    EXPECT_EQ(r.status(), 200);
    EXPECT_FALSE(r.head.has("transfer-encoding")) << r.head.raw;
    EXPECT_FALSE(r.head.has("content-length")) << r.head.raw;
    EXPECT_EQ(r.end, BodyEnd::clean);  // delimited by the close
    EXPECT_EQ(r.body, direct.body);
}

TEST_F(KeepAlive, Http10KeepAliveRequestIsAnsweredWithFraming) {
    Connection connection = Connection::open(proxy_->port());
    const std::string raw =
        "GET /api/version HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n";
    const Response first = connection.exchange(raw, scaled(30s));
    EXPECT_EQ(first.status(), 200);
    EXPECT_EQ(first.json()["version"], "0.33.0-fake");
    // A proxy that promises to keep the connection must serve the next request on it; otherwise
    // it must close.
    if (first.header("connection").value_or("") == "keep-alive") {
        EXPECT_TRUE(first.header("content-length").has_value()) << first.head.raw;
        EXPECT_EQ(connection.exchange(raw, scaled(30s)).status(), 200);
    } else {
        EXPECT_TRUE(connection.wait_closed(scaled(5s)));
    }
}

}  // namespace
}  // namespace it
