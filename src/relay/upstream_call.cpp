#include "relay/upstream_call.hpp"

#include "net/worker.hpp"
#include "ollama_proxy/target_path.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

namespace ollama_proxy {
namespace http = beast::http;
namespace {

bool is_stale(const error_code& ec) {
    return ec == http::error::end_of_stream || ec == net::error::eof ||
           ec == net::error::connection_reset || ec == net::error::broken_pipe;
}

}  // namespace

UpstreamCall::UpstreamCall(Worker& worker) : worker_(worker), target_(worker.state.remote()) {}

UpstreamCall::~UpstreamCall() {
    if (up_) up_->close();
}

awaitable<std::optional<CallFailure>> UpstreamCall::start(std::string_view method,
                                                          std::string_view path,
                                                          const std::string& body) {
    for (int round = 0; round < 2; ++round) {
        bool stale = false;
        auto failure = co_await attempt(method, path, body, stale);
        if (!failure || !stale || round == 1) co_return failure;
    }
    co_return std::nullopt;
}

awaitable<std::optional<CallFailure>> UpstreamCall::attempt(std::string_view method,
                                                            std::string_view path,
                                                            const std::string& body, bool& stale) {
    ProxyState& state = worker_.state;
    const auto& timeouts = state.config.timeouts;
    const auto ex = co_await net::this_coro::executor;
    if (up_) up_->close();
    std::variant<UpstreamPtr, ConnectFailure> acquired;
    if (stale) {
        acquired = co_await worker_.pool.connect(ex, target_);
    } else {
        acquired = co_await worker_.pool.acquire(ex, target_);
    }
    if (auto* failure = std::get_if<ConnectFailure>(&acquired)) {
        target_->health->record_failure(SteadyClock::now(), failure->message);
        co_return CallFailure{502, failure->message, "connect-failed"};
    }
    up_ = std::move(std::get<UpstreamPtr>(acquired));

    // The body is sent from the caller's string (a span), not copied into the message.
    http::request<http::span_body<const char>> req{
        http::string_to_verb(method), upstream_target(target_->remote.base_path, path).target, 11};
    req.set(http::field::host, target_->host_header);
    req.set(http::field::user_agent, "ollama-proxy/" OLLAMA_PROXY_VERSION);
    req.set(http::field::accept, "application/json, application/x-ndjson");
    if (!target_->remote.api_key.empty())
        req.set(http::field::authorization, "Bearer " + target_->remote.api_key);
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = {body.data(), body.size()};
    }
    req.keep_alive(true);
    req.prepare_payload();

    parser_.emplace();
    parser_->body_limit(boost::none);
    parser_->header_limit(static_cast<std::uint32_t>(state.config.server.max_header_bytes));
    const std::string& remote = target_->display;
    const bool reused = up_->reused;
    error_code ec = co_await std::visit(
        [&](auto& stream) -> awaitable<error_code> {
            beast::get_lowest_layer(stream).expires_after(to_steady(timeouts.upstream_idle));
            auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
            if (wec) co_return wec;
            do {  // 1xx interim responses are not the answer
                parser_.emplace();
                parser_->body_limit(boost::none);
                parser_->header_limit(
                    static_cast<std::uint32_t>(state.config.server.max_header_bytes));
                beast::get_lowest_layer(stream).expires_after(to_steady(timeouts.upstream_head));
                auto [rec, rn] =
                    co_await http::async_read_header(stream, up_->buffer, *parser_, use_tuple);
                if (rec) co_return rec;
            } while (parser_->get().result_int() / 100 == 1);
            co_return error_code{};
        },
        up_->stream);
    if (!ec) {
        target_->health->record_answer(SteadyClock::now());
        co_return std::nullopt;
    }
    stale = reused && is_stale(ec);
    std::string message;
    if (ec == beast::error::timeout) {
        message = fmt::format("remote Ollama at {} sent no response within {:g} s", remote,
                              timeouts.upstream_head.count());
        target_->health->record_failure(SteadyClock::now(), message);
        co_return CallFailure{504, message, "upstream-head-timeout"};
    }
    message = is_stale(ec)
                  ? "remote Ollama at " + remote + " closed the connection without a response"
                  : "remote Ollama at " + remote + " sent an invalid response: " + ec.message();
    if (!stale) target_->health->record_failure(SteadyClock::now(), message);
    co_return CallFailure{502, message, "upstream-no-response"};
}

CallFailure UpstreamCall::body_failure(const error_code& ec) const {
    const std::string& remote = target_->display;
    if (ec == beast::error::timeout) {
        return {504,
                fmt::format("remote Ollama at {} sent nothing for {:g} s", remote,
                            worker_.state.config.timeouts.upstream_idle.count()),
                "upstream-idle-timeout"};
    }
    return {502, "remote Ollama at " + remote + " broke off its reply: " + ec.message(),
            "upstream-cut"};
}

awaitable<std::optional<CallFailure>> UpstreamCall::read_some(std::span<char> slice,
                                                              std::size_t& got) {
    got = 0;
    if (parser_->is_done()) co_return std::nullopt;
    auto& body = parser_->get().body();
    body.data = slice.data();
    body.size = slice.size();
    const error_code ec =
        co_await std::visit([this](auto& stream) { return read_some_on(stream); }, up_->stream);
    if (ec && ec != http::error::need_buffer) co_return body_failure(ec);
    got = slice.size() - body.size;
    co_return std::nullopt;
}

template <class Stream>
awaitable<error_code> UpstreamCall::read_some_on(Stream& stream) {
    beast::get_lowest_layer(stream).expires_after(
        to_steady(worker_.state.config.timeouts.upstream_idle));
    auto [ec, n] = co_await http::async_read_some(stream, up_->buffer, *parser_, use_tuple);
    co_return ec;
}

awaitable<std::optional<CallFailure>> UpstreamCall::read_all(std::string& out, std::size_t limit,
                                                             std::span<char> slice) {
    if (const auto length = parser_->content_length(); length && *length <= limit)
        out.reserve(out.size() + *length);
    while (!parser_->is_done()) {
        std::size_t got = 0;
        const auto failure = co_await read_some(slice, got);
        if (failure) co_return failure;
        if (out.size() + got > limit) {
            co_return CallFailure{
                502, "remote Ollama's reply is larger than " + std::to_string(limit >> 20) + " MiB",
                "upstream-too-large"};
        }
        out.append(slice.data(), got);
    }
    co_return std::nullopt;
}

void UpstreamCall::finish() {
    if (!up_) return;
    const bool clean = parser_ && parser_->is_done() && parser_->keep_alive() &&
                       !parser_->need_eof() && up_->buffer.size() == 0;
    if (clean) {
        worker_.pool.release(std::move(up_));
    } else {
        up_->close();
        up_.reset();
    }
}

}  // namespace ollama_proxy
