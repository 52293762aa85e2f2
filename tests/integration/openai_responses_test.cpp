// POST /v1/responses over real sockets against the fake: the response object, the typed event
// stream and its framing, the function-call round trip through previous_response_id (the
// conversation the fake receives is checked), failures in the middle of a stream, and the
// store's bounds (--responses-store-size, --responses-store-ttl).
#include "support/openai_support.hpp"
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace it {
namespace {

using nlohmann::json;

const json kWeatherTool = json::parse(R"({"type":"function","name":"get_weather",
    "description":"Current weather","parameters":{"type":"object",
    "properties":{"city":{"type":"string"}},"required":["city"]}})");

json request_body(const json& input, const json& extra = json::object()) {
    json body = extra;
    body["model"] = kV1Model;
    body["input"] = input;
    return body;
}

// The text of every output_text part of a response object's message items.
std::string output_text(const json& response) {
    std::string text;
    for (const auto& item : response.value("output", json::array())) {
        if (item.value("type", "") != "message") continue;
        for (const auto& part : item.value("content", json::array()))
            text += part.value("text", "");
    }
    return text;
}

const json* first_of_type(const json& response, const std::string& type) {
    for (const auto& item : response.at("output")) {
        if (item.value("type", "") == type) return &item;
    }
    return nullptr;
}

// The recorded bodies of the native chats the fake received, oldest first.
std::vector<json> native_chats(const FakeOllama& fake) {
    std::vector<json> bodies;
    for (const auto& request : requests_to(fake, "/api/chat"))
        bodies.push_back(json::parse(request["body"].get<std::string>()));
    return bodies;
}

class OpenAIResponses : public OpenAISuite<OpenAIResponses> {
  public:  // read by OpenAISuite
    static std::vector<std::string> proxy_args() { return {"--upstream-idle-timeout", "1"}; }

  protected:
    static Response send(const json& body) {
        return fetch(proxy_->port(), v1_responses_request(body), scaled(30s));
    }

    // A non-streaming request that must succeed; its response object.
    static json create(const json& body) {
        const Response r = send(body);
        EXPECT_EQ(r.status(), 200) << r.body;
        EXPECT_EQ(r.header("content-type").value_or(""), "application/json") << r.head.raw;
        return json::parse(r.body, nullptr, false);
    }

    // A streaming request read to its end: its events, with the framing checked.
    static std::vector<json> stream(json body) {
        body["stream"] = true;
        const Response r = send(body);
        EXPECT_EQ(r.status(), 200) << r.body;
        EXPECT_EQ(r.header("content-type").value_or("").rfind("text/event-stream", 0), 0u)
            << r.head.raw;
        EXPECT_EQ(r.header("cache-control"), "no-cache") << r.head.raw;
        EXPECT_TRUE(r.chunked) << r.head.raw;
        EXPECT_EQ(r.end, BodyEnd::clean) << "the stream did not end cleanly";
        const TypedSse sse = parse_typed_sse(r.body);
        EXPECT_TRUE(sse.malformed.empty()) << "frames other than event: + data:\n" << r.body;
        EXPECT_EQ(sse.rest, "") << r.body;
        EXPECT_EQ(r.body.find("[DONE]"), std::string::npos) << r.body;
        for (std::size_t i = 0; i < sse.events.size(); ++i)
            EXPECT_EQ(sse.events[i]["sequence_number"], i) << sse.events[i].dump();
        return sse.events;
    }

    static std::vector<std::string> types(const std::vector<json>& events) {
        std::vector<std::string> out;
        for (const auto& event : events)
            out.push_back(event.value("type", ""));
        return out;
    }

    static std::string deltas(const std::vector<json>& events) {
        std::string text;
        for (const auto& event : events) {
            if (event["type"] == "response.output_text.delta") text += event["delta"];
        }
        return text;
    }
};

TEST_F(OpenAIResponses, AResponseObjectForAPlainAnswer) {
    const json response = create(request_body("alpha beta", {{"instructions", "Be brief."}}));
    EXPECT_EQ(response["object"], "response");
    EXPECT_EQ(response["id"].get<std::string>().rfind("resp_", 0), 0u);
    EXPECT_EQ(response["status"], "completed");
    EXPECT_EQ(response["model"], kV1Model);
    EXPECT_EQ(response["instructions"], "Be brief.");
    EXPECT_EQ(output_text(response), fake_answer("alpha beta"));
    const json& usage = response["usage"];
    EXPECT_EQ(usage["total_tokens"],
              usage["input_tokens"].get<int>() + usage["output_tokens"].get<int>());
    EXPECT_GT(usage["output_tokens"].get<int>(), 0);

    const std::vector<json> chats = native_chats(*fake_);
    ASSERT_EQ(chats.size(), 1u);
    EXPECT_EQ(chats[0]["messages"], json::parse(R"([{"role":"system","content":"Be brief."},
        {"role":"user","content":"alpha beta"}])"));
    EXPECT_EQ(chats[0]["stream"], false);
}

TEST_F(OpenAIResponses, AStreamIsTheTypedEventSequence) {
    const std::vector<json> events = stream(request_body("gamma delta"));
    const std::vector<std::string> expected_head{
        "response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added", "response.output_text.delta"};
    const std::vector<std::string> all = types(events);
    ASSERT_GT(all.size(), 9u);
    EXPECT_EQ(std::vector<std::string>(all.begin(), all.begin() + 5), expected_head);
    const std::vector<std::string> expected_tail{"response.output_text.done",
                                                 "response.content_part.done",
                                                 "response.output_item.done", "response.completed"};
    EXPECT_EQ(std::vector<std::string>(all.end() - 4, all.end()), expected_tail);
    EXPECT_EQ(deltas(events), fake_answer("gamma delta"));
    const json& completed = events.back()["response"];
    EXPECT_EQ(completed["status"], "completed");
    EXPECT_EQ(completed["id"], events.front()["response"]["id"]);
    EXPECT_EQ(output_text(completed), fake_answer("gamma delta"));
    EXPECT_GT(completed["usage"]["output_tokens"].get<int>(), 0);
    EXPECT_EQ(native_chats(*fake_).at(0)["stream"], true);
}

TEST_F(OpenAIResponses, ThinkingIsAReasoningItem) {
    json body = request_body("why so");
    body["model"] = "qwen3:8b";
    const json response = create(body);
    const json* reasoning = first_of_type(response, "reasoning");
    ASSERT_NE(reasoning, nullptr) << response.dump();
    EXPECT_EQ((*reasoning)["content"][0]["text"], "Thinking about: why so");
    EXPECT_EQ(response["output"][0]["type"], "reasoning");
    EXPECT_EQ(response["output"][1]["type"], "message");

    const std::vector<json> events = stream(body);
    std::string thought;
    for (const auto& event : events) {
        if (event["type"] == "response.reasoning_text.delta") thought += event["delta"];
    }
    EXPECT_EQ(thought, "Thinking about: why so");
    EXPECT_EQ(events.back()["response"]["output"].size(), 2u);
}

TEST_F(OpenAIResponses, AFunctionCallRoundTripThroughPreviousResponseId) {
    const json tools = json::array({kWeatherTool});
    const json first = create(request_body("What is the weather in Tokyo?", {{"tools", tools}}));
    const json* call = first_of_type(first, "function_call");
    ASSERT_NE(call, nullptr) << first.dump();
    EXPECT_EQ((*call)["name"], "get_weather");
    EXPECT_EQ(json::parse((*call)["arguments"].get<std::string>()),
              json::parse(R"({"city":"Tokyo"})"));
    const std::string call_id = (*call)["call_id"];

    const json second = create(request_body(
        json::array(
            {{{"type", "function_call_output"}, {"call_id", call_id}, {"output", "sunny"}}}),
        {{"tools", tools}, {"previous_response_id", first["id"]}}));
    EXPECT_EQ(second["status"], "completed");
    EXPECT_EQ(second["previous_response_id"], first["id"]);
    EXPECT_EQ(output_text(second), "Tool result: sunny");

    const std::vector<json> chats = native_chats(*fake_);
    ASSERT_EQ(chats.size(), 2u);
    EXPECT_EQ(chats[1]["messages"], json::parse(R"([
        {"role":"user","content":"What is the weather in Tokyo?"},
        {"role":"assistant","content":"","tool_calls":[{"id":")" +
                                                call_id + R"(",
          "function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo"}}}]},
        {"role":"tool","content":"sunny","tool_call_id":")" +
                                                call_id + R"(",
         "tool_name":"get_weather"}])"));

    // And on: the third turn sees the whole conversation.
    const json third = create(request_body("Thanks", {{"previous_response_id", second["id"]}}));
    EXPECT_EQ(output_text(third), fake_answer("Thanks"));
    EXPECT_EQ(native_chats(*fake_).at(2)["messages"].size(), 5u);
}

