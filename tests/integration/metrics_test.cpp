// /metrics over real traffic: passthrough chat (whole and streamed), an OpenAI stream, a remote
// that fails, a quota's 429; the scraped counters, token sums and histograms must match what
// the fake answered, and promtool must accept the text.
#include "support/openai_support.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <unistd.h>

namespace it {
namespace {

class Metrics : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        fake_ = FakeOllama::start();
        dir_ = std::make_unique<TempDir>();
        const std::string config = (dir_->path() / "config.json").string();
        write_file(config, R"({"auth": {"enabled": true, "tokens": [
            {"key": "sk-team", "name": "team"},
            {"key": "sk-one", "name": "one", "limitPerMinute": 1}]}})");
        proxy_ = Proxy::start_for(*fake_, {"--config", config});
    }
    static void TearDownTestSuite() {
        proxy_.reset();
        fake_.reset();
        dir_.reset();
    }
    void TearDown() override {
        if (HasFailure()) std::cout << "proxy log:\n" << proxy_->log() << std::endl;
    }

    static Response send(const std::string& raw) { return fetch(proxy_->port(), raw, scaled(30s)); }
    static Response native_chat(bool stream, const Headers& extra = {}) {
        Headers headers{{"x-api-key", "sk-team"}, {"x-fake-interval-ms", "0"}};
        headers.insert(headers.end(), extra.begin(), extra.end());
        const std::string body = R"({"model":"llama3.2","messages":[{"role":"user","content":)"
                                 R"("count these words please"}],"stream":)" +
                                 std::string(stream ? "true" : "false") + "}";
        return send(make_request("POST", "/api/chat", headers, body));
    }
    static Response scrape() { return send(make_request("GET", "/metrics")); }

    static inline std::unique_ptr<FakeOllama> fake_;
    static inline std::unique_ptr<Proxy> proxy_;
    static inline std::unique_ptr<TempDir> dir_;
};

// The value of the sample written exactly as `series` (name and labels), or -1 when absent.
double sample(const std::string& text, const std::string& series) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ')
            return std::stod(line.substr(series.size() + 1));
    }
    return -1;
}

// The native counts of a reply: its final line when streamed.
std::pair<long, long> native_counts(const std::string& body) {
    const auto last = nlohmann::json::parse(split_lines(body).back());
    return {last.value("prompt_eval_count", 0L), last.value("eval_count", 0L)};
}

// promtool on PATH, or empty.
std::string find_promtool() {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path != nullptr ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const std::string candidate = dir + "/promtool";
        if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}

