// The OpenAI exchange as a connection-level citizen: a client hang-up aborts the native request,
// one client connection carries mixed /v1 requests over pooled upstream connections, HTTP/1.0
// streams end with the connection, and the access log names the request without its body.
#include "support/openai_support.hpp"
#include "support/proxy_fixture.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

namespace it {
namespace {

// ---- cancellation ---------------------------------------------------------------------------

class OpenAICancellation : public OpenAISuite<OpenAICancellation> {
  public:  // read by OpenAISuite
    // Paced lines, so that a stream is still running when the client leaves. Client headers
    // are not forwarded on /v1, so the pace is the fake's default.
    static std::vector<std::string> fake_args() { return {"--interval-ms", "150"}; }
    static std::vector<std::string> proxy_args() { return {"--log-level", "info"}; }

  protected:
    // Polls the fake until its one /api/chat request is recorded as aborted; returns how long
    // after `since` that was seen.
    static std::optional<Millis> wait_aborted(Clock::time_point since) {
        std::string outcome;
        const bool aborted = wait_until(
            [&] {
                const auto native = requests_to(*fake_, "/api/chat");
                outcome = native.empty() ? "(no request)" : native.back().value("outcome", "");
                return outcome == "aborted";
            },
            scaled(2s), 20ms);
        if (!aborted) {
            ADD_FAILURE() << "the remote kept working for a client that had left; outcome: "
                          << outcome;
            return std::nullopt;
        }
        return std::chrono::duration_cast<Millis>(Clock::now() - since);
    }

    // Starts a /v1 chat stream, reads its first event, hangs up; returns the request id.
    static std::string hang_up_after_first_event(const std::string& content) {
        Connection connection = Connection::open(proxy_->port());
        connection.send(v1_chat_request(v1_chat_body(content, true)));
        const ResponseHead head = connection.read_head(scaled(10s));
        EXPECT_EQ(head.status, 200) << head.raw;
        BodyReader reader(connection, head, false);
        EXPECT_TRUE(reader.read_until(
            [](const std::string& body) { return body.find("\n\n") != std::string::npos; },
            scaled(10s)))
            << reader.body();
        EXPECT_FALSE(reader.finished()) << "the stream ended before the hang-up";
        EXPECT_EQ(reader.body().find("[DONE]"), std::string::npos);
        connection.close();
        return head.header("x-request-id").value_or("");
    }