TEST_F(OpenAIResponses, AStreamedResponseCanBeContinuedToo) {
    const json tools = json::array({kWeatherTool});
    const std::vector<json> events = stream(request_body("weather in Oslo?", {{"tools", tools}}));
    const json& completed = events.back()["response"];
    ASSERT_EQ(completed["status"], "completed") << completed.dump();
    const json* call = first_of_type(completed, "function_call");
    ASSERT_NE(call, nullptr) << completed.dump();
    const std::vector<json> next =
        stream(request_body(json::array({{{"type", "function_call_output"},
                                          {"call_id", (*call)["call_id"]},
                                          {"output", "cold"}}}),
                            {{"previous_response_id", completed["id"]}}));
    EXPECT_EQ(deltas(next), "Tool result: cold");
}

TEST_F(OpenAIResponses, AnUnknownPreviousResponseIdIsRefusedBeforeAnyUpstreamCall) {
    const Response r = send(request_body("hi", {{"previous_response_id", "resp_never_made"}}));
    ASSERT_TRUE(is_openai_error(r, 404, "not_found_error"));
    const json error = error_object(r.body);
    EXPECT_EQ(error["code"], "previous_response_not_found");
    EXPECT_EQ(error["param"], "previous_response_id");
    EXPECT_EQ(r.header("x-should-retry"), "false");
    EXPECT_TRUE(native_chats(*fake_).empty());
}

