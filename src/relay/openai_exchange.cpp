#include "relay/openai_exchange.hpp"

#include "net/admission.hpp"
#include "net/worker.hpp"
#include "ollama_proxy/header_rules.hpp"
#include "ollama_proxy/ndjson_splitter.hpp"
#include "ollama_proxy/openai/endpoints.hpp"
#include "ollama_proxy/openai/multipart.hpp"
#include "relay/client_watch.hpp"
#include "relay/upstream_call.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <chrono>
#include <random>

namespace ollama_proxy {
namespace http = beast::http;
using namespace net::experimental::awaitable_operators;
using openai::ApiError;
using Step = openai::StreamTranslator::Step;

namespace {

// Native replies are read whole before translation; a bound keeps a broken remote from
// exhausting memory (the largest real ones are embedding batches of a few tens of MiB).
constexpr std::size_t kMaxNativeReply = 256 * 1024 * 1024;
constexpr std::size_t kMaxErrorBody = 64 * 1024;
// What may follow a stream's final line before its end; more means a confused remote.
constexpr std::size_t kMaxTrailingBytes = 64 * 1024;

// Seeds for the ids of each exchange: random per thread, then a counter (no syscall per request).
std::uint64_t next_id_seed() {
    thread_local std::uint64_t state =
        (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    // Mixed, so that consecutive seeds do not give overlapping id sequences.
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 33)) * 0xFF51AFD7ED558CCDULL;
    z = (z ^ (z >> 33)) * 0xC4CEB9FE1A85EC53ULL;
    return z ^ (z >> 33);
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

ApiError upstream_error(unsigned status, std::string message) {
    return openai::error_with_status(status, std::move(message));
}

// A remote that refused the connection, dropped it or broke off may be restarting: worth the
// SDK's retries. A remote that timed out or answered nonsense will do so again.
ApiError as_api_error(const CallFailure& failure) {
    ApiError error = upstream_error(failure.status, failure.message);
    error.retry = failure.outcome == "connect-failed" ||
                  failure.outcome == "upstream-no-response" || failure.outcome == "upstream-cut";
    return error;
}

class OpenAIExchange {
  public:
    OpenAIExchange(Worker& worker, ClientConnection client, Admission& admission,
                   AccessRecord& record)
        : worker_(worker),
          state_(worker.state),
          timeouts_(worker.state.config.timeouts),
          client_(client.stream),
          client_buffer_(client.buffer),
          slice_(client.slice),
          admission_(admission),
          record_(record) {}

    awaitable<bool> run(http::request_parser<http::empty_body>& head, std::string_view path);

  private:
    awaitable<std::optional<std::string>> read_body(http::request_parser<http::empty_body>& head);
    awaitable<std::optional<openai::FormData>> read_form(
        http::request_parser<http::empty_body>& head, std::string_view content_type);
    awaitable<bool> begin_body(http::request_parser<http::empty_body>& head,
                               const ApiError& too_large);
    awaitable<void> body_failed(error_code ec, const ApiError& too_large);
    awaitable<bool> execute(openai::Plan& plan);
    awaitable<bool> run_calls(openai::Plan& plan);
    awaitable<bool> run_stream(openai::Plan& plan);
    awaitable<std::optional<ApiError>> start_call(UpstreamCall& call,
                                                  const openai::NativeCall& native);
    awaitable<Step> relay_lines(UpstreamCall& call, openai::StreamTranslator& stream);
    awaitable<bool> send_stream_head();
    awaitable<bool> send_chunk(std::string& out);
    awaitable<bool> end_stream();
    awaitable<bool> finish_stream(std::string& out);
    awaitable<bool> reply(unsigned status, std::string body, std::string_view content_type);
    awaitable<bool> reply_error(const ApiError& error, std::string outcome);
    bool keep_alive() const;

    Worker& worker_;
    ProxyState& state_;
    const TimeoutConfig& timeouts_;
    beast::tcp_stream& client_;
    beast::flat_buffer& client_buffer_;
    std::span<char> slice_;
    Admission& admission_;
    AccessRecord& record_;

