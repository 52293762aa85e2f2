// Responses the proxy writes itself (its own endpoints and its errors), in the caller's dialect:
// Ollama's {"error": "..."} everywhere, OpenAI's error object under the OpenAI base path.
#pragma once

#include "net/asio.hpp"

#include <boost/beast/http/status.hpp>
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ollama_proxy {

enum class Dialect { ollama, openai };

struct LocalReply {
    unsigned status = 200;
    std::string body;
    std::string content_type = "application/json; charset=utf-8";
    std::vector<std::pair<std::string, std::string>> headers;
};

LocalReply error_reply(Dialect dialect, unsigned status, std::string_view message);
LocalReply json_reply(unsigned status, const nlohmann::json& body);
// 405, with the Allow field naming the methods the path takes.
LocalReply method_not_allowed(std::string_view allowed);

struct ReplyContext {
    unsigned version = 11;    // the request's HTTP version (10 or 11)
    bool keep_alive = false;  // whether the connection stays open afterwards
    bool head_only = false;   // HEAD request: headers (with Content-Length) but no body
    std::string_view request_id;
};

// Writes the reply; the client connection's timer bounds a client that does not read.
awaitable<error_code> send_reply(beast::tcp_stream& client, const LocalReply& reply,
                                 const ReplyContext& context, SteadyClock::duration timeout);

}  // namespace ollama_proxy
