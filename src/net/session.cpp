#include "net/session.hpp"

#include "net/admin_endpoints.hpp"
#include "net/admission.hpp"
#include "net/local_reply.hpp"
#include "net/own_endpoints.hpp"
#include "net/worker.hpp"
#include "ollama_proxy/header_rules.hpp"
#include "ollama_proxy/target_path.hpp"
#include "relay/body_pump.hpp"
#include "relay/openai_exchange.hpp"
#include "relay/passthrough.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <spdlog/spdlog.h>

namespace ollama_proxy {
namespace http = beast::http;

namespace {

// A request head, any pipelined bytes and one chunk header must fit; beyond this a client gets
// 431 instead of growing the proxy's memory.
constexpr std::size_t client_buffer_limit = 1 << 20;
constexpr std::size_t max_logged_path = 256;

std::string peer_of(const tcp::socket& socket) {
    error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    if (ec) return "?";
    return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

bool is_loopback_peer(const tcp::socket& socket) {
    error_code ec;
    const auto address = socket.remote_endpoint(ec).address();
    if (ec) return false;
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6()).is_loopback();
    return address.is_loopback();
}

double seconds(SteadyClock::duration d) {
    return std::chrono::duration<double>(d).count();
}

void record_metrics(metrics::Registry& registry, const AccessRecord& record) {
    metrics::Exchange exchange;
    exchange.path = record.path;
    exchange.status = record.status;
    exchange.model = record.model;
    exchange.key = record.key;
    exchange.outcome = record.outcome;
    exchange.duration_seconds = seconds(SteadyClock::now() - record.started);
    if (record.first_body_at)
        exchange.first_body_seconds = seconds(*record.first_body_at - record.started);
    exchange.prompt_tokens = record.prompt_tokens;
    exchange.completion_tokens = record.completion_tokens;
    exchange.quota_refusal = record.quota_refusal;
    registry.record(exchange);
}

class Session {
  public:
    Session(Worker& worker, tcp::socket socket)
        : worker_(worker),
          state_(worker.state),
          timeouts_(worker.state.config.timeouts),
          client_(std::move(socket)),
          buffer_(client_buffer_limit),
          peer_(peer_of(client_.socket())),
          loopback_(is_loopback_peer(client_.socket())) {
        buffer_.reserve(64 * 1024);  // socket reads are sized by the free capacity
    }

    awaitable<void> run();

  private:
    awaitable<bool> wait_for_request(bool first);
    awaitable<bool> serve(http::request_parser<http::empty_body>& head);
    awaitable<bool> serve_own(http::request_parser<http::empty_body>& head, std::string_view path,
                              AccessRecord& record);
    awaitable<bool> serve_admin(http::request_parser<http::empty_body>& head,
                                const Admission& admission, AccessRecord& record);
    awaitable<bool> serve_gated(http::request_parser<http::empty_body>& head, std::string_view path,
                                Dialect dialect, AccessRecord& record);
    awaitable<bool> refuse(http::request_parser<http::empty_body>& head, LocalReply reply,
                           AccessRecord& record);
    awaitable<void> reject_head(const error_code& ec);
    void close();