TEST_F(OpenAIResponses, StoreFalseIsNotKept) {
    const json response = create(request_body("forget me", {{"store", false}}));
    EXPECT_EQ(response["store"], false);
    const Response r = send(request_body("again", {{"previous_response_id", response["id"]}}));
    EXPECT_TRUE(is_openai_error(r, 404, "not_found_error"));
}

TEST_F(OpenAIResponses, TheTokenLimitMakesItIncomplete) {
    const json response = create(request_body(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen",
        {{"max_output_tokens", 16}}));
    EXPECT_EQ(response["status"], "incomplete");
    EXPECT_EQ(response["incomplete_details"], json::parse(R"({"reason":"max_output_tokens"})"));
    EXPECT_EQ(response["usage"]["output_tokens"], 16);
    EXPECT_EQ(native_chats(*fake_).at(0)["options"]["num_predict"], 16);
}

TEST_F(OpenAIResponses, AnErrorLineMidStreamEndsWithErrorThenResponseFailed) {
    arm_fault(*fake_, "error-after=2");
    const std::vector<json> events = stream(request_body("one two three four"));
    const std::vector<std::string> expected{"response.created",
                                            "response.in_progress",
                                            "response.output_item.added",
                                            "response.content_part.added",
                                            "response.output_text.delta",
                                            "response.output_text.delta",
                                            "error",
                                            "response.failed"};
    ASSERT_EQ(types(events), expected);
    const json& error = events[6];
    EXPECT_EQ(error["code"], "server_error");
    EXPECT_EQ(error["error"]["code"], "server_error");
    EXPECT_NE(error["message"].get<std::string>().find("injected failure"), std::string::npos);
    EXPECT_EQ(events[7]["response"]["status"], "failed");
    EXPECT_EQ(events[7]["response"]["error"]["code"], "server_error");

    // A failed response is not kept.
    const Response r =
        send(request_body("again", {{"previous_response_id", events[0]["response"]["id"]}}));
    EXPECT_TRUE(is_openai_error(r, 404, "not_found_error"));
}

TEST_F(OpenAIResponses, ACutUpstreamEndsWithErrorThenResponseFailed) {
    arm_fault(*fake_, "die-after=2");
    const std::vector<json> events = stream(request_body("one two three four"));
    ASSERT_GE(events.size(), 2u);
    EXPECT_EQ(events[events.size() - 2]["type"], "error");
    EXPECT_EQ(events.back()["type"], "response.failed");
    EXPECT_EQ(events.back()["response"]["status"], "failed");
}

TEST_F(OpenAIResponses, AnUpstreamRefusalBeforeTheStreamIsAPlainError) {
    json body = request_body("hi");
    body["model"] = "no-such-model";
    body["stream"] = true;
    const Response r = send(body);
    EXPECT_TRUE(is_openai_error(r, 404, "not_found_error"));
    EXPECT_EQ(error_object(r.body)["code"], "model_not_found");
}

class OpenAIResponsesSmallStore : public OpenAISuite<OpenAIResponsesSmallStore> {
  public:  // read by OpenAISuite
    static std::vector<std::string> proxy_args() {
        return {"--responses-store-size", "1", "--responses-store-ttl", "2"};
    }

  protected:
    static Response send(const json& body) {
        return fetch(proxy_->port(), v1_responses_request(body), scaled(30s));
    }
    static std::string made(const std::string& input) {
        const Response r = send(request_body(input));
        EXPECT_EQ(r.status(), 200) << r.body;
        return json::parse(r.body)["id"];
    }
    static int continue_status(const std::string& id) {
        return send(request_body("next", {{"previous_response_id", id}})).status();
    }
};

TEST_F(OpenAIResponsesSmallStore, TheOldestResponseGivesWayWhenTheStoreIsFull) {
    const std::string first = made("one");
    const std::string second = made("two");
    EXPECT_EQ(continue_status(first), 404);
    EXPECT_EQ(continue_status(second), 200);
}

TEST_F(OpenAIResponsesSmallStore, ResponsesExpire) {
    const std::string id = made("short-lived");
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    EXPECT_EQ(continue_status(id), 404);
}

}  // namespace
}  // namespace it
