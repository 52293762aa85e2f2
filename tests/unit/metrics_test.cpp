// The metrics registry: what exchanges add, and the exposition text a scrape gets.
#include "ollama_proxy/metrics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace ollama_proxy::metrics {
namespace {

const ScrapeContext kContext{3, 12.5, "1.2.3"};

// The lines of `text` that start with `prefix`, joined.
std::string lines_starting(const std::string& text, std::string_view prefix) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::string_view line(text.data() + start, end - start);
        if (line.starts_with(prefix)) {
            out += line;
            out += '\n';
        }
        start = end + 1;
    }
    return out;
}

Exchange chat(std::string_view model, unsigned status = 200) {
    Exchange e;
    e.path = "/api/chat";
    e.status = status;
    e.model = model;
    e.duration_seconds = 0.75;
    e.first_body_seconds = 0.2;
    e.prompt_tokens = 10;
    e.completion_tokens = 20;
    return e;
}

TEST(RouteTable, PathsAreReducedToKnownRoutes) {
    const RouteTable routes("/v1");
    const auto route = [&](std::string_view path) { return routes.name(routes.classify(path)); };
    EXPECT_EQ(route("/api/chat"), "/api/chat");
    EXPECT_EQ(route("/api/generate"), "/api/generate");
    EXPECT_EQ(route("/api/embeddings"), "/api/embeddings");
    EXPECT_EQ(route("/api/delete"), "/api/delete");
    EXPECT_EQ(route("/api/blobs/sha256:0123abcd"), "/api/blobs");
    EXPECT_EQ(route("/api/blobs"), "/api/blobs");
    EXPECT_EQ(route("/"), "/");
    EXPECT_EQ(route("/api/chat/"), "other");
    EXPECT_EQ(route("/api/chatx"), "other");
    EXPECT_EQ(route("/favicon.ico"), "other");
    EXPECT_EQ(route(""), "other");
    EXPECT_EQ(route("/v1/chat/completions"), "/v1/chat/completions");
    EXPECT_EQ(route("/v1/completions"), "/v1/completions");
    EXPECT_EQ(route("/v1/models"), "/v1/models");
    EXPECT_EQ(route("/v1/models/llama3:8b"), "/v1/models");
    EXPECT_EQ(route("/v1/embeddings"), "/v1/embeddings");
    EXPECT_EQ(route("/v1/images/generations"), "/v1/images/generations");
    EXPECT_EQ(route("/v1/responses"), "/v1/responses");
    EXPECT_EQ(route("/v1/moderations"), "/v1/moderations");
    EXPECT_EQ(route("/v1/audio/transcriptions"), "/v1/audio/transcriptions");
    EXPECT_EQ(route("/v1/audio/translations"), "/v1/audio/translations");
    EXPECT_EQ(route("/v1/files"), "other");
    EXPECT_EQ(route("/v1"), "other");
    EXPECT_EQ(route("/v10/models"), "other");
    EXPECT_EQ(route("/metrics"), "/metrics");
    EXPECT_EQ(route("/_proxy/status"), "/_proxy");
    EXPECT_EQ(route("/_proxy"), "/_proxy");
    EXPECT_EQ(route("/health"), "/health");
    EXPECT_EQ(route("/ready"), "/ready");
    EXPECT_TRUE(routes.is_own(routes.classify("/ready")));
    EXPECT_FALSE(routes.is_own(routes.classify("/api/tags")));
}

TEST(RouteTable, OpenAIRoutesFollowTheConfiguredBasePath) {
    const RouteTable routes("/openai/v1");
    const auto route = [&](std::string_view path) { return routes.name(routes.classify(path)); };
    EXPECT_EQ(route("/openai/v1/chat/completions"), "/openai/v1/chat/completions");
    EXPECT_EQ(route("/openai/v1/models/x"), "/openai/v1/models");
    EXPECT_EQ(route("/v1/chat/completions"), "other");
    EXPECT_EQ(route("/api/tags"), "/api/tags");

    const RouteTable root("/");
    EXPECT_EQ(root.name(root.classify("/chat/completions")), "/chat/completions");
    EXPECT_EQ(root.name(root.classify("/metrics")), "/metrics");
}

