#include "relay/passthrough.hpp"

#include "net/admission.hpp"
#include "net/header_edit.hpp"
#include "net/worker.hpp"
#include "ollama_proxy/header_rules.hpp"
#include "ollama_proxy/target_path.hpp"
#include "relay/body_pump.hpp"
#include "relay/client_watch.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include <optional>

namespace ollama_proxy {
namespace http = beast::http;
using namespace net::experimental::awaitable_operators;

namespace {

// How the response phase ended. Only `no_head` leaves the client untouched, so only then may the
// proxy still answer with an error of its own (or retry on a fresh connection).
struct ResponseOutcome {
    enum class Kind { complete, no_head, upstream_cut, client_gone } kind = Kind::complete;
    error_code error;
    bool upstream_reusable = false;
    bool client_reusable = false;
};

bool is_stale_connection_error(const error_code& ec) {
    return ec == http::error::end_of_stream || ec == net::error::eof ||
           ec == net::error::connection_reset || ec == net::error::broken_pipe;
}

class PassthroughExchange {
  public:
    PassthroughExchange(Worker& worker, ClientConnection client, Dialect dialect,
                        Admission& admission, AccessRecord& record)
        : worker_(worker),
          state_(worker.state),
          timeouts_(worker.state.config.timeouts),
          target_(worker.state.remote()),
          client_(client.stream),
          client_buffer_(client.buffer),
          slice_(client.slice),
          dialect_(dialect),
          admission_(admission),
          record_(record) {}

    awaitable<bool> run(http::request_parser<http::empty_body>& head);

  private:
    using RequestParser = http::request_parser<http::buffer_body>;

    void rewrite_request(http::request<http::buffer_body>& req, std::string target) const;
    awaitable<bool> send_continue();
    awaitable<PumpResult> send_request(UpstreamConnection& up, RequestParser& request);
    awaitable<ResponseOutcome> relay_response(UpstreamConnection& up);
    template <class Up>
    awaitable<ResponseOutcome> relay_response_on(Up& up, beast::flat_buffer& up_buffer);
    void frame_response(http::response<http::buffer_body>& res, bool chunked, bool until_close,
                        bool body_expected);
    void decorate_response(http::response<http::buffer_body>& res) const;
    awaitable<bool> finish(UpstreamPtr& up, const ResponseOutcome& outcome);
    awaitable<bool> reply_error(unsigned status, std::string message, std::string outcome);
    awaitable<bool> client_body_failed(const error_code& ec);
    awaitable<bool> no_response(const error_code& ec);

    Worker& worker_;
    ProxyState& state_;
    const TimeoutConfig& timeouts_;
    const TargetPtr target_;  // the remote as it was when the exchange began
    beast::tcp_stream& client_;
    beast::flat_buffer& client_buffer_;
    std::span<char> slice_;
    Dialect dialect_;
    Admission& admission_;
    AccessRecord& record_;

