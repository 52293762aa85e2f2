#include "net/local_reply.hpp"

#include "ollama_proxy/openai/api_error.hpp"

#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

namespace ollama_proxy {
namespace http = beast::http;

LocalReply error_reply(Dialect dialect, unsigned status, std::string_view message) {
    LocalReply reply;
    reply.status = status;
    if (dialect == Dialect::openai) {
        reply.body = openai::error_with_status(status, std::string(message)).body();
    } else {
        const nlohmann::json body{{"error", message}};
        reply.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return reply;
}

LocalReply json_reply(unsigned status, const nlohmann::json& body) {
    LocalReply reply;
    reply.status = status;
    reply.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return reply;
}

LocalReply method_not_allowed(std::string_view allowed) {
    LocalReply reply = error_reply(Dialect::ollama, 405, "method not allowed");
    reply.headers.emplace_back("Allow", std::string(allowed));
    return reply;
}

awaitable<error_code> send_reply(beast::tcp_stream& client, const LocalReply& reply,
                                 const ReplyContext& context, SteadyClock::duration timeout) {
    // The body is written from the reply itself (a span), not copied into the message.
    using Body = http::span_body<const char>;
    http::response<Body> res{static_cast<http::status>(reply.status),
                             context.version == 10 ? 10 : 11};
    res.set(http::field::server, "ollama-proxy");
    if (!reply.content_type.empty()) res.set(http::field::content_type, reply.content_type);
    for (const auto& [name, value] : reply.headers)
        res.insert(name, value);
    if (!context.request_id.empty()) res.set("x-request-id", context.request_id);
    res.body() = {reply.body.data(), reply.body.size()};
    res.keep_alive(context.keep_alive);
    res.prepare_payload();  // a HEAD reply keeps the Content-Length of the GET reply

    client.expires_after(timeout);
    http::response_serializer<Body> serializer{res};
    // Not a conditional expression: GCC 12 miscompiles co_await inside `?:`.
    if (context.head_only) {
        auto [ec, n] = co_await http::async_write_header(client, serializer, use_tuple);
        co_return ec;
    }
    auto [ec, n] = co_await http::async_write(client, serializer, use_tuple);
    co_return ec;
}

}  // namespace ollama_proxy
