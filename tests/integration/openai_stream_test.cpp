// OpenAI streams over real sockets: the event-stream head and framing, errors in the middle of a
// stream reported as an SSE error event (never as a clean [DONE]), and n > 1 choices.
#include "support/openai_support.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace it {
namespace {

class OpenAIStream : public OpenAISuite<OpenAIStream> {
  public:  // read by OpenAISuite
    static std::vector<std::string> proxy_args() { return {"--upstream-idle-timeout", "1"}; }

  protected:
    // A streamed chat through the proxy, read to its end.
    static Response stream_chat(const std::string& content, const std::string& extra = {}) {
        return fetch(proxy_->port(), v1_chat_request(v1_chat_body(content, true, extra)),
                     scaled(30s));
    }

    // Checks a stream that failed after its first two tokens: the head of a normal stream, the
    // two content chunks, then exactly one error event and no [DONE]; returns the error object.
    static nlohmann::json expect_failed_after_two(const Response& r) {
        EXPECT_EQ(r.status(), 200);
        EXPECT_EQ(r.header("content-type").value_or("").rfind("text/event-stream", 0), 0u)
            << r.head.raw;
        EXPECT_NE(r.end, BodyEnd::timeout) << "the failed stream was left open";
        const SseBody sse = parse_sse(r.body);
        EXPECT_TRUE(sse.malformed.empty()) << r.body;
        EXPECT_EQ(sse.rest, "") << r.body;
        EXPECT_EQ(r.body.find("[DONE]"), std::string::npos)
            << "a failed stream ended like a complete one:\n"
            << r.body;
        if (sse.data.size() != 3) {
            ADD_FAILURE() << "expected two content chunks and one error event:\n" << r.body;
            return nullptr;
        }
        const auto first = nlohmann::json::parse(sse.data[0]);
        const auto second = nlohmann::json::parse(sse.data[1]);
        EXPECT_EQ(first["object"], "chat.completion.chunk");
        EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
        EXPECT_EQ(first["choices"][0]["delta"]["content"], "You");
        EXPECT_EQ(second["choices"][0]["delta"]["content"], " said:");
        EXPECT_TRUE(second["choices"][0]["finish_reason"].is_null());
        const nlohmann::json error = error_object(sse.data[2]);
        if (!error.is_object()) {
            ADD_FAILURE() << "the last event is not {\"error\":{...}}: " << sse.data[2];
            return nullptr;
        }
        EXPECT_EQ(error.size(), 4u) << error.dump();
        for (const char* key : {"message", "type", "param", "code"})
            EXPECT_TRUE(error.contains(key)) << key << " missing: " << error.dump();
        return error;
    }
};

TEST_F(OpenAIStream, StreamTrueGivesAnEventStreamEvenWhenJsonIsAccepted) {
    const std::string content = "alpha beta gamma";
    Connection connection = Connection::open(proxy_->port());
    const Response r = connection.exchange(
        v1_chat_request(v1_chat_body(content, true), {{"Accept", "application/json"}}),
        scaled(30s));
    ASSERT_EQ(r.status(), 200) << r.body;
    EXPECT_EQ(r.head.version, "HTTP/1.1");
    EXPECT_EQ(r.header("content-type").value_or("").rfind("text/event-stream", 0), 0u)
        << r.head.raw;
    EXPECT_EQ(r.header("cache-control"), "no-cache") << r.head.raw;
    EXPECT_EQ(r.header("x-accel-buffering"), "no") << r.head.raw;
    EXPECT_FALSE(r.header("x-request-id").value_or("").empty()) << r.head.raw;
    EXPECT_TRUE(r.chunked) << r.head.raw;
    EXPECT_FALSE(r.head.has("content-length")) << r.head.raw;
    EXPECT_EQ(r.end, BodyEnd::clean);

    const SseBody sse = parse_sse(r.body);
    EXPECT_TRUE(sse.malformed.empty()) << "frames other than one 'data: ' line:\n" << r.body;
    EXPECT_EQ(r.body.find("event:"), std::string::npos) << r.body;
    EXPECT_EQ(sse.rest, "") << r.body;
    ASSERT_GE(sse.data.size(), 3u) << r.body;
    EXPECT_EQ(sse.data.back(), "[DONE]");
    EXPECT_TRUE(r.body.ends_with("\n\ndata: [DONE]\n\n")) << r.body;
    EXPECT_EQ(std::count(sse.data.begin(), sse.data.end(), "[DONE]"), 1) << r.body;

    const auto chunks = sse_json(sse);
    ASSERT_FALSE(chunks.empty());
    std::set<std::string> ids;
    for (const auto& chunk : chunks) {
        EXPECT_EQ(chunk["object"], "chat.completion.chunk") << chunk.dump();
        EXPECT_EQ(chunk["model"], kV1Model) << chunk.dump();
        ids.insert(chunk.value("id", ""));
    }
    EXPECT_EQ(ids.size(), 1u) << "the chunks of one stream carry one id";
    EXPECT_EQ(chunks.front()["choices"][0]["delta"]["role"], "assistant");
    EXPECT_EQ(chunks.back()["choices"][0]["finish_reason"], "stop");
    EXPECT_EQ(joined_content(chunks), fake_answer(content));

    // The proxy asked the remote for a native stream.
    const auto native = requests_to(*fake_, "/api/chat");
    ASSERT_EQ(native.size(), 1u);
    EXPECT_EQ(nlohmann::json::parse(native[0]["body"].get<std::string>())["stream"], true);

    // The connection carries the next request.
    const Response next =
        connection.exchange(v1_chat_request(v1_chat_body("again", false)), scaled(30s));
    EXPECT_EQ(next.status(), 200) << next.body;
}

TEST_F(OpenAIStream, StreamFalseGivesJsonEvenWhenAnEventStreamIsAccepted) {
    const Response r =
        fetch(proxy_->port(),
              v1_chat_request(v1_chat_body("one two", false), {{"Accept", "text/event-stream"}}),
              scaled(30s));
    ASSERT_EQ(r.status(), 200) << r.body;
    EXPECT_EQ(r.header("content-type").value_or("").rfind("application/json", 0), 0u) << r.head.raw;
    EXPECT_TRUE(r.head.has("content-length")) << r.head.raw;
    EXPECT_FALSE(r.chunked);
    const auto body = r.json();
    EXPECT_EQ(body["object"], "chat.completion");
    EXPECT_EQ(body["choices"][0]["message"]["content"], fake_answer("one two"));
}

TEST_F(OpenAIStream, RemoteDyingMidStreamEndsWithAnErrorEventAndNoDone) {
    arm_fault(*fake_, "die-after=2");
    const Response r = stream_chat("one two three four five six");
    const nlohmann::json error = expect_failed_after_two(r);
    ASSERT_TRUE(error.is_object());
    EXPECT_EQ(error["type"], "api_error") << error.dump();
    const std::string message = error.value("message", "");
    EXPECT_NE(message.find(fake_->address()), std::string::npos)
        << "the message should name the remote: " << message;
    const auto native = requests_to(*fake_, "/api/chat");
    ASSERT_EQ(native.size(), 1u);
    EXPECT_EQ(native[0]["outcome"], "cut");
}

TEST_F(OpenAIStream, RemoteErrorLineMidStreamEndsWithAnErrorEventAndNoDone) {
    arm_fault(*fake_, "error-after=2");
    const Response r = stream_chat("one two three four five six");
    const nlohmann::json error = expect_failed_after_two(r);
    ASSERT_TRUE(error.is_object());
    const std::string message = error.value("message", "");
    EXPECT_NE(message.find("injected failure"), std::string::npos)
        << "the remote's own error text should reach the client: " << message;
}

TEST_F(OpenAIStream, StalledRemoteEndsWithAnErrorEventAfterTheIdleTimeout) {
    arm_fault(*fake_, "stall-after=2");
    const auto started = Clock::now();
    const Response r = stream_chat("one two three four five six");
    const auto elapsed = Clock::now() - started;
    const nlohmann::json error = expect_failed_after_two(r);
    ASSERT_TRUE(error.is_object());
    EXPECT_EQ(error["type"], "api_error") << error.dump();
    EXPECT_NE(error.value("message", "").find(fake_->address()), std::string::npos) << error.dump();
    EXPECT_GE(elapsed, 900ms);
    EXPECT_LT(elapsed, sanitized() ? scaled(3s) : 2800ms)
        << "the idle timeout of 1 s was ignored: " << ms(elapsed) << " ms";
    // The proxy hung up on the stalled remote.
    EXPECT_TRUE(wait_until(
        [] {
            const auto native = requests_to(*fake_, "/api/chat");
            return native.size() == 1 && native[0]["outcome"] == "aborted";
        },
        scaled(2s)))
        << fake_->requests().dump();
}

TEST_F(OpenAIStream, TwoChoicesStreamWithIndexes0And1FromTwoNativeCalls) {
    const std::string content = "red green blue";
    const Response r = stream_chat(content, R"("n":2)");
    ASSERT_EQ(r.status(), 200) << r.body;
    EXPECT_EQ(r.end, BodyEnd::clean);
    const SseBody sse = parse_sse(r.body);
    EXPECT_TRUE(sse.malformed.empty()) << r.body;
    ASSERT_FALSE(sse.data.empty());
    EXPECT_EQ(sse.data.back(), "[DONE]");

    const auto chunks = sse_json(sse);
    std::set<std::string> ids;
    std::map<int, int> finishes;
    std::map<int, int> roles;
    for (const auto& chunk : chunks) {
        ids.insert(chunk.value("id", ""));
        ASSERT_EQ(chunk["choices"].size(), 1u) << chunk.dump();
        const auto& choice = chunk["choices"][0];
        const int index = choice.value("index", -1);
        EXPECT_TRUE(index == 0 || index == 1) << chunk.dump();
        if (choice["delta"].contains("role")) ++roles[index];
        if (!choice["finish_reason"].is_null()) {
            EXPECT_EQ(choice["finish_reason"], "stop");
            ++finishes[index];
        }
    }
    EXPECT_EQ(ids.size(), 1u);
    EXPECT_EQ(roles, (std::map<int, int>{{0, 1}, {1, 1}}));
    EXPECT_EQ(finishes, (std::map<int, int>{{0, 1}, {1, 1}}));
    EXPECT_EQ(joined_content(chunks, 0), fake_answer(content));
    EXPECT_EQ(joined_content(chunks, 1), fake_answer(content));
    EXPECT_EQ(requests_to(*fake_, "/api/chat").size(), 2u) << fake_->requests().dump();
}

}  // namespace
}  // namespace it