    Worker& worker_;
    ProxyState& state_;
    const TimeoutConfig& timeouts_;
    beast::tcp_stream client_;
    beast::flat_buffer buffer_;
    std::unique_ptr<char[]> slice_ = std::make_unique_for_overwrite<char[]>(pump_slice_bytes);
    std::string peer_;
    bool loopback_;
};

awaitable<void> Session::run() {
    for (bool first = true;; first = false) {
        const bool arrived = co_await wait_for_request(first);
        if (!arrived) break;
        http::request_parser<http::empty_body> head;
        head.header_limit(static_cast<std::uint32_t>(state_.config.server.max_header_bytes));
        head.body_limit(boost::none);  // the body is relayed, not held; limits apply per route
        client_.expires_after(to_steady(timeouts_.client_head));
        auto [ec, n] = co_await http::async_read_header(client_, buffer_, head, use_tuple);
        if (ec) {
            co_await reject_head(ec);
            break;
        }
        state_.active_exchanges.fetch_add(1, std::memory_order_relaxed);
        const bool keep_alive = co_await serve(head);
        state_.active_exchanges.fetch_sub(1, std::memory_order_relaxed);
        if (!keep_alive || state_.draining.load(std::memory_order_relaxed)) break;
    }
    close();
}

// Waits, with the keep-alive clock, for the first byte of the next request. Idle connections are
// listed on the worker so that draining can close them at once instead of waiting them out.
awaitable<bool> Session::wait_for_request(bool first) {
    if (buffer_.size() > 0) co_return true;  // a pipelined request is already here
    if (state_.draining.load(std::memory_order_relaxed)) co_return false;
    client_.expires_after(to_steady(first ? timeouts_.client_head : timeouts_.keep_alive));
    worker_.idle_clients.insert(&client_);
    auto [ec, n] = co_await client_.async_read_some(buffer_.prepare(64 * 1024), use_tuple);
    worker_.idle_clients.erase(&client_);
    buffer_.commit(n);
    co_return !ec && n > 0;
}

awaitable<bool> Session::serve(http::request_parser<http::empty_body>& head) {
    const auto& req = head.get();
    AccessRecord record;
    record.started = SteadyClock::now();
    record.request_id = state_.next_request_id();
    record.log_payloads = state_.config.log.payloads;
    record.peer = peer_;
    record.method = std::string(req.method_string());
    const std::string_view path = target_path(req.target());
    record.path = std::string(path.substr(0, max_logged_path));

    const auto te = req.find(http::field::transfer_encoding);
    const RequestFraming framing{req.find(http::field::content_length) != req.end(),
                                 te != req.end() ? std::optional(te->value()) : std::nullopt,
                                 req.version() < 11};
    const Dialect dialect =
        path_is_under(path, state_.config.openai.base_path) ? Dialect::openai : Dialect::ollama;
    bool keep_alive = false;
    if (auto error = framing_error(framing)) {
        record.status = 400;
        record.outcome = "refused";
        const ReplyContext context{req.version(), false, false, record.request_id};
        co_await send_reply(client_, error_reply(dialect, 400, *error), context,
                            to_steady(timeouts_.client_idle));
    } else if (is_own_endpoint(path)) {
        keep_alive = co_await serve_own(head, path, record);
    } else {
        keep_alive = co_await serve_gated(head, path, dialect, record);
    }
    write_access_log(record);
    record_metrics(state_.metrics, record);
    co_return keep_alive;
}

// Everything but /health and /ready passes the gate on its head, before any body is read; the
// admission it gives holds the key's quota place until the exchange ends.
awaitable<bool> Session::serve_gated(http::request_parser<http::empty_body>& head,
                                     std::string_view path, Dialect dialect, AccessRecord& record) {
    Admission admission;
    const GateRequest gate{head.get(), path, dialect, loopback_};
    if (auto refusal = pass_gate(state_, gate, admission, record)) {
        for (const auto& header : admission.headers)
            refusal->headers.push_back(header);
        co_return co_await refuse(head, std::move(*refusal), record);
    }
    if (is_admin_path(path)) co_return co_await serve_admin(head, admission, record);
    const ClientConnection client{client_, buffer_, {slice_.get(), pump_slice_bytes}};
    bool keep_alive = false;
    if (dialect == Dialect::openai) {
        const std::string below(path.substr(state_.config.openai.base_path.size()));
        keep_alive = co_await relay_openai(worker_, client, head, below, admission, record);
    } else {
        keep_alive = co_await relay_passthrough(worker_, client, head, dialect, admission, record);
    }
    record.prompt_tokens = admission.usage().prompt_tokens();
    record.completion_tokens = admission.usage().completion_tokens();
    admission.finish();
    co_return keep_alive;
}

// Refused on the head: the body is never read, so a request that has one closes the connection.
awaitable<bool> Session::refuse(http::request_parser<http::empty_body>& head, LocalReply reply,
                                AccessRecord& record) {
    const auto& req = head.get();
    record.status = reply.status;
    const ReplyContext context{req.version(), req.keep_alive() && head.is_done(),
                               req.method() == http::verb::head, record.request_id};
    const auto ec = co_await send_reply(client_, reply, context, to_steady(timeouts_.client_idle));
    co_return context.keep_alive && !ec;
}

awaitable<bool> Session::serve_own(http::request_parser<http::empty_body>& head,
                                   std::string_view path, AccessRecord& record) {
    const auto& req = head.get();
    const LocalReply reply = co_await answer_own_endpoint(worker_, path, req.method_string());
    // These endpoints take no body; rather than read one, close after answering.
    const bool keep_alive =
        req.keep_alive() && head.is_done() && !state_.draining.load(std::memory_order_relaxed);
    const ReplyContext context{req.version(), keep_alive, req.method() == http::verb::head,
                               record.request_id};
    record.status = reply.status;
    record.bytes_out = context.head_only ? 0 : reply.body.size();
    const auto ec = co_await send_reply(client_, reply, context, to_steady(timeouts_.client_idle));
    co_return keep_alive && !ec;
}

// The admin surface reads its (small) body whole: its actions take their arguments as JSON.
awaitable<bool> Session::serve_admin(http::request_parser<http::empty_body>& head,
                                     const Admission& admission, AccessRecord& record) {
    http::request_parser<http::string_body> full{std::move(head)};
    // The head was parsed without a limit, so a declared length is checked here; the limit set
    // now covers chunked bodies as they arrive.
    full.body_limit(admin_body_limit);
    const auto declared = full.content_length();
    const bool too_large = declared && *declared > admin_body_limit;
    if (!full.is_done()) {
        error_code ec = http::error::body_limit;
        if (!too_large) {
            client_.expires_after(to_steady(timeouts_.client_idle));
            auto [read_error, n] = co_await http::async_read(client_, buffer_, full, use_tuple);
            ec = read_error;
        }
        if (ec == http::error::body_limit) {
            record.status = 413;
            const ReplyContext context{full.get().version(), false, false, record.request_id};
            co_await send_reply(client_,
                                error_reply(Dialect::ollama, 413, "admin request body too large"),
                                context, to_steady(timeouts_.client_idle));
            co_return false;
        }
        if (ec) {
            record.outcome = "client-gone";
            co_return false;
        }
    }
    const auto& req = full.get();
    const std::string_view target = req.target();
    const auto question = target.find('?');
    const std::string_view query =
        question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
    const AdminRequest request{req.method_string(),
                               target_path(target),
                               query,
                               req[http::field::content_type],
                               req.body(),
                               peer_};
    LocalReply reply = co_await answer_admin(worker_, request);
    for (const auto& header : admission.headers)
        reply.headers.push_back(header);
    const bool keep_alive = req.keep_alive() && !state_.draining.load(std::memory_order_relaxed);
    const ReplyContext context{req.version(), keep_alive, req.method() == http::verb::head,
                               record.request_id};
    record.status = reply.status;
    record.bytes_in = req.body().size();
    record.bytes_out = context.head_only ? 0 : reply.body.size();
    const auto ec = co_await send_reply(client_, reply, context, to_steady(timeouts_.client_idle));
    co_return keep_alive && !ec;
}

// A head that could not be read: answer what can be answered, then close.
awaitable<void> Session::reject_head(const error_code& ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted)
        co_return;  // gone, or a slow-loris cut off by the head timer: no one to answer
    const bool too_large = ec == http::error::header_limit || ec == http::error::buffer_overflow;
    const unsigned status = too_large ? 431 : 400;
    const std::string message =
        too_large ? "request header fields too large" : "malformed HTTP request: " + ec.message();
    spdlog::debug("peer={} rejected request head: {}", peer_, ec.message());
    const ReplyContext context{11, false, false, {}};
    co_await send_reply(client_, error_reply(Dialect::ollama, status, message), context,
                        to_steady(timeouts_.client_idle));
}

void Session::close() {
    error_code ignored;
    client_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    client_.close();
}

}  // namespace

awaitable<void> run_session(Worker& worker, tcp::socket socket) {
    Session session(worker, std::move(socket));
    co_await session.run();
}

}  // namespace ollama_proxy