TEST(Metrics, LabelValuesAreValidUtf8WhateverTheClientSent) {
    EXPECT_EQ(escape_label_value("mod\xC3\xA8le-\xE6\xA8\xA1\xE5\x9E\x8B"),
              "mod\xC3\xA8le-\xE6\xA8\xA1\xE5\x9E\x8B");
    // Each byte that starts no valid character becomes U+FFFD.
    EXPECT_EQ(escape_label_value("bad\xFF\xFEname"), "bad\xEF\xBF\xBD\xEF\xBF\xBDname");
    EXPECT_EQ(escape_label_value("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
    EXPECT_EQ(escape_label_value("\xED\xA0\x80"),                           // a surrogate
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(escape_label_value("cut\xE6\xA8"), "cut\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Metrics, LabelValuesAreEscaped) {
    EXPECT_EQ(escape_label_value("plain:1b"), "plain:1b");
    EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    EXPECT_EQ(escape_label_value(""), "");

    Registry registry("/v1");
    Exchange e = chat("we\"ird\\model\n");
    registry.record(e);
    EXPECT_EQ(lines_starting(registry.render(kContext), "ollama_proxy_requests_total{"),
              "ollama_proxy_requests_total{route=\"/api/chat\",status=\"200\","
              "model=\"we\\\"ird\\\\model\\n\"} 1\n");
}

TEST(Metrics, HistogramBucketsIncludeTheirUpperBound) {
    Histogram h;
    h.observe(0.005);   // le="0.005"
    h.observe(0.0051);  // le="0.01"
    h.observe(300);     // le="300"
    h.observe(301);     // +Inf only
    h.observe(0);
    EXPECT_EQ(h.counts[0], 2u);
    EXPECT_EQ(h.counts[1], 1u);
    EXPECT_EQ(h.counts[latency_buckets.size() - 1], 1u);
    EXPECT_EQ(h.counts[latency_buckets.size()], 1u);
    EXPECT_EQ(h.count, 5u);
    EXPECT_NEAR(h.sum, 601.0101, 1e-9);
}

TEST(Metrics, AnEmptyRegistryRendersEveryFamily) {
    const Registry registry("/v1");
    EXPECT_EQ(registry.render(kContext),
              "# HELP ollama_proxy_requests_total Requests finished, by route, status sent and "
              "model.\n"
              "# TYPE ollama_proxy_requests_total counter\n"
              "# HELP ollama_proxy_request_duration_seconds Time from the request head to the end "
              "of the exchange, by route.\n"
              "# TYPE ollama_proxy_request_duration_seconds histogram\n"
              "# HELP ollama_proxy_time_to_first_token_seconds Time from the request head to the "
              "first response body bytes from the remote, for successful exchanges, by route and "
              "model.\n"
              "# TYPE ollama_proxy_time_to_first_token_seconds histogram\n"
              "# HELP ollama_proxy_prompt_tokens_total Prompt tokens the remote reported "
              "(prompt_eval_count), by model and key name.\n"
              "# TYPE ollama_proxy_prompt_tokens_total counter\n"
              "# HELP ollama_proxy_completion_tokens_total Completion tokens the remote reported "
              "(eval_count), by model and key name.\n"
              "# TYPE ollama_proxy_completion_tokens_total counter\n"
              "# HELP ollama_proxy_in_flight_requests Requests being served now.\n"
              "# TYPE ollama_proxy_in_flight_requests gauge\n"
              "ollama_proxy_in_flight_requests 3\n"
              "# HELP ollama_proxy_in_flight_streams Exchanges relaying a streamed response now "
              "(SSE, chunked or NDJSON).\n"
              "# TYPE ollama_proxy_in_flight_streams gauge\n"
              "ollama_proxy_in_flight_streams 0\n"
              "# HELP ollama_proxy_upstream_errors_total Exchanges that failed between the proxy "
              "and the remote, by kind.\n"
              "# TYPE ollama_proxy_upstream_errors_total counter\n"
              "ollama_proxy_upstream_errors_total{kind=\"connect\"} 0\n"
              "ollama_proxy_upstream_errors_total{kind=\"timeout\"} 0\n"
              "ollama_proxy_upstream_errors_total{kind=\"no_response\"} 0\n"
              "ollama_proxy_upstream_errors_total{kind=\"cut\"} 0\n"
              "ollama_proxy_upstream_errors_total{kind=\"bad_reply\"} 0\n"
              "ollama_proxy_upstream_errors_total{kind=\"http_error\"} 0\n"
              "# HELP ollama_proxy_quota_rejections_total Requests refused with 429 by a key's "
              "quota, by key name and limit.\n"
              "# TYPE ollama_proxy_quota_rejections_total counter\n"
              "# HELP ollama_proxy_build_info The proxy's version; always 1.\n"
              "# TYPE ollama_proxy_build_info gauge\n"
              "ollama_proxy_build_info{version=\"1.2.3\"} 1\n"
              "# HELP ollama_proxy_uptime_seconds Seconds since the proxy started.\n"
              "# TYPE ollama_proxy_uptime_seconds gauge\n"
              "ollama_proxy_uptime_seconds 12.5\n");
}

TEST(Metrics, OneExchangeRendersExactly) {
    Registry registry("/v1");
    Exchange e = chat("llama3");
    e.key = "team-a";
    registry.record(e);
    const std::string text = registry.render(kContext);
    EXPECT_EQ(lines_starting(text, "ollama_proxy_requests_total{"),
              "ollama_proxy_requests_total{route=\"/api/chat\",status=\"200\",model=\"llama3\"} "
              "1\n");
    EXPECT_EQ(lines_starting(text, "ollama_proxy_request_duration_seconds"),
              R"(ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="0.005"} 0
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="0.01"} 0
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="0.025"} 0
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="0.05"} 0
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="0.1"} 0
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="0.25"} 0
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="0.5"} 0
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="1"} 1
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="2.5"} 1
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="5"} 1
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="10"} 1
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="30"} 1
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="60"} 1
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="120"} 1
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="300"} 1
ollama_proxy_request_duration_seconds_bucket{route="/api/chat",le="+Inf"} 1
ollama_proxy_request_duration_seconds_sum{route="/api/chat"} 0.75
ollama_proxy_request_duration_seconds_count{route="/api/chat"} 1
)");
    EXPECT_EQ(
        lines_starting(text, "ollama_proxy_time_to_first_token_seconds_bucket"),
        R"(ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="0.005"} 0
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="0.01"} 0
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="0.025"} 0
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="0.05"} 0
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="0.1"} 0
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="0.25"} 1
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="0.5"} 1
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="1"} 1
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="2.5"} 1
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="5"} 1
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="10"} 1
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="30"} 1
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="60"} 1
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="120"} 1
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="300"} 1
ollama_proxy_time_to_first_token_seconds_bucket{route="/api/chat",model="llama3",le="+Inf"} 1
)");
    EXPECT_EQ(lines_starting(text,
                             "ollama_proxy_time_to_first_token_seconds_"
                             "sum"),
              "ollama_proxy_time_to_first_token_seconds_sum{route=\"/api/chat\","
              "model=\"llama3\"} 0.2\n");
    EXPECT_EQ(lines_starting(text, "ollama_proxy_prompt_tokens_total{"),
              "ollama_proxy_prompt_tokens_total{model=\"llama3\",key=\"team-a\"} 10\n");
    EXPECT_EQ(lines_starting(text, "ollama_proxy_completion_tokens_total{"),
              "ollama_proxy_completion_tokens_total{model=\"llama3\",key=\"team-a\"} 20\n");
}