TEST_F(Metrics, ScrapesCountTheTrafficThatWentThrough) {
    const Response whole = native_chat(false);
    ASSERT_EQ(whole.status(), 200) << whole.body;
    const Response streamed = native_chat(true);
    ASSERT_EQ(streamed.status(), 200) << streamed.body;
    ASSERT_TRUE(streamed.chunked);
    const auto [whole_prompt, whole_eval] = native_counts(whole.body);
    const auto [stream_prompt, stream_eval] = native_counts(streamed.body);
    ASSERT_GT(whole_prompt + stream_prompt, 0);
    ASSERT_GT(whole_eval + stream_eval, 0);

    const Response v1 =
        send(v1_chat_request(v1_chat_body("count these words please", true,
                                          R"("stream_options":{"include_usage":true})"),
                             {{"Authorization", "Bearer sk-team"}}));
    ASSERT_EQ(v1.status(), 200) << v1.body;
    const auto events = sse_json(parse_sse(v1.body));
    ASSERT_FALSE(events.empty());
    const auto& usage = events.back()["usage"];
    ASSERT_TRUE(usage.is_object()) << v1.body;
    const long v1_prompt = usage["prompt_tokens"];
    const long v1_completion = usage["completion_tokens"];

    // The remote dies mid-stream, then answers 503.
    const Response cut = native_chat(true, {{"x-fake-fault", "die-after=2"}});
    EXPECT_EQ(cut.end, BodyEnd::truncated);
    const Response unavailable = send(make_request(
        "GET", "/api/tags", {{"x-api-key", "sk-team"}, {"x-fake-fault", "status=503"}}));
    EXPECT_EQ(unavailable.status(), 503);

    // One request a minute for "one": the second is refused on its head.
    EXPECT_EQ(send(make_request("GET", "/api/tags", {{"x-api-key", "sk-one"}})).status(), 200);
    EXPECT_EQ(send(make_request("GET", "/api/tags", {{"x-api-key", "sk-one"}})).status(), 429);
    EXPECT_EQ(send(make_request("GET", "/api/tags", {{"x-api-key", "sk-wrong"}})).status(), 401);

    const Response r = scrape();
    ASSERT_EQ(r.status(), 200) << r.body;
    EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const std::string& text = r.body;

    // Whole, streamed and cut chats: the model comes from the passthrough body.
    EXPECT_EQ(sample(text, R"(ollama_proxy_requests_total{route="/api/chat",status="200",)"
                           R"(model="llama3.2"})"),
              3)
        << text;
    EXPECT_EQ(sample(text, R"(ollama_proxy_requests_total{route="/v1/chat/completions",)"
                           R"(status="200",model=")" +
                               kV1Model + R"("})"),
              1)
        << text;
    EXPECT_EQ(sample(text, R"(ollama_proxy_requests_total{route="/api/tags",status="200",)"
                           R"(model=""})"),
              1);
    EXPECT_EQ(sample(text, R"(ollama_proxy_requests_total{route="/api/tags",status="503",)"
                           R"(model=""})"),
              1);
    EXPECT_EQ(sample(text, R"(ollama_proxy_requests_total{route="/api/tags",status="429",)"
                           R"(model=""})"),
              1);
    EXPECT_EQ(sample(text, R"(ollama_proxy_requests_total{route="/api/tags",status="401",)"
                           R"(model=""})"),
              1);

    // Tokens: only the complete replies, split by kind, under the key's name.
    EXPECT_EQ(sample(text, R"(ollama_proxy_prompt_tokens_total{model="llama3.2",key="team"})"),
              whole_prompt + stream_prompt);
    EXPECT_EQ(sample(text, R"(ollama_proxy_completion_tokens_total{model="llama3.2",key="team"})"),
              whole_eval + stream_eval);
    EXPECT_EQ(
        sample(text, R"(ollama_proxy_prompt_tokens_total{model=")" + kV1Model + R"(",key="team"})"),
        v1_prompt);
    EXPECT_EQ(sample(text, R"(ollama_proxy_completion_tokens_total{model=")" + kV1Model +
                               R"(",key="team"})"),
              v1_completion);

    // Every exchange has a duration; only the successful ones a time to first token.
    EXPECT_EQ(sample(text, R"(ollama_proxy_request_duration_seconds_count{route="/api/chat"})"), 3);
    EXPECT_EQ(sample(text, R"(ollama_proxy_request_duration_seconds_bucket{route="/api/chat",)"
                           R"(le="+Inf"})"),
              3);
    EXPECT_EQ(sample(text, R"(ollama_proxy_request_duration_seconds_count{route="/api/tags"})"), 4);
    EXPECT_EQ(sample(text, R"(ollama_proxy_time_to_first_token_seconds_count{route="/api/chat",)"
                           R"(model="llama3.2"})"),
              2);
    EXPECT_EQ(sample(text, R"(ollama_proxy_time_to_first_token_seconds_count{)"
                           R"(route="/v1/chat/completions",model=")" +
                               kV1Model + R"("})"),
              1);

    EXPECT_EQ(sample(text, R"(ollama_proxy_upstream_errors_total{kind="cut"})"), 1);
    EXPECT_EQ(sample(text, R"(ollama_proxy_upstream_errors_total{kind="http_error"})"), 1);
    EXPECT_EQ(sample(text, R"(ollama_proxy_upstream_errors_total{kind="connect"})"), 0);
    EXPECT_EQ(sample(text, R"(ollama_proxy_quota_rejections_total{key="one",limit="requests"})"),
              1);
    EXPECT_EQ(sample(text, "ollama_proxy_in_flight_requests"), 1);  // the scrape itself
    EXPECT_EQ(sample(text, "ollama_proxy_in_flight_streams"), 0);
    EXPECT_EQ(sample(text, R"(ollama_proxy_build_info{version=")" OLLAMA_PROXY_VERSION R"("})"), 1);
    EXPECT_GT(sample(text, "ollama_proxy_uptime_seconds"), 0);

    // The scrape counts itself once it is over; HEAD answers the same head without a body.
    const Response again = scrape();
    EXPECT_EQ(sample(again.body, R"(ollama_proxy_requests_total{route="/metrics",status="200",)"
                                 R"(model=""})"),
              1);
    const Response head = fetch(proxy_->port(), make_request("HEAD", "/metrics"), scaled(10s));
    EXPECT_EQ(head.status(), 200);
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(head.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
}

TEST_F(Metrics, AStreamIsInFlightWhileItIsRelayed) {
    auto connection = Connection::open(proxy_->port());
    connection.send(make_request("POST", "/api/chat",
                                 {{"x-api-key", "sk-team"}, {"x-fake-interval-ms", "100"}},
                                 chat_body(30)));
    const ResponseHead head = connection.read_head(scaled(10s));
    ASSERT_EQ(head.status, 200);
    const std::string during = scrape().body;
    EXPECT_EQ(sample(during, "ollama_proxy_in_flight_streams"), 1) << during;
    EXPECT_EQ(sample(during, "ollama_proxy_in_flight_requests"), 2) << during;
    BodyReader reader(connection, head, false);
    const Response done = reader.read_to_end(scaled(30s));
    EXPECT_EQ(done.end, BodyEnd::clean);
    EXPECT_TRUE(wait_until(
        [] { return sample(scrape().body, "ollama_proxy_in_flight_streams") == 0; }, scaled(5s)));
}

TEST_F(Metrics, PromtoolAcceptsTheText) {
    // Something in every family first.
    ASSERT_EQ(native_chat(true).status(), 200);
    send(make_request("GET", "/api/tags", {{"x-api-key", "sk-one"}}));
    send(make_request("GET", "/api/tags", {{"x-api-key", "sk-one"}}));
    // A model name that is not UTF-8 (the remote refuses it) must not spoil the whole scrape.
    send(make_request("POST", "/api/chat", {{"x-api-key", "sk-team"}},
                      "{\"model\":\"bad\xff\xfename\",\"messages\":[]}"));
    const std::string promtool = find_promtool();
    if (promtool.empty()) {
        const char* ci = std::getenv("CI");
        if (ci != nullptr && std::string_view(ci) == "true")
            FAIL() << "promtool is not installed (CI=true): install Debian's prometheus package "
                      "(scripts/install-deps.sh does)";
        GTEST_SKIP() << "promtool is not installed";
    }
    const Response r = scrape();
    ASSERT_EQ(r.status(), 200);
    const std::string input = (dir_->path() / "scrape.txt").string();
    const std::string output = (dir_->path() / "promtool.txt").string();
    write_file(input, r.body);
    const std::string command =
        promtool + " check metrics < '" + input + "' > '" + output + "' 2>&1";
    const int status = std::system(command.c_str());
    EXPECT_EQ(status, 0) << "promtool said:\n" << read_file(output) << "\non:\n" << r.body;
}

}  // namespace
}  // namespace it