    unsigned client_version_ = 11;
    bool client_keep_alive_ = false;
    bool is_head_ = false;           // the reply carries a head only
    bool request_complete_ = false;  // the request body was read to its end
    bool stream_open_ = false;       // a 200 event-stream head went out
    bool client_failed_ = false;     // a write to the client failed
};

awaitable<bool> OpenAIExchange::run(http::request_parser<http::empty_body>& head,
                                    std::string_view path) {
    const auto& req = head.get();
    client_version_ = req.version();
    client_keep_alive_ = req.keep_alive();
    is_head_ = req.method() == http::verb::head;
    request_complete_ = head.is_done();
    const std::string method(req.method_string());

    const std::string content_type(req[http::field::content_type]);
    std::string body;
    std::optional<openai::FormData> form;  // uploads are parsed as they arrive instead
    if (openai::takes_body(method) && openai::is_form_data(content_type)) {
        form = co_await read_form(head, content_type);
        if (!form) co_return false;  // already answered, or the client is gone
    } else if (openai::takes_body(method)) {
        auto read = co_await read_body(head);
        if (!read) co_return false;
        body = std::move(*read);
    }
    openai::IdSource ids(next_id_seed());
    openai::PlanContext context{state_.config.models, ids, unix_now(),
                                state_.config.openai.base_path};
    context.content_type = content_type;
    context.form = form ? &*form : nullptr;
    context.moderation_model = state_.config.moderation.model;
    context.translation_model = state_.config.audio.translation_model;
    context.responses = &state_.responses;
    context.clock = unix_now;
    openai::Plan plan;
    std::optional<ApiError> refusal;  // co_await is not allowed inside a handler
    try {
        plan = openai::plan_request(method, path, body, context);
    } catch (const ApiError& error) {
        refusal = error;
    }
    if (refusal) co_return co_await reply_error(*refusal, "refused");
    record_.model = plan.model;
    // The remote works on the request only while the client is there to take the answer.
    auto raced = co_await (execute(plan) || watch_for_hangup(client_, client_buffer_));
    if (raced.index() == 1) {
        record_.outcome = "client-gone";
        if (record_.status == 0 || stream_open_) record_.status = 499;
        co_return false;
    }
    co_return std::get<0>(raced);
}

ApiError body_too_large(std::size_t limit) {
    ApiError error =
        openai::error_with_status(413, "Request body too large: the limit is " +
                                           std::to_string(limit) + " bytes (--max-body-size).");
    error.code = "request_too_large";
    return error;
}

// Refuses a declared length over the limit and sends 100 Continue when asked; false when the
// exchange already ended.
awaitable<bool> OpenAIExchange::begin_body(http::request_parser<http::empty_body>& head,
                                           const ApiError& too_large) {
    if (const auto length = head.content_length();
        length && *length > state_.config.server.max_body_bytes) {
        co_await reply_error(too_large, "body-too-large");
        co_return false;
    }
    // An HTTP/1.0 client gets no interim response: it would not know one (RFC 9110 §15.2).
    if (!head.is_done() && client_version_ >= 11 &&
        iequals(head.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> interim{http::status::continue_, 11};
        client_.expires_after(to_steady(timeouts_.client_idle));
        auto [ec, n] = co_await http::async_write(client_, interim, use_tuple);
        if (ec) co_return false;
    }
    co_return true;
}

awaitable<void> OpenAIExchange::body_failed(error_code ec, const ApiError& too_large) {
    if (ec == http::error::body_limit) {
        co_await reply_error(too_large, "body-too-large");
    } else if (ec == beast::error::timeout) {
        record_.status = 408;
        record_.outcome = "client-body-timeout";
    } else if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
               ec == net::error::eof || ec == net::error::connection_reset) {
        record_.status = 499;
        record_.outcome = "client-gone";
    } else {
        co_await reply_error(openai::invalid_request("Malformed request body: " + ec.message()),
                             "bad-body");
    }
}

// The whole body, bounded by --max-body-size; nullopt when the exchange already ended.
awaitable<std::optional<std::string>> OpenAIExchange::read_body(
    http::request_parser<http::empty_body>& head) {
    const std::size_t limit = state_.config.server.max_body_bytes;
    const ApiError too_large = body_too_large(limit);
    const bool go_on = co_await begin_body(head, too_large);
    if (!go_on) co_return std::nullopt;
    if (head.is_done()) co_return std::string{};
    http::request_parser<http::string_body> parser{std::move(head)};
    parser.body_limit(limit);
    while (!parser.is_done()) {
        client_.expires_after(to_steady(timeouts_.client_idle));
        auto [ec, n] = co_await http::async_read_some(client_, client_buffer_, parser, use_tuple);
        if (!ec) continue;
        co_await body_failed(ec, too_large);
        co_return std::nullopt;
    }
    request_complete_ = true;
    record_.bytes_in = parser.get().body().size();
    if (record_.log_payloads) record_.request_body.feed(parser.get().body());
    co_return std::move(parser.get().body());
}

// A multipart/form-data body, each read pushed through the form parser while the next one is
// awaited: only the parts are kept, never the raw body beside them.
awaitable<std::optional<openai::FormData>> OpenAIExchange::read_form(
    http::request_parser<http::empty_body>& head, std::string_view content_type) {
    const std::size_t limit = state_.config.server.max_body_bytes;
    const ApiError too_large = body_too_large(limit);
    std::optional<openai::MultipartParser> form;
    std::optional<ApiError> refusal;  // co_await is not allowed inside a handler
    try {
        openai::MultipartLimits limits;
        limits.max_file_bytes = limit;
        form.emplace(openai::form_boundary(content_type), limits);
    } catch (const ApiError& error) {
        refusal = error;
    }
    if (refusal) {
        co_await reply_error(*refusal, "refused");
        co_return std::nullopt;
    }
    const bool go_on = co_await begin_body(head, too_large);
    if (!go_on) co_return std::nullopt;
    if (!head.is_done()) {
        http::request_parser<http::buffer_body> parser{std::move(head)};
        parser.body_limit(limit);
        while (!parser.is_done()) {
            auto& body = parser.get().body();
            body.data = slice_.data();
            body.size = slice_.size();
            client_.expires_after(to_steady(timeouts_.client_idle));
            auto [ec, n] =
                co_await http::async_read_some(client_, client_buffer_, parser, use_tuple);
            const std::size_t got = slice_.size() - body.size;
            record_.bytes_in += got;
            if (!form->feed({slice_.data(), got})) break;  // the rest is not worth reading
            if (!ec || ec == http::error::need_buffer) continue;
            co_await body_failed(ec, too_large);
            co_return std::nullopt;
        }
        request_complete_ = parser.is_done();
    } else {
        request_complete_ = true;
    }
    if (!form->finish()) {
        co_await reply_error(*form->error(), "refused");
        co_return std::nullopt;
    }
    co_return form->take();
}

awaitable<bool> OpenAIExchange::execute(openai::Plan& plan) {
    // Not a conditional expression: GCC 12 miscompiles co_await inside `?:`.
    if (plan.stream) co_return co_await run_stream(plan);
    co_return co_await run_calls(plan);
}

// Starts one native call; an error status is read and translated here, so callers only see
// a call that is ready to deliver a successful body.
awaitable<std::optional<ApiError>> OpenAIExchange::start_call(UpstreamCall& call,
                                                              const openai::NativeCall& native) {
    const auto failure = co_await call.start(native.method, native.path, native.body);
    if (failure) {
        record_.outcome = failure->outcome;
        co_return as_api_error(*failure);
    }
    if (!record_.upstream_ttfb) record_.upstream_ttfb = SteadyClock::now() - record_.started;
    if (call.status() / 100 == 2) co_return std::nullopt;
    std::string body;
    const auto unread = co_await call.read_all(body, kMaxErrorBody, slice_);
    if (unread) body.clear();
    call.finish();
    record_.outcome = "upstream-error";
    co_return openai::from_upstream(call.status(), body);
}

awaitable<bool> OpenAIExchange::run_calls(openai::Plan& plan) {
    std::vector<std::string> bodies;
    for (const auto& native : plan.calls) {
        UpstreamCall call(worker_);
        const auto error = co_await start_call(call, native);
        if (error) {
            co_return co_await reply_error(*error, record_.outcome);
        }
        std::string body;
        const auto failure = co_await call.read_all(body, kMaxNativeReply, slice_);
        if (failure) {
            co_return co_await reply_error(as_api_error(*failure), failure->outcome);
        }
        call.finish();
        if (!record_.first_body_at) record_.first_body_at = SteadyClock::now();
        admission_.usage().feed(body);
        bodies.push_back(std::move(body));
    }
    std::string out;
    std::optional<ApiError> invalid;
    try {
        out = plan.assemble(bodies);
    } catch (const ApiError& error) {
        invalid = error;
    }
    if (invalid) co_return co_await reply_error(*invalid, "upstream-invalid");
    co_return co_await reply(200, std::move(out), plan.content_type);
}

// n > 1 runs the n native streams one after the other, each feeding its own choice index.
awaitable<bool> OpenAIExchange::run_stream(openai::Plan& plan) {
    openai::StreamTranslator& stream = *plan.stream;
    std::string out;
    std::optional<metrics::Registry::StreamGuard> streaming;  // while the SSE stream is open
    for (std::size_t i = 0; i < plan.calls.size(); ++i) {
        UpstreamCall call(worker_);
        const auto error = co_await start_call(call, plan.calls[i]);
        if (error) {
            if (!stream_open_) co_return co_await reply_error(*error, record_.outcome);
            stream.fail(*error, out);
            co_return co_await finish_stream(out);
        }
        // No co_await inside `&&`: GCC 12 miscompiles short-circuited awaits.
        if (!stream_open_) {
            const bool sent = co_await send_stream_head();
            if (!sent) co_return false;
            streaming.emplace(state_.metrics.stream_started());
        }
        stream.begin_choice(i);
        const Step step = co_await relay_lines(call, stream);
        if (client_failed_) co_return false;
        if (step != Step::choice_done) co_return co_await end_stream();
        call.finish();
    }
    stream.finish(out);
    co_return co_await finish_stream(out);
}

// One native stream through the translator, each read's events written before the next read.
// Ends at the choice's final line, or after an error event has been written.
awaitable<Step> OpenAIExchange::relay_lines(UpstreamCall& call, openai::StreamTranslator& stream) {
    NdjsonSplitter splitter;
    std::string out;
    Step step = Step::more;
    std::optional<ApiError> error;
    while (step == Step::more && !error) {
        if (call.done()) {
            // A last line without its newline still counts; a stream without a final line
            // is truncated, and must not look finished.
            const std::string_view last = splitter.pending();
            if (last.find_first_not_of(" \t\r") != std::string_view::npos)
                step = stream.on_line(last, out);
            if (step == Step::more) {
                error =
                    upstream_error(502, "remote Ollama ended the stream before it was complete");
                record_.outcome = "upstream-incomplete";
            }
            if (!out.empty()) {
                const bool sent = co_await send_chunk(out);
                if (!sent) co_return Step::failed;
            }
            break;
        }
        std::size_t got = 0;
        const auto failure = co_await call.read_some(slice_, got);
        if (failure) {
            error = as_api_error(*failure);
            record_.outcome = failure->outcome;
            break;
        }
        const bool fits = splitter.feed({slice_.data(), got}, [&](std::string_view line) {
            if (step == Step::more) step = stream.on_line(line, out);
        });
        if (!fits) error = upstream_error(502, "remote Ollama sent a stream line over 16 MiB");
        if (got > 0 && !record_.first_body_at) record_.first_body_at = SteadyClock::now();
        admission_.usage().feed({slice_.data(), got});
        if (!out.empty()) {
            const bool sent = co_await send_chunk(out);
            if (!sent) co_return Step::failed;
        }
    }
    if (error) {
        stream.fail(*error, out);
        co_await send_chunk(out);
        co_return Step::failed;
    }
    if (step == Step::failed) {
        record_.outcome = "upstream-error";
        co_return step;
    }
    // The final line is normally the end of the body; read what follows so the connection can
    // be reused, within reason.
    std::size_t trailing = 0;
    while (!call.done() && trailing <= kMaxTrailingBytes) {
        std::size_t got = 0;
        const auto failure = co_await call.read_some(slice_, got);
        if (failure) break;
        trailing += got;
    }
    co_return step;
}

awaitable<bool> OpenAIExchange::send_stream_head() {
    http::response<http::empty_body> res{http::status::ok, client_version_ == 10 ? 10u : 11u};
    res.set(http::field::server, "ollama-proxy");
    res.set(http::field::content_type, "text/event-stream; charset=utf-8");
    res.set(http::field::cache_control, "no-cache");
    res.set("X-Accel-Buffering", "no");
    res.set("x-request-id", record_.request_id);
    for (const auto& [name, value] : admission_.headers)
        res.insert(name, value);
    if (client_version_ >= 11) res.chunked(true);
    res.keep_alive(client_version_ >= 11 && keep_alive());
    http::response_serializer<http::empty_body> serializer{res};
    client_.expires_after(to_steady(timeouts_.client_idle));
    auto [ec, n] = co_await http::async_write_header(client_, serializer, use_tuple);
    record_.status = 200;
    stream_open_ = true;
    if (ec) client_failed_ = true;
    co_return !ec;
}

// Writes (and clears) the pending SSE bytes as one chunk: events are flushed as produced.
awaitable<bool> OpenAIExchange::send_chunk(std::string& out) {
    if (out.empty()) co_return !client_failed_;
    if (client_failed_) co_return false;
    client_.expires_after(to_steady(timeouts_.client_idle));
    error_code ec;
    if (client_version_ >= 11) {
        auto [wec, n] =
            co_await net::async_write(client_, http::make_chunk(net::buffer(out)), use_tuple);
        ec = wec;
    } else {
        auto [wec, n] = co_await net::async_write(client_, net::buffer(out), use_tuple);
        ec = wec;
    }
    record_.bytes_out += out.size();
    if (record_.log_payloads) record_.response_body.feed(out);
    out.clear();
    if (ec) {
        client_failed_ = true;
        record_.outcome = "client-gone";
    }
    co_return !ec;
}

// Sends the last events, then the end of the body.
awaitable<bool> OpenAIExchange::finish_stream(std::string& out) {
    const bool sent = co_await send_chunk(out);
    if (!sent) co_return false;
    const bool ended = co_await end_stream();
    co_return ended;
}

awaitable<bool> OpenAIExchange::end_stream() {
    if (client_failed_) co_return false;
    if (client_version_ < 11) co_return false;  // an HTTP/1.0 stream ends with the connection
    client_.expires_after(to_steady(timeouts_.client_idle));
    auto [ec, n] = co_await net::async_write(client_, http::make_chunk_last(), use_tuple);
    co_return !ec && keep_alive();
}

bool OpenAIExchange::keep_alive() const {
    return client_keep_alive_ && request_complete_ &&
           !state_.draining.load(std::memory_order_relaxed);
}

awaitable<bool> OpenAIExchange::reply(unsigned status, std::string body,
                                      std::string_view content_type) {
    LocalReply local;
    local.status = status;
    local.body = std::move(body);
    if (record_.log_payloads) record_.response_body.feed(local.body);
    local.content_type = content_type;
    local.headers = admission_.headers;
    record_.status = status;
    record_.bytes_out = is_head_ ? 0 : local.body.size();
    const bool keep = keep_alive();
    const ReplyContext context{client_version_, keep, is_head_, record_.request_id};
    const auto ec = co_await send_reply(client_, local, context, to_steady(timeouts_.client_idle));
    co_return keep && !ec;
}

awaitable<bool> OpenAIExchange::reply_error(const ApiError& error, std::string outcome) {
    LocalReply local;
    local.status = error.status;
    local.body = error.body();
    if (record_.log_payloads) record_.response_body.feed(local.body);
    local.content_type = "application/json";
    local.headers = admission_.headers;
    if (!error.retryable()) local.headers.emplace_back("x-should-retry", "false");
    record_.status = error.status;
    record_.outcome = std::move(outcome);
    record_.bytes_out = is_head_ ? 0 : local.body.size();
    const bool keep = keep_alive();
    const ReplyContext context{client_version_, keep, is_head_, record_.request_id};
    const auto ec = co_await send_reply(client_, local, context, to_steady(timeouts_.client_idle));
    co_return keep && !ec;
}

}  // namespace

awaitable<bool> relay_openai(Worker& worker, ClientConnection client,
                             http::request_parser<http::empty_body>& head, std::string_view path,
                             Admission& admission, AccessRecord& record) {
    OpenAIExchange exchange(worker, client, admission, record);
    co_return co_await exchange.run(head, path);
}

}  // namespace ollama_proxy