TEST(Metrics, CountersAddUpBySeries) {
    Registry registry("/v1");
    registry.record(chat("b"));
    registry.record(chat("a"));
    registry.record(chat("a"));
    registry.record(chat("a", 404));
    Exchange openai;
    openai.path = "/v1/models/a";
    openai.status = 200;
    registry.record(openai);
    const std::string text = registry.render(kContext);
    EXPECT_EQ(lines_starting(text, "ollama_proxy_requests_total{"),
              "ollama_proxy_requests_total{route=\"/v1/models\",status=\"200\",model=\"\"} 1\n"
              "ollama_proxy_requests_total{route=\"/api/chat\",status=\"200\",model=\"a\"} 2\n"
              "ollama_proxy_requests_total{route=\"/api/chat\",status=\"200\",model=\"b\"} 1\n"
              "ollama_proxy_requests_total{route=\"/api/chat\",status=\"404\",model=\"a\"} 1\n");
    EXPECT_EQ(lines_starting(text, "ollama_proxy_request_duration_seconds_count"),
              "ollama_proxy_request_duration_seconds_count{route=\"/v1/models\"} 1\n"
              "ollama_proxy_request_duration_seconds_count{route=\"/api/chat\"} 4\n");
    // Only successes have a time to first token; tokens are counted whatever the status said.
    EXPECT_EQ(lines_starting(text, "ollama_proxy_time_to_first_token_seconds_count"),
              "ollama_proxy_time_to_first_token_seconds_count{route=\"/api/chat\",model=\"a\"} 2\n"
              "ollama_proxy_time_to_first_token_seconds_count{route=\"/api/chat\",model=\"b\"} "
              "1\n");
    EXPECT_EQ(lines_starting(text, "ollama_proxy_prompt_tokens_total{"),
              "ollama_proxy_prompt_tokens_total{model=\"a\",key=\"\"} 30\n"
              "ollama_proxy_prompt_tokens_total{model=\"b\",key=\"\"} 10\n");
    EXPECT_EQ(registry.requests_by_route(), (std::vector<std::pair<std::string, std::uint64_t>>{
                                                {"/v1/models", 1}, {"/api/chat", 4}}));
}