    // The access-log line of a request the client left: status 499, outcome client-gone.
    static void expect_logged_as_client_gone(const std::string& request_id) {
        const auto line = wait_access_line(*proxy_, request_id, scaled(2s));
        ASSERT_TRUE(line.has_value()) << "no access-log line for " << request_id;
        EXPECT_NE(line->find(" status=499 "), std::string::npos) << *line;
        EXPECT_NE(line->find(" outcome=client-gone"), std::string::npos) << *line;
    }
};

TEST_F(OpenAICancellation, HangUpDuringAStalledStreamAbortsTheUpstreamRequest) {
    arm_fault(*fake_, "stall-after=1");
    const std::string id = hang_up_after_first_event("one two three four five");
    const auto delay = wait_aborted(Clock::now());
    ASSERT_TRUE(delay.has_value());
    EXPECT_LT(*delay, scaled(1500ms));
    expect_logged_as_client_gone(id);
}

TEST_F(OpenAICancellation, HangUpDuringAPacedStreamAbortsTheUpstreamRequest) {
    // 40 words at 150 ms a line: six seconds of stream if nobody stopped it.
    std::string content;
    for (int i = 0; i < 40; ++i)
        content += (i == 0 ? "" : " ") + std::string("word");
    hang_up_after_first_event(content);
    const auto delay = wait_aborted(Clock::now());
    ASSERT_TRUE(delay.has_value());
    EXPECT_LT(*delay, scaled(1500ms));
}

TEST_F(OpenAICancellation, HangUpBeforeTheRemoteHeadAbortsTheUpstreamRequest) {
    for (const bool stream : {true, false}) {
        SCOPED_TRACE(stream ? "stream" : "no stream");
        fake_->clear();
        arm_fault(*fake_, "slow-head=5000");
        Connection connection = Connection::open(proxy_->port());
        connection.send(v1_chat_request(v1_chat_body("wait for it", stream)));
        ASSERT_TRUE(
            wait_until([] { return !requests_to(*fake_, "/api/chat").empty(); }, scaled(3s)))
            << "the native request never reached the remote";
        connection.close();
        const auto delay = wait_aborted(Clock::now());
        ASSERT_TRUE(delay.has_value());
        EXPECT_LT(*delay, scaled(1500ms));
        // Noticed during the 5 s wait before the head, not after answering.
        const auto native = requests_to(*fake_, "/api/chat");
        ASSERT_EQ(native.size(), 1u);
        ASSERT_TRUE(native[0]["abort_ms"].is_number()) << native[0].dump();
        EXPECT_LT(native[0]["abort_ms"].get<double>(), 5000.0) << native[0].dump();
    }
}

// ---- keep-alive -----------------------------------------------------------------------------

TEST(OpenAIKeepAlive, MixedRequestsShareOneClientConnectionAndPooledUpstreams) {
    // A fresh fake: its connection counters start from zero.
    auto fake = FakeOllama::start();
    auto proxy = Proxy::start_for(*fake);
    const std::vector<std::pair<std::string, std::string>> requests{
        {"chat", v1_chat_request(v1_chat_body("first", false))},
        {"stream", v1_chat_request(v1_chat_body("second", true))},
        {"models", make_request("GET", "/v1/models")},
        {"chat", v1_chat_request(v1_chat_body("third", false))},
        {"stream", v1_chat_request(v1_chat_body("fourth", true))},
        {"model", make_request("GET", "/v1/models/llama3.2:latest")},
        {"stream", v1_chat_request(v1_chat_body("fifth", true))},
    };
    Connection connection = Connection::open(proxy->port());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const auto& [kind, raw] = requests[i];
        SCOPED_TRACE("request " + std::to_string(i) + " (" + kind + ")");
        const Response r = connection.exchange(raw, scaled(30s));
        ASSERT_EQ(r.status(), 200) << r.body;
        ASSERT_EQ(r.end, BodyEnd::clean);
        EXPECT_NE(r.header("connection").value_or(""), "close") << r.head.raw;
        if (kind == "stream") {
            EXPECT_TRUE(r.body.ends_with("data: [DONE]\n\n")) << r.body;
        } else if (kind == "models") {
            EXPECT_EQ(r.json()["object"], "list") << r.body;
        } else if (kind == "model") {
            EXPECT_EQ(r.json()["id"], "llama3.2:latest") << r.body;
        } else {
            EXPECT_EQ(r.json()["object"], "chat.completion") << r.body;
        }
    }
    const auto stats = fake->stats();
    EXPECT_EQ(stats["requests"], requests.size()) << stats.dump();
    // Sequential requests reuse one pooled upstream connection.
    EXPECT_LT(stats["connections_used"].get<std::uint64_t>(), requests.size()) << stats.dump();
    EXPECT_EQ(stats["connections_used"], 1) << stats.dump();
}

TEST(OpenAIKeepAlive, Http10StreamIsDelimitedByTheConnectionClose) {
    auto fake = FakeOllama::start();
    auto proxy = Proxy::start_for(*fake);
    const std::string body = v1_chat_body("old client", true);
    Connection connection = Connection::open(proxy->port());
    connection.send(
        "POST /v1/chat/completions HTTP/1.0\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    const Response r = connection.read_response(false, scaled(30s));
    ASSERT_EQ(r.status(), 200) << r.body;
    EXPECT_EQ(r.head.version, "HTTP/1.0") << r.head.raw;
    EXPECT_EQ(r.header("content-type").value_or("").rfind("text/event-stream", 0), 0u)
        << r.head.raw;
    EXPECT_FALSE(r.head.has("transfer-encoding")) << r.head.raw;
    EXPECT_FALSE(r.head.has("content-length")) << r.head.raw;
    EXPECT_EQ(r.end, BodyEnd::clean);  // the close ended it
    const SseBody sse = parse_sse(r.body);
    EXPECT_TRUE(sse.malformed.empty()) << r.body;
    EXPECT_EQ(sse.rest, "") << r.body;
    ASSERT_FALSE(sse.data.empty());
    EXPECT_EQ(sse.data.back(), "[DONE]");
    EXPECT_EQ(joined_content(sse_json(sse)), fake_answer("old client"));
    EXPECT_TRUE(connection.wait_closed(scaled(3s)));
}

// ---- HTTP details --------------------------------------------------------------------------

class OpenAIConnection : public ProxyAndFake {
  protected:
    void SetUp() override { fake_->clear(); }
};

TEST_F(OpenAIConnection, PipelinedRequestsBehindAStreamAreAnsweredInOrder) {
    Connection connection = Connection::open(proxy_->port());
    connection.send(v1_chat_request(v1_chat_body("piped", true)) +
                    make_request("GET", "/v1/models") +
                    v1_chat_request(v1_chat_body("third", false)));
    const Response stream = connection.read_response(false, scaled(30s));
    ASSERT_EQ(stream.status(), 200) << stream.body;
    EXPECT_EQ(stream.end, BodyEnd::clean);
    EXPECT_TRUE(stream.body.ends_with("data: [DONE]\n\n")) << stream.body;
    EXPECT_EQ(joined_content(sse_json(parse_sse(stream.body))), fake_answer("piped"));
    const Response models = connection.read_response(false, scaled(30s));
    ASSERT_EQ(models.status(), 200) << models.body;
    EXPECT_EQ(models.json()["object"], "list");
    const Response chat = connection.read_response(false, scaled(30s));
    ASSERT_EQ(chat.status(), 200) << chat.body;
    EXPECT_EQ(chat.json()["choices"][0]["message"]["content"], fake_answer("third"));
}

TEST_F(OpenAIConnection, ConnectionCloseOnAStreamIsHonoured) {
    Connection connection = Connection::open(proxy_->port());
    const Response r = connection.exchange(
        v1_chat_request(v1_chat_body("bye", true), {{"Connection", "close"}}), scaled(30s));
    ASSERT_EQ(r.status(), 200) << r.body;
    EXPECT_EQ(r.header("connection"), "close") << r.head.raw;
    EXPECT_EQ(r.end, BodyEnd::clean);
    EXPECT_TRUE(r.body.ends_with("data: [DONE]\n\n")) << r.body;
    EXPECT_TRUE(connection.wait_closed(scaled(3s)));
}

TEST_F(OpenAIConnection, ClientLeavingMidBodyNeverReachesTheRemote) {
    const auto before = non_empty_lines(proxy_->log()).size();
    {
        Connection connection = Connection::open(proxy_->port());
        connection.send(
            make_request("POST", "/v1/chat/completions",
                         {{"Content-Type", "application/json"}, {"Content-Length", "1000"}}) +
            R"({"model":"llama3.2:latest",)");
    }
    std::string line;
    EXPECT_TRUE(wait_until(
        [&] {
            const auto lines = non_empty_lines(proxy_->log());
            for (std::size_t i = before; i < lines.size(); ++i) {
                if (lines[i].find(" path=/v1/chat/completions ") != std::string::npos) {
                    line = lines[i];
                    return true;
                }
            }
            return false;
        },
        scaled(2s)))
        << "no access-log line for the abandoned request";
    EXPECT_NE(line.find(" status=499 "), std::string::npos) << line;
    EXPECT_NE(line.find(" outcome=client-gone"), std::string::npos) << line;
    EXPECT_TRUE(fake_->requests().empty()) << fake_->requests().dump();
}

// RFC 9112 6.3: a response to HEAD ends with its head. Content after it is read as the start of
// the next response on the connection.
TEST_F(OpenAIConnection, HeadRequestIsAnsweredWithoutContent) {
    Connection connection = Connection::open(proxy_->port());
    const Response head = connection.exchange(make_request("HEAD", "/v1/models"), scaled(10s));
    EXPECT_TRUE(head.status() == 200 || head.status() == 405) << head.head.raw;
    if (head.header("connection").value_or("") == "close") {
        EXPECT_TRUE(connection.wait_closed(scaled(3s)));
        return;
    }
    connection.send(make_request("GET", "/v1/models"));
    try {
        const Response next = connection.read_response(false, scaled(10s));
        EXPECT_EQ(next.status(), 200) << next.head.raw;
        EXPECT_EQ(next.json()["object"], "list") << next.body;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "the HEAD response carried content, which took the place of the next "
                         "response: "
                      << e.what();
    }
}

// RFC 9110 10.1.1 and 15.2: an HTTP/1.0 request's 100-continue expectation is ignored, and no
// 1xx response goes to an HTTP/1.0 client.
TEST_F(OpenAIConnection, Http10ExpectContinueGetsNoInterimResponse) {
    const std::string body = v1_chat_body("old expect", false);
    Connection connection = Connection::open(proxy_->port());
    connection.send(
        "POST /v1/chat/completions HTTP/1.0\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
        "Content-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    const ResponseHead first = connection.read_head(scaled(10s));
    EXPECT_EQ(first.status, 200) << "an HTTP/1.0 client got:\n" << first.raw;
    EXPECT_EQ(first.version, "HTTP/1.0") << first.raw;
}

// ---- access log -----------------------------------------------------------------------------

TEST(OpenAIAccessLog, LineNamesPathAndModelButNoBodyText) {
    auto fake = FakeOllama::start();
    auto proxy = Proxy::start_for(*fake, {"--log-level", "info"});
    const std::string canary = "zebra-canary-5173";
    struct Case {
        std::string name;
        std::string raw;
        int status;
        std::string model;
    };
    const std::vector<Case> cases{
        {"chat", v1_chat_request(v1_chat_body(canary + " plain", false)), 200, kV1Model},
        {"stream", v1_chat_request(v1_chat_body(canary + " streamed", true)), 200, kV1Model},
        {"refused", v1_chat_request(R"({"model":")" + canary + R"(","messages":)"), 400, "-"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const Response r = fetch(proxy->port(), c.raw, scaled(30s));
        ASSERT_EQ(r.status(), c.status) << r.body;
        const std::string id = r.header("x-request-id").value_or("");
        ASSERT_FALSE(id.empty()) << r.head.raw;
        const auto line = wait_access_line(*proxy, id, scaled(2s));
        ASSERT_TRUE(line.has_value()) << "no access-log line for id " << id << ":\n"
                                      << proxy->log();
        EXPECT_NE(line->find(" method=POST "), std::string::npos) << *line;
        EXPECT_NE(line->find(" path=/v1/chat/completions "), std::string::npos) << *line;
        EXPECT_NE(line->find(" status=" + std::to_string(c.status) + " "), std::string::npos)
            << *line;
        EXPECT_NE(line->find(" model=" + c.model + " "), std::string::npos) << *line;
    }
    EXPECT_EQ(proxy->log().find(canary), std::string::npos)
        << "request body text reached the log:\n"
        << proxy->log();
}

}  // namespace
}  // namespace it
