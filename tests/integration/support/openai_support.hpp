// Helpers for the tests of the OpenAI dialect (/v1): request bodies, the fake's fault switch
// (client headers are not forwarded on /v1, so faults are armed on the fake itself), SSE parsing
// and OpenAI error bodies.
#pragma once

#include "support/servers.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace it {

inline const std::string kV1Model = "llama3.2:latest";

// A /v1/chat/completions body for kV1Model with one user message; `extra` is appended as further
// JSON members (e.g. R"("n":2)").
std::string v1_chat_body(const std::string& content, bool stream, const std::string& extra = {});

// POST /v1/chat/completions carrying `body` as application/json, plus `headers`.
std::string v1_chat_request(const std::string& body, const Headers& headers = {});

// POST /v1/responses carrying `body` (a JSON object) as application/json.
std::string v1_responses_request(const nlohmann::json& body);

// What the fake answers to a chat whose last user message is `content`.
std::string fake_answer(const std::string& content);

// POST `target` carrying `body` as application/json.
std::string v1_json_request(const std::string& target, const std::string& body);

// One field of a multipart/form-data body; a file part when `filename` is set.
struct FormField {
    std::string name;
    std::string value;
    std::optional<std::string> filename = {};
    std::string content_type = {};
};
inline const std::string kFormBoundary = "----proxy-test-7Hq2ZrL0";
// The body as the SDKs send it (CRLF lines, closing boundary), and its Content-Type.
std::string form_body(const std::vector<FormField>& fields,
                      const std::string& boundary = kFormBoundary);
std::string form_content_type(const std::string& boundary = kFormBoundary);

// Standard padded base64, both ways (the decoder assumes valid input).
std::string to_base64(std::string_view bytes);
std::string from_base64(std::string_view text);

// POST /_fake/fault: the next `count` non-control requests the fake sees get `fault`.
void arm_fault(const FakeOllama& fake, const std::string& fault, int count = 1);
// DELETE /_fake/fault.
void disarm_faults(const FakeOllama& fake);
// The recorded requests with this target.
std::vector<nlohmann::json> requests_to(const FakeOllama& fake, const std::string& target);

// An event-stream body cut into its events (frames ending in a blank line).
struct SseBody {
    std::vector<std::string> data;       // payload of every `data: ` frame, in order
    std::vector<std::string> malformed;  // frames that are not exactly one `data: ` line
    std::string rest;                    // bytes after the last complete frame
};
SseBody parse_sse(const std::string& body);

// A typed event stream (the Responses API) cut into its events: frames of exactly an `event:`
// line and a `data:` line, the data parsed. A frame of another shape, data that is not JSON, or
// an event name that is not the data's `type` is kept in `malformed`.
struct TypedSse {
    std::vector<nlohmann::json> events;
    std::vector<std::string> malformed;
    std::string rest;  // bytes after the last complete frame
};
TypedSse parse_typed_sse(const std::string& body);

// The JSON payloads of the frames, [DONE] excluded (a payload that is not JSON fails the test).
std::vector<nlohmann::json> sse_json(const SseBody& sse);

// The concatenated delta.content of the chat chunks for choice `index`.
std::string joined_content(const std::vector<nlohmann::json>& chunks, int index = 0);

// Checks an OpenAI error reply: `status`, a JSON content type, and a body
// {"error":{"message":non-empty string,"type":`type`,"param":..,"code":..}} with exactly these
// four members.
::testing::AssertionResult is_openai_error(const Response& r, int status, std::string_view type);
// The "error" object of an error body or event payload (null when there is none).
nlohmann::json error_object(const std::string& body);

// The access-log line of the request with this id, once the proxy has written it.
std::optional<std::string> wait_access_line(const Proxy& proxy, const std::string& request_id,
                                            Millis timeout);

inline long long ms(Clock::duration d) {
    return std::chrono::duration_cast<Millis>(d).count();
}

// One fake and one proxy per suite, started with `Derived::fake_args()` and
// `Derived::proxy_args()`. Before each test faults are disarmed and the fake's log cleared;
// after it, whatever the test did, the proxy must still answer a plain /v1 chat.
template <class Derived>
class OpenAISuite : public ::testing::Test {
  protected:
    static std::vector<std::string> fake_args() { return {}; }
    static std::vector<std::string> proxy_args() { return {}; }

    static void SetUpTestSuite() {
        fake_ = FakeOllama::start(Derived::fake_args());
        proxy_ = Proxy::start_for(*fake_, Derived::proxy_args());
    }
    static void TearDownTestSuite() {
        proxy_.reset();
        fake_.reset();
    }
    void SetUp() override {
        disarm_faults(*fake_);
        fake_->clear();
    }
    void TearDown() override {
        disarm_faults(*fake_);
        const Response r =
            fetch(proxy_->port(), v1_chat_request(v1_chat_body("still", false)), scaled(10s));
        EXPECT_EQ(r.status(), 200) << "the proxy stopped serving after the test: " << r.body;
        if (HasFailure()) std::cout << "proxy log:\n" << proxy_->log() << std::endl;
    }

    static inline std::unique_ptr<FakeOllama> fake_;
    static inline std::unique_ptr<Proxy> proxy_;
};

}  // namespace it