TEST(Metrics, ModelsPastTheCapAreCountedAsOther) {
    Registry registry("/v1", 2, 1);
    for (const char* model : {"m1", "m2", "m3", "m4", "m1"}) {
        Exchange e = chat(model);
        e.key = model;
        registry.record(e);
    }
    const std::string text = registry.render(kContext);
    EXPECT_EQ(lines_starting(text, "ollama_proxy_requests_total{"),
              "ollama_proxy_requests_total{route=\"/api/chat\",status=\"200\",model=\"m1\"} 2\n"
              "ollama_proxy_requests_total{route=\"/api/chat\",status=\"200\",model=\"m2\"} 1\n"
              "ollama_proxy_requests_total{route=\"/api/chat\",status=\"200\",model=\"other\"} "
              "2\n");
    EXPECT_EQ(lines_starting(text, "ollama_proxy_prompt_tokens_total{"),
              "ollama_proxy_prompt_tokens_total{model=\"m1\",key=\"m1\"} 20\n"
              "ollama_proxy_prompt_tokens_total{model=\"m2\",key=\"other\"} 10\n"
              "ollama_proxy_prompt_tokens_total{model=\"other\",key=\"other\"} 20\n");
}

TEST(Metrics, UpstreamErrorsFallIntoAFewKinds) {
    EXPECT_EQ(classify_upstream_error("ok", 200, true), UpstreamError::none);
    EXPECT_EQ(classify_upstream_error("ok", 500, true), UpstreamError::http_error);
    EXPECT_EQ(classify_upstream_error("ok", 503, false), UpstreamError::none);  // /ready
    EXPECT_EQ(classify_upstream_error("connect-failed", 502, true), UpstreamError::connect);
    EXPECT_EQ(classify_upstream_error("upstream-head-timeout", 504, true), UpstreamError::timeout);
    EXPECT_EQ(classify_upstream_error("upstream-idle-timeout", 200, true), UpstreamError::timeout);
    EXPECT_EQ(classify_upstream_error("upstream-no-response", 502, true),
              UpstreamError::no_response);
    EXPECT_EQ(classify_upstream_error("upstream-write-failed", 502, true),
              UpstreamError::no_response);
    EXPECT_EQ(classify_upstream_error("upstream-cut", 200, true), UpstreamError::cut);
    EXPECT_EQ(classify_upstream_error("upstream-incomplete", 200, true), UpstreamError::cut);
    EXPECT_EQ(classify_upstream_error("upstream-invalid", 502, true), UpstreamError::bad_reply);
    EXPECT_EQ(classify_upstream_error("upstream-too-large", 502, true), UpstreamError::bad_reply);
    EXPECT_EQ(classify_upstream_error("upstream-error", 500, true), UpstreamError::http_error);
    EXPECT_EQ(classify_upstream_error("upstream-error", 200, true), UpstreamError::http_error);
    EXPECT_EQ(classify_upstream_error("upstream-error", 404, true), UpstreamError::none);
    for (const char* outcome : {"client-gone", "refused", "rate-limited", "unauthorized",
                                "client-body-timeout", "bad-body", "preflight"})
        EXPECT_EQ(classify_upstream_error(outcome, 502, true), UpstreamError::none) << outcome;

    Registry registry("/v1");
    Exchange cut = chat("m");
    cut.outcome = "upstream-cut";
    registry.record(cut);
    registry.record(cut);
    Exchange down;
    down.path = "/v1/chat/completions";
    down.status = 502;
    down.outcome = "connect-failed";
    registry.record(down);
    const std::string text = registry.render(kContext);
    EXPECT_EQ(lines_starting(text, "ollama_proxy_upstream_errors_total{"),
              "ollama_proxy_upstream_errors_total{kind=\"connect\"} 1\n"
              "ollama_proxy_upstream_errors_total{kind=\"timeout\"} 0\n"
              "ollama_proxy_upstream_errors_total{kind=\"no_response\"} 0\n"
              "ollama_proxy_upstream_errors_total{kind=\"cut\"} 2\n"
              "ollama_proxy_upstream_errors_total{kind=\"bad_reply\"} 0\n"
              "ollama_proxy_upstream_errors_total{kind=\"http_error\"} 0\n");
    // A cut exchange is no success: no time to first token.
    EXPECT_EQ(lines_starting(text, "ollama_proxy_time_to_first_token_seconds_count"), "");
}