    unsigned client_version_ = 11;
    bool client_keep_alive_ = false;
    bool is_head_ = false;
    bool request_complete_ = false;  // the client's request body was read to its end
    ModelSniffer model_;             // the model the request body names, for metrics
};

awaitable<bool> PassthroughExchange::run(http::request_parser<http::empty_body>& head) {
    const auto& req_head = head.get();
    client_version_ = req_head.version();
    client_keep_alive_ = req_head.keep_alive();
    is_head_ = req_head.method() == http::verb::head;
    // An HTTP/1.0 client gets no interim response: it would not know one (RFC 9110 §15.2).
    const bool wants_continue =
        client_version_ >= 11 && iequals(req_head[http::field::expect], "100-continue");

    TargetVerdict verdict = upstream_target(target_->remote.base_path, req_head.target());
    if (!verdict.error.empty()) co_return co_await reply_error(400, verdict.error, "refused");

    RequestParser request{std::move(head)};
    request.body_limit(boost::none);
    rewrite_request(request.get(), std::move(verdict.target));
    const bool has_body = !request.is_done();
    request_complete_ = !has_body;

    const auto ex = co_await net::this_coro::executor;
    bool continue_sent = false;
    for (int attempt = 0;; ++attempt) {
        // Not a conditional expression: GCC 12 miscompiles co_await inside `?:`.
        std::variant<UpstreamPtr, ConnectFailure> acquired;
        if (attempt == 0) {
            acquired = co_await worker_.pool.acquire(ex, target_);
        } else {
            acquired = co_await worker_.pool.connect(ex, target_);
        }
        if (auto* failure = std::get_if<ConnectFailure>(&acquired)) {
            target_->health->record_failure(SteadyClock::now(), failure->message);
            co_return co_await reply_error(502, failure->message, "connect-failed");
        }
        UpstreamPtr up = std::move(std::get<UpstreamPtr>(acquired));
        // Ask for the body only once the remote is known to be there to receive it.
        if (wants_continue && has_body && !continue_sent) {
            const bool sent = co_await send_continue();
            if (!sent) co_return false;
            continue_sent = true;
        }
        const PumpResult sent = co_await send_request(*up, request);
        record_.bytes_in = sent.bytes;
        if (!model_.model().empty()) record_.model = model_.model();
        request_complete_ = request.is_done();
        if (sent.read_error) {
            up->close();
            co_return co_await client_body_failed(sent.read_error);
        }
        // A stale pooled connection fails before the remote saw anything; a bodyless request can
        // safely be sent again on a fresh one.
        const bool retryable = up->reused && !has_body && attempt == 0;
        if (sent.write_error && retryable) {
            up->close();
            continue;
        }
        // If the remote stopped reading the body, it may still have answered (e.g. it refused
        // the upload): look for its response before giving up.
        auto raced = co_await (relay_response(*up) || watch_for_hangup(client_, client_buffer_));
        if (raced.index() == 1) {
            up->close();
            record_.outcome = "client-gone";
            if (record_.status == 0) record_.status = 499;
            co_return false;
        }
        const auto& outcome = std::get<0>(raced);
        if (outcome.kind == ResponseOutcome::Kind::no_head && retryable &&
            is_stale_connection_error(outcome.error)) {
            up->close();
            continue;
        }
        if (sent.write_error && outcome.kind == ResponseOutcome::Kind::no_head) {
            up->close();
            co_return co_await reply_error(
                502,
                "remote Ollama at " + target_->display +
                    " closed the connection while receiving the request: " +
                    sent.write_error.message(),
                "upstream-write-failed");
        }
        co_return co_await finish(up, outcome);
    }
}

void PassthroughExchange::rewrite_request(http::request<http::buffer_body>& req,
                                          std::string target) const {
    const auto length = req.payload_size();
    const bool chunked = req.chunked();
    strip_hop_by_hop(req);
    req.erase(http::field::expect);  // answered here, not forwarded (see send_continue)
    req.target(target);
    req.version(11);
    req.set(http::field::host, target_->host_header);
    // The proxy's own keys never travel upstream, in either header that may carry them.
    if (admission_.policy->enabled) {
        req.erase(admission_.policy->header);
        req.erase(http::field::authorization);
    }
    // The proxy answers for origins itself; the remote's own policy would refuse the pages
    // the proxy was configured to allow.
    if (admission_.cross_origin) req.erase(http::field::origin);
    if (!target_->remote.api_key.empty())
        req.set(http::field::authorization, "Bearer " + target_->remote.api_key);
    // Framing as the parser saw it, whatever the header fields said.
    if (chunked) {
        req.chunked(true);
    } else if (length && *length > 0) {
        req.content_length(*length);
    }
    req.keep_alive(true);
}

awaitable<bool> PassthroughExchange::send_continue() {
    http::response<http::empty_body> interim{http::status::continue_, 11};
    client_.expires_after(to_steady(timeouts_.client_idle));
    auto [ec, n] = co_await http::async_write(client_, interim, use_tuple);
    if (ec) {
        record_.outcome = "client-gone";
        record_.status = 499;
    }
    co_return !ec;
}

awaitable<PumpResult> PassthroughExchange::send_request(UpstreamConnection& up,
                                                        RequestParser& request) {
    const PumpTimeouts timeouts{to_steady(timeouts_.client_idle),
                                to_steady(timeouts_.upstream_idle)};
    co_return co_await std::visit(
        [&](auto& stream) -> awaitable<PumpResult> {
            http::request_serializer<http::buffer_body> serializer{request.get()};
            // When body bytes are already buffered the pump writes head and first slice in one
            // go; otherwise the head goes now, so the remote sees the request without delay.
            if (request.is_done() || client_buffer_.size() == 0) {
                beast::get_lowest_layer(stream).expires_after(to_steady(timeouts_.upstream_idle));
                auto [ec, n] = co_await http::async_write_header(stream, serializer, use_tuple);
                if (ec) co_return PumpResult{{}, ec, 0};
            }
            const BodyTaps taps{
                .snippet = record_.log_payloads ? &record_.request_body : nullptr,
                .model = &model_,
            };
            co_return co_await pump_body(client_, client_buffer_, request, stream, serializer,
                                         slice_, timeouts, taps);
        },
        up.stream);
}

awaitable<ResponseOutcome> PassthroughExchange::relay_response(UpstreamConnection& up) {
    co_return co_await std::visit(
        [&](auto& stream) { return relay_response_on(stream, up.buffer); }, up.stream);
}

template <class Up>
awaitable<ResponseOutcome> PassthroughExchange::relay_response_on(Up& up,
                                                                  beast::flat_buffer& up_buffer) {
    using Kind = ResponseOutcome::Kind;
    std::optional<http::response_parser<http::buffer_body>> response;
    do {  // interim 1xx responses (e.g. 103 Early Hints) are consumed, not relayed
        response.emplace();
        response->header_limit(static_cast<std::uint32_t>(state_.config.server.max_header_bytes));
        response->body_limit(boost::none);
        response->skip(is_head_);
        beast::get_lowest_layer(up).expires_after(to_steady(timeouts_.upstream_head));
        auto [ec, n] = co_await http::async_read_header(up, up_buffer, *response, use_tuple);
        if (ec) co_return ResponseOutcome{Kind::no_head, ec};
    } while (response->get().result_int() / 100 == 1);

    const auto now = SteadyClock::now();
    record_.upstream_ttfb = now - record_.started;
    target_->health->record_answer(now);

    auto& res = response->get();
    const unsigned status = res.result_int();
    const bool upstream_keep_alive = res.keep_alive() && !response->need_eof();
    const bool body_expected = !is_head_ && status != 204 && status != 304;
    frame_response(res, response->chunked(), response->need_eof(), body_expected);
    decorate_response(res);

    http::response_serializer<http::buffer_body> serializer{res};
    record_.status = status;
    // Same rule as for the request: a head whose first body bytes are already here leaves with
    // them in one write; otherwise it goes out at once.
    if (!body_expected || response->is_done() || up_buffer.size() == 0) {
        client_.expires_after(to_steady(timeouts_.client_idle));
        auto [wec, wn] = co_await http::async_write_header(client_, serializer, use_tuple);
        if (wec) co_return ResponseOutcome{Kind::client_gone, wec};
    }

    ResponseOutcome outcome{Kind::complete, {}, false, res.keep_alive()};
    if (body_expected) {
        const PumpTimeouts timeouts{to_steady(timeouts_.upstream_idle),
                                    to_steady(timeouts_.client_idle)};
        // Only a successful reply has used tokens worth counting.
        const BodyTaps taps{
            .usage = status / 100 == 2 ? &admission_.usage() : nullptr,
            .snippet = record_.log_payloads ? &record_.response_body : nullptr,
            .first_bytes = &record_.first_body_at,
        };
        // A chunked or close-delimited reply is a stream (NDJSON, pull progress) for metrics.
        std::optional<metrics::Registry::StreamGuard> streaming;
        if (response->chunked() || response->need_eof())
            streaming.emplace(state_.metrics.stream_started());
        const PumpResult pumped = co_await pump_body(up, up_buffer, *response, client_, serializer,
                                                     slice_, timeouts, taps);
        record_.bytes_out = pumped.bytes;
        if (pumped.read_error) co_return ResponseOutcome{Kind::upstream_cut, pumped.read_error};
        if (pumped.write_error) co_return ResponseOutcome{Kind::client_gone, pumped.write_error};
    }
    outcome.upstream_reusable = upstream_keep_alive && response->is_done() && up_buffer.size() == 0;
    co_return outcome;
}

// Hop-by-hop fields go; framing is set for this client: a body that the remote chunked or
// delimited by closing is re-chunked for HTTP/1.1 clients, and for HTTP/1.0 clients ends when
// the connection closes.
void PassthroughExchange::frame_response(http::response<http::buffer_body>& res, bool chunked,
                                         bool until_close, bool body_expected) {
    const auto length = res.has_content_length()
                            ? std::optional<std::string>(res[http::field::content_length])
                            : std::nullopt;
    strip_hop_by_hop(res);
    if (length) res.set(http::field::content_length, *length);
    bool keep_alive =
        client_keep_alive_ && request_complete_ && !state_.draining.load(std::memory_order_relaxed);
    if (body_expected && (chunked || until_close)) {
        if (client_version_ >= 11) {
            res.chunked(true);
        } else {
            keep_alive = false;
        }
    } else if (!body_expected && chunked) {
        res.chunked(true);  // a HEAD reply mirrors the framing of the GET it stands for
    }
    res.version(client_version_ == 10 ? 10 : 11);
    res.keep_alive(keep_alive);
}

// The request id, and what the gate decided every response must carry (rate limits, CORS), in
// place of anything the remote said about the same.
void PassthroughExchange::decorate_response(http::response<http::buffer_body>& res) const {
    res.set("x-request-id", record_.request_id);
    if (admission_.headers.empty()) return;
    if (admission_.cross_origin) {
        for (const auto field :
             {http::field::access_control_allow_origin, http::field::access_control_expose_headers,
              http::field::access_control_allow_credentials})
            res.erase(field);
    }
    for (const auto& [name, value] : admission_.headers) {
        if (!iequals(name, "Vary")) res.erase(name);
        res.insert(name, value);
    }
}

awaitable<bool> PassthroughExchange::finish(UpstreamPtr& up, const ResponseOutcome& outcome) {
    using Kind = ResponseOutcome::Kind;
    switch (outcome.kind) {
        case Kind::complete:
            if (outcome.upstream_reusable) {
                worker_.pool.release(std::move(up));
            } else {
                up->close();
            }
            co_return outcome.client_reusable;
        case Kind::no_head:
            up->close();
            co_return co_await no_response(outcome.error);
        case Kind::upstream_cut:
            // The client already has part of the body: cutting its connection is the only
            // honest signal left (never a clean end of a truncated stream).
            up->close();
            record_.outcome =
                outcome.error == beast::error::timeout ? "upstream-idle-timeout" : "upstream-cut";
            co_return false;
        case Kind::client_gone:
            up->close();
            record_.outcome = "client-gone";
            co_return false;
    }
    co_return false;
}

awaitable<bool> PassthroughExchange::no_response(const error_code& ec) {
    const std::string& remote = target_->display;
    if (ec == beast::error::timeout) {
        const std::string message =
            fmt::format("remote Ollama at {} sent no response within {:g} s", remote,
                        timeouts_.upstream_head.count());
        target_->health->record_failure(SteadyClock::now(), message);
        co_return co_await reply_error(504, message, "upstream-head-timeout");
    }
    const std::string message =
        is_stale_connection_error(ec)
            ? "remote Ollama at " + remote + " closed the connection without a response"
            : "remote Ollama at " + remote + " sent an invalid response: " + ec.message();
    target_->health->record_failure(SteadyClock::now(), message);
    co_return co_await reply_error(502, message, "upstream-no-response");
}

awaitable<bool> PassthroughExchange::client_body_failed(const error_code& ec) {
    record_.status = 400;
    if (ec == beast::error::timeout) {
        record_.status = 408;
        record_.outcome = "client-body-timeout";
        co_return false;  // the timer already closed the socket; there is no one to tell
    }
    if (is_stale_connection_error(ec) || ec == http::error::partial_message) {
        record_.status = 499;
        record_.outcome = "client-gone";
        co_return false;
    }
    co_return co_await reply_error(400, "malformed request body: " + ec.message(), "bad-body");
}

awaitable<bool> PassthroughExchange::reply_error(unsigned status, std::string message,
                                                 std::string outcome) {
    record_.status = status;
    record_.outcome = std::move(outcome);
    // An unread request body would be parsed as the next request: such a connection must close.
    const bool keep_alive =
        client_keep_alive_ && request_complete_ && !state_.draining.load(std::memory_order_relaxed);
    const ReplyContext context{client_version_, keep_alive, is_head_, record_.request_id};
    LocalReply reply = error_reply(dialect_, status, message);
    reply.headers = admission_.headers;
    if (record_.log_payloads) record_.response_body.feed(reply.body);
    const auto ec = co_await send_reply(client_, reply, context, to_steady(timeouts_.client_idle));
    co_return keep_alive && !ec;
}

}  // namespace

awaitable<bool> relay_passthrough(Worker& worker, ClientConnection client,
                                  http::request_parser<http::empty_body>& head, Dialect dialect,
                                  Admission& admission, AccessRecord& record) {
    PassthroughExchange exchange(worker, client, dialect, admission, record);
    co_return co_await exchange.run(head);
}

}  // namespace ollama_proxy
