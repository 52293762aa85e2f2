#include "support/openai_support.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

namespace it {

std::string v1_chat_body(const std::string& content, bool stream, const std::string& extra) {
    nlohmann::ordered_json body;
    body["model"] = kV1Model;
    body["stream"] = stream;
    body["messages"] = nlohmann::json::array({{{"role", "user"}, {"content", content}}});
    std::string text = body.dump();
    if (!extra.empty()) text.insert(text.size() - 1, "," + extra);
    return text;
}

std::string v1_chat_request(const std::string& body, const Headers& headers) {
    Headers all{{"Content-Type", "application/json"}};
    all.insert(all.end(), headers.begin(), headers.end());
    return make_request("POST", "/v1/chat/completions", all, body);
}

std::string v1_json_request(const std::string& target, const std::string& body) {
    return make_request("POST", target, {{"Content-Type", "application/json"}}, body);
}

std::string form_body(const std::vector<FormField>& fields, const std::string& boundary) {
    std::string body;
    for (const FormField& field : fields) {
        body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.name + "\"";
        if (field.filename) body += "; filename=\"" + *field.filename + "\"";
        if (!field.content_type.empty()) body += "\r\nContent-Type: " + field.content_type;
        body += "\r\n\r\n" + field.value + "\r\n";
    }
    return body + "--" + boundary + "--\r\n";
}

std::string form_content_type(const std::string& boundary) {
    return "multipart/form-data; boundary=" + boundary;
}

std::string to_base64(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string from_base64(std::string_view text) {
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    const auto padding = static_cast<std::size_t>(
        std::count(text.end() - std::min<std::size_t>(2, text.size()), text.end(), '='));
    out.resize(n < 0 ? 0 : static_cast<std::size_t>(n) - padding);
    return out;
}

std::string v1_responses_request(const nlohmann::json& body) {
    return make_request("POST", "/v1/responses", {{"Content-Type", "application/json"}},
                        body.dump());
}

std::string fake_answer(const std::string& content) {
    return "You said: " + content;
}

void arm_fault(const FakeOllama& fake, const std::string& fault, int count) {
    const nlohmann::json body{{"fault", fault}, {"count", count}};
    const Response r =
        fetch(fake.port(), make_request("POST", "/_fake/fault", {}, body.dump()), scaled(10s));
    if (r.status() != 200) throw std::runtime_error("POST /_fake/fault: " + r.body);
}

void disarm_faults(const FakeOllama& fake) {
    const Response r = fetch(fake.port(), make_request("DELETE", "/_fake/fault"), scaled(10s));
    if (r.status() != 200) throw std::runtime_error("DELETE /_fake/fault: " + r.body);
}

std::vector<nlohmann::json> requests_to(const FakeOllama& fake, const std::string& target) {
    std::vector<nlohmann::json> out;
    for (const auto& request : fake.requests()) {
        if (request.value("target", "") == target) out.push_back(request);
    }
    return out;
}

SseBody parse_sse(const std::string& body) {
    SseBody sse;
    std::size_t start = 0;
    while (true) {
        const auto end = body.find("\n\n", start);
        if (end == std::string::npos) break;
        const std::string frame = body.substr(start, end - start);
        start = end + 2;
        if (frame.rfind("data: ", 0) == 0 && frame.find_first_of("\r\n") == std::string::npos) {
            sse.data.push_back(frame.substr(6));
        } else {
            sse.malformed.push_back(frame);
        }
    }
    sse.rest = body.substr(start);
    return sse;
}

TypedSse parse_typed_sse(const std::string& body) {
    TypedSse sse;
    std::size_t start = 0;
    while (true) {
        const auto end = body.find("\n\n", start);
        if (end == std::string::npos) break;
        const std::string frame = body.substr(start, end - start);
        start = end + 2;
        const auto newline = frame.find('\n');
        const bool shaped = frame.rfind("event: ", 0) == 0 && newline != std::string::npos &&
                            frame.compare(newline + 1, 6, "data: ") == 0 &&
                            frame.find_first_of("\r\n", newline + 1) == std::string::npos;
        auto data = shaped ? nlohmann::json::parse(frame.substr(newline + 7), nullptr, false)
                           : nlohmann::json();
        if (!data.is_object() || data.value("type", "") != frame.substr(7, newline - 7)) {
            sse.malformed.push_back(frame);
            continue;
        }
        sse.events.push_back(std::move(data));
    }
    sse.rest = body.substr(start);
    return sse;
}

std::vector<nlohmann::json> sse_json(const SseBody& sse) {
    std::vector<nlohmann::json> out;
    for (const auto& data : sse.data) {
        if (data == "[DONE]") continue;
        auto parsed = nlohmann::json::parse(data, nullptr, false);
        if (parsed.is_discarded()) {
            ADD_FAILURE() << "event data is not JSON: " << data;
            continue;
        }
        out.push_back(std::move(parsed));
    }
    return out;
}

std::string joined_content(const std::vector<nlohmann::json>& chunks, int index) {
    std::string text;
    for (const auto& chunk : chunks) {
        if (!chunk.contains("choices") || !chunk["choices"].is_array()) continue;
        for (const auto& choice : chunk["choices"]) {
            if (choice.value("index", -1) != index) continue;
            const auto& delta = choice.value("delta", nlohmann::json::object());
            if (delta.contains("content") && delta["content"].is_string())
                text += delta["content"].get<std::string>();
        }
    }
    return text;
}

nlohmann::json error_object(const std::string& body) {
    const auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("error") || !parsed["error"].is_object())
        return nullptr;
    return parsed["error"];
}

::testing::AssertionResult is_openai_error(const Response& r, int status, std::string_view type) {
    if (r.status() != status) {
        return ::testing::AssertionFailure()
               << "status " << r.status() << ", expected " << status << "; body: " << r.body;
    }
    const std::string content_type = r.header("content-type").value_or("");
    if (content_type.rfind("application/json", 0) != 0) {
        return ::testing::AssertionFailure() << "content-type '" << content_type << "'";
    }
    const nlohmann::json error = error_object(r.body);
    if (!error.is_object()) {
        return ::testing::AssertionFailure() << "not an OpenAI error body: " << r.body;
    }
    if (error.size() != 4 || !error.contains("message") || !error.contains("type") ||
        !error.contains("param") || !error.contains("code")) {
        return ::testing::AssertionFailure()
               << "the error object must have exactly message, type, param, code: " << r.body;
    }
    if (!error["message"].is_string() || error["message"].get<std::string>().empty()) {
        return ::testing::AssertionFailure() << "empty or non-string message: " << r.body;
    }
    if (error["type"] != type) {
        return ::testing::AssertionFailure() << "type " << error["type"] << ", expected " << type;
    }
    return ::testing::AssertionSuccess();
}

std::optional<std::string> wait_access_line(const Proxy& proxy, const std::string& request_id,
                                            Millis timeout) {
    std::optional<std::string> found;
    const std::string needle = "access id=" + request_id + " ";
    wait_until(
        [&] {
            for (const auto& line : non_empty_lines(proxy.log())) {
                if (line.find(needle) != std::string::npos) {
                    found = line;
                    return true;
                }
            }
            return false;
        },
        timeout, 20ms);
    return found;
}

}  // namespace it