TEST(Metrics, QuotaRejectionsByKeyAndLimit) {
    Registry registry("/v1");
    for (const auto limit : {QuotaLimit::requests, QuotaLimit::tokens, QuotaLimit::requests,
                             QuotaLimit::concurrency}) {
        Exchange e;
        e.path = "/api/chat";
        e.status = 429;
        e.key = "team-a";
        e.outcome = "rate-limited";
        e.quota_refusal = limit;
        registry.record(e);
    }
    EXPECT_EQ(lines_starting(registry.render(kContext), "ollama_proxy_quota_rejections_total{"),
              "ollama_proxy_quota_rejections_total{key=\"team-a\",limit=\"requests\"} 2\n"
              "ollama_proxy_quota_rejections_total{key=\"team-a\",limit=\"tokens\"} 1\n"
              "ollama_proxy_quota_rejections_total{key=\"team-a\",limit=\"concurrency\"} 1\n");
}

TEST(Metrics, StreamsAreCountedWhileTheyLast) {
    Registry registry("/v1");
    {
        auto first = registry.stream_started();
        auto second = registry.stream_started();
        EXPECT_EQ(registry.in_flight_streams(), 2);
        auto moved = std::move(second);
        EXPECT_EQ(registry.in_flight_streams(), 2);
        EXPECT_EQ(lines_starting(registry.render(kContext), "ollama_proxy_in_flight_streams "),
                  "ollama_proxy_in_flight_streams 2\n");
    }
    EXPECT_EQ(registry.in_flight_streams(), 0);
}

TEST(Metrics, ThreadsRecordConcurrently) {
    Registry registry("/v1");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&registry] {
            for (int i = 0; i < 2000; ++i)
                registry.record(chat(i % 2 == 0 ? "a" : "b"));
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(registry.requests_by_route(),
              (std::vector<std::pair<std::string, std::uint64_t>>{{"/api/chat", 8000}}));
}

}  // namespace
}  // namespace ollama_proxy::metrics
