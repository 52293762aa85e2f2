// The only translation unit that instantiates Asio/Beast coroutines: listener, TLS, and the
// per-connection session for plain and TLS streams. Route logic lives in Beast-free files.
#include "server.hpp"

#include "control.hpp"
#include "routes.hpp"
#include "sha256.hpp"
#include "state.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

namespace fake_ollama {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
using beast::error_code;
using namespace net::experimental::awaitable_operators;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

constexpr std::size_t kHeaderLimit = 1 << 20;  // Go's default MaxHeaderBytes
// The connection buffer's hard cap: it bounds header growth and unparsed chunk headers.
constexpr std::size_t kReadBufferLimit = 2 << 20;
constexpr std::size_t kBodyChunk = 64 * 1024;
constexpr std::size_t kJsonBodyCap = 32 << 20;
// Like Go's net/http: an unread body up to this size is drained to keep the connection.
constexpr std::size_t kDrainLimit = 256 * 1024;
constexpr std::size_t kLingerBytes = 16 << 20;
constexpr auto kHandshakeTimeout = std::chrono::seconds(30);
constexpr auto kLingerTime = std::chrono::milliseconds(500);
constexpr auto kAcceptBackoff = std::chrono::milliseconds(50);

struct server_config {
    unsigned interval_ms = 20;
    bool log_requests = false;
};

enum class next_step {
    keep_alive,  // read the next request
    close,       // response complete; shut down politely
    drop,        // connection already closed or broken; just let go
};

// Keeps a gauge up for the lifetime of a scope.
class gauge_guard {
  public:
    explicit gauge_guard(std::atomic<std::uint64_t>& gauge) : gauge_(gauge) { ++gauge_; }
    ~gauge_guard() { --gauge_; }
    gauge_guard(const gauge_guard&) = delete;
    gauge_guard& operator=(const gauge_guard&) = delete;

  private:
    std::atomic<std::uint64_t>& gauge_;
};

std::optional<unsigned> parse_unsigned(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
    return value;
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    }
    return out;
}

bool is_http_error(const error_code& ec) {
    return ec.category() == http::make_error_code(http::error::bad_method).category();
}

template <class Fields>
request_record make_record(const http::request_header<Fields>& req) {
    request_record record;
    record.method = req.method_string();
    record.target = req.target();
    record.version = std::to_string(req.version() / 10) + "." + std::to_string(req.version() % 10);
    for (const auto& field : req) {
        const auto [it, inserted] =
            record.headers.emplace(lowercase(field.name_string()), field.value());
        if (!inserted) (it->second += ", ").append(field.value());
    }
    return record;
}

// Everything read from a request body: its hash and size for the log, its first bytes, and
// for JSON routes the whole body.
struct body_capture {
    explicit body_capture(bool keep_all) : keep_all_(keep_all) {}

    void add(std::string_view chunk) {
        hash.update(chunk);
        bytes += chunk.size();
        if (prefix.size() < kBodyPrefixLimit) {
            prefix.append(chunk.substr(0, kBodyPrefixLimit - prefix.size()));
        }
        if (keep_all_) all.append(chunk);
    }

    sha256 hash;
    std::uint64_t bytes = 0;
    std::string prefix;
    std::string all;

  private:
    bool keep_all_;
};

// Per-request facts the response phase needs after the parser's message has been used.
struct exchange {
    std::shared_ptr<request_record> record;  // null for control requests
    steady::time_point arrived;
    fault_spec fault;
    unsigned interval_ms = 0;
    unsigned version = 11;
    bool head = false;
    bool keep_alive = true;
    bool streaming = false;
    std::string log_label;  // "METHOD target", only with --log-requests
};

const std::string kInjectedError = "{\"error\":\"injected failure\"}\n";

// The head of a streamed reply. Written by hand rather than through a serializer so that it can
// share one write with the first line.
std::string stream_head(unsigned version, unsigned status, std::string_view content_type,
                        bool chunked, bool keep_alive) {
    std::string head = version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
    head += std::to_string(status);
    head += ' ';
    head += std::string_view(http::obsolete_reason(http::int_to_status(status)));
    head += "\r\nContent-Type: ";
    head += content_type;
    head += "\r\n";
    if (chunked) head += "Transfer-Encoding: chunked\r\n";
    if (version >= 11 && !keep_alive) head += "Connection: close\r\n";
    head += "\r\n";
    return head;
}

// Appends one NDJSON line, framed as its own chunk when chunked. An empty line is skipped: as
// a chunk it would be the terminating one.
void append_line(std::string& out, std::string_view line, bool chunked) {
    if (line.empty()) return;
    if (!chunked) {
        out += line;
        return;
    }
    std::array<char, 16> size{};
    const auto [end, ec] = std::to_chars(size.data(), size.data() + size.size(), line.size(), 16);
    out.append(size.data(), end);
    out += "\r\n";
    out += line;
    out += "\r\n";
}

template <class Stream>
class session {
  public:
    session(Stream& stream, fake_state& state, const server_config& config)
        : stream_(stream), state_(state), config_(config), timer_(stream.get_executor()) {}

    net::awaitable<void> run() {
        buffer_.reserve(16 * 1024);
        for (;;) {
            http::request_parser<http::empty_body> header;
            header.header_limit(kHeaderLimit);
            // The Content-Length limit is checked while the header is parsed; each route sets
            // its own cap afterwards.
            header.body_limit(boost::none);
            auto [ec, n] = co_await http::async_read_header(stream_, buffer_, header, use_tuple);
            if (ec) {
                co_await reject_head(ec);
                co_return;
            }
            const next_step step = co_await serve(header);
            if (step == next_step::keep_alive) continue;
            if (step == next_step::close) co_await close_politely();
            co_return;
        }
    }

  private:
    using parser_type = http::request_parser<http::buffer_body>;
    using message_type = http::request<http::buffer_body>;

    // ---- request phase --------------------------------------------------------------------

    net::awaitable<next_step> serve(http::request_parser<http::empty_body>& header) {
        // Legal before any body byte is parsed: the body reader starts on the next read.
        parser_type parser{std::move(header)};
        auto& req = parser.get();
        const std::string_view target = req.target();
        const route_match match =
            match_route(req.method_string(), target.substr(0, target.find('?')));
        exchange ex = open_exchange(req, match);

        if (auto refusal = admit(req, match, ex)) {
            co_return co_await answer_unread(parser, ex, std::move(*refusal));
        }
        if (ex.fault.close) {
            finish(ex, outcome::cut);
            abort_connection();
            co_return next_step::drop;
        }

        const bool json_body = wants_json_body(match.id) && !ex.fault.status;
        const bool blob_upload = match.id == route_id::blob && req.method() == http::verb::post;
        if (json_body && parser.content_length().value_or(0) > kJsonBodyCap) {
            co_return co_await answer_unread(parser, ex, too_large());
        }
        if (blob_upload && !ex.fault.status) {
            if (auto early = blob_upload_precheck(match.param, state_.blobs)) {
                co_return co_await answer_unread(parser, ex, std::move(*early));
            }
        }

        body_capture body(json_body);
        if (json_body && parser.content_length()) {
            body.all.reserve(static_cast<std::size_t>(*parser.content_length()));
        }
        const error_code ec =
            co_await read_body(parser, body, json_body ? kJsonBodyCap : std::uint64_t{0});
        record_body(ex, body);
        if (ec == http::error::body_limit) {
            reply r = too_large();
            r.close = true;
            co_return co_await respond(ex, std::move(r));
        }
        if (ec && is_http_error(ec) && ec != http::error::partial_message) {
            // Malformed framing (a bad chunk size, ...): say so, then close, since the rest of
            // the stream cannot be parsed.
            reply r = error_reply(400, ec.message());
            r.close = true;
            co_return co_await respond(ex, std::move(r));
        }
        if (ec) {
            // The client went away before the body was complete.
            if (ex.record) state_.log.set_outcome(ex.record, outcome::aborted, elapsed_ms(ex));
            co_return next_step::drop;
        }

        reply r = build_reply(req, match, ex, body);
        co_return co_await respond(ex, std::move(r));
    }

    exchange open_exchange(const message_type& req, const route_match& match) {
        exchange ex;
        ex.arrived = steady::now();
        ex.version = req.version();
        ex.head = req.method() == http::verb::head;
        ex.keep_alive = req.keep_alive();
        ex.interval_ms = config_.interval_ms;
        if (config_.log_requests) {
            ex.log_label = std::string(req.method_string()) + " " + std::string(req.target());
        }
        if (!match.control) {
            ex.record = state_.log.add(make_record(req));
            ++state_.stats.requests;
            if (!used_) {
                used_ = true;
                ++state_.stats.connections_used;
            }
        }
        return ex;
    }

    // Checks that run before the body: Host, fault and pacing headers. A reply is a refusal.
    std::optional<reply> admit(const http::request_header<>& req, const route_match& match,
                               exchange& ex) {
        // Go rejects an HTTP/1.1 request without Host before any handler runs.
        if (req.version() >= 11 && req.find(http::field::host) == req.end()) {
            reply r =
                text_reply(400, "400 Bad Request: missing required Host header", mime::text_utf8);
            r.close = true;
            return r;
        }
        if (match.control) return std::nullopt;
        if (auto armed = state_.faults.take()) ex.fault = *armed;
        if (const auto it = req.find("x-fake-fault"); it != req.end()) {
            const fault_parse_result parsed = parse_faults(it->value());
            if (!parsed.error.empty()) return error_reply(400, "x-fake-fault: " + parsed.error);
            ex.fault.merge(parsed.spec);
        }
        if (const auto it = req.find("x-fake-interval-ms"); it != req.end()) {
            const auto interval = parse_unsigned(it->value());
            if (!interval) return error_reply(400, "x-fake-interval-ms must be an integer");
            ex.interval_ms = *interval;
        }
        return std::nullopt;
    }

    reply build_reply(const http::request_header<>& req, const route_match& match,
                      const exchange& ex, const body_capture& body) {
        if (ex.fault.status) {
            return error_reply(*ex.fault.status,
                               "injected status " + std::to_string(*ex.fault.status));
        }
        try {
            if (match.control) {
                return handle_control(match, req.method_string(), body.all, state_);
            }
            if (match.id == route_id::blob && req.method() == http::verb::post) {
                return blob_upload_finish(match.param, body_hex_, state_.blobs);
            }
            const auto agent = req.find(http::field::user_agent);
            const request_view view{
                req.method_string(),
                agent == req.end() ? std::string_view{} : std::string_view(agent->value()),
                body.all};
            return handle_route(match, view, state_.blobs);
        } catch (const std::exception& e) {
            return error_reply(500, std::string("internal error: ") + e.what());
        }
    }

    static reply too_large() {
        reply r = error_reply(413, "http: request body too large");
        r.close = true;
        return r;
    }

    // Reads the body into `body` through a fixed 64 KiB buffer, so memory stays bounded
    // whatever the size. `cap` 0 means no limit.
    net::awaitable<error_code> read_body(parser_type& parser, body_capture& body,
                                         std::uint64_t cap) {
        if (parser.is_done()) co_return error_code{};
        if (expects_continue(parser.get())) {
            http::response<http::empty_body> go_on{http::status::continue_, 11};
            auto [ec, n] = co_await http::async_write(stream_, go_on, use_tuple);
            if (ec) co_return ec;
        }
        parser.body_limit(cap == 0 ? boost::optional<std::uint64_t>() : cap);
        if (!chunk_) chunk_ = std::make_unique<std::array<char, kBodyChunk>>();
        // Socket reads are sized by the buffer's free capacity; without this they stay small.
        buffer_.reserve(kBodyChunk);
        while (!parser.is_done()) {
            auto& target = parser.get().body();
            target.data = chunk_->data();
            target.size = chunk_->size();
            auto [ec, n] = co_await http::async_read_some(stream_, buffer_, parser, use_tuple);
            if (ec == http::error::need_buffer) ec = {};  // our chunk is full; not an error
            body.add(std::string_view(chunk_->data(), chunk_->size() - target.size));
            if (ec) co_return ec;
        }
        co_return error_code{};
    }

    static bool expects_continue(const http::request_header<>& req) {
        return req.version() >= 11 && beast::iequals(req[http::field::expect], "100-continue");
    }

    void record_body(const exchange& ex, body_capture& body) {
        body_hex_ = body.hash.hex_digest();
        if (ex.record) {
            state_.log.set_body(ex.record, body.bytes, body_hex_, std::move(body.prefix));
        }
    }

    // Answers before reading the body. A small announced body is drained to keep the
    // connection; otherwise the connection closes, since the unread bytes would be taken for
    // the next request.
    net::awaitable<next_step> answer_unread(parser_type& parser, exchange& ex, reply r) {
        if (!parser.is_done()) {
            const auto length = parser.content_length();
            if (!r.close && length && *length <= kDrainLimit && !expects_continue(parser.get())) {
                body_capture body(false);
                const auto failed = co_await read_body(parser, body, 0);
                if (failed) co_return next_step::drop;
                record_body(ex, body);
            } else {
                r.close = true;
            }
        }
        co_return co_await respond(ex, std::move(r));
    }

    // ---- response phase -------------------------------------------------------------------

    net::awaitable<next_step> respond(exchange& ex, reply r) {
        if (ex.record) state_.log.set_status(ex.record, r.status);
        ex.streaming = r.streaming && !ex.head;
        // Awaits are bound to a variable before being tested: GCC 12 miscompiles awaits inside
        // conditions and short-circuited operators.
        bool hung_up = false;
        if (ex.fault.slow_head_ms) hung_up = co_await pause(*ex.fault.slow_head_ms);
        if (hung_up) {
            finish(ex, outcome::aborted);
            co_return next_step::drop;
        }
        // Not a conditional expression: GCC 12 miscompiles co_await inside `?:`.
        next_step step;
        if (ex.streaming) {
            step = co_await send_stream(ex, r);
        } else {
            step = co_await send_plain(ex, r);
        }
        if (config_.log_requests) {
            std::fprintf(stderr, "%s -> %u\n", ex.log_label.c_str(), r.status);
        }
        co_return step;
    }

    net::awaitable<next_step> send_plain(exchange& ex, reply& r) {
        http::response<http::string_body> res;
        res.version(ex.version);
        res.result(r.status);
        if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
        const bool keep = ex.keep_alive && !r.close;
        res.keep_alive(keep);
        // HEAD gets the Content-Length a GET would have, and no body.
        const std::size_t length = r.body.size();
        if (!ex.head) res.body() = std::move(r.body);
        res.content_length(length);
        auto [ec, n] = co_await http::async_write(stream_, res, use_tuple);
        if (ec) {
            finish(ex, outcome::aborted);
            co_return next_step::drop;
        }
        finish(ex, outcome::complete);
        co_return keep ? next_step::keep_alive : next_step::close;
    }

    // Streams the NDJSON lines, one chunk per line. Lines with no pause between them (the head
    // and the first line, every line when the interval is 0, the last line and the final
    // chunk) leave in one write: the framing is identical, but a benchmark pays one syscall
    // per reply instead of one per line.
    net::awaitable<next_step> send_stream(exchange& ex, const reply& r) {
        const gauge_guard active(state_.stats.active_streams);
        // HTTP/1.0 has no chunked coding: the body runs until the connection closes.
        const bool chunked = ex.version >= 11;
        const bool keep = chunked && ex.keep_alive && !r.close;
        std::string out = stream_head(ex.version, r.status, r.content_type, chunked, keep);

        const std::size_t total = r.lines.size();
        const auto reached = [total](const std::optional<unsigned>& after, std::size_t i) {
            return after && i == std::min<std::size_t>(*after, total);
        };
        bool cut = false;
        for (std::size_t i = 0;; ++i) {
            const bool die = reached(ex.fault.die_after, i);
            const bool stall_here = reached(ex.fault.stall_after, i);
            const bool inject_error = !die && !stall_here && reached(ex.fault.error_after, i);
            const bool pace = i > 0 && ex.interval_ms > 0 && (i < total || inject_error);
            // Whatever is pending goes out before a pause or a fault takes effect.
            bool flushed = true;
            if (die || stall_here || pace) flushed = co_await flush(out);
            if (!flushed) {
                finish(ex, outcome::aborted);
                co_return next_step::drop;
            }
            if (die) {
                finish(ex, outcome::cut);
                abort_connection();
                co_return next_step::drop;
            }
            if (stall_here) {
                co_await stall(ex);
                co_return next_step::drop;
            }
            if (i == total && !inject_error) break;
            // First line at once, then one interval before each following line.
            bool gone = false;
            if (pace) gone = co_await pause(ex.interval_ms);
            if (gone) {
                finish(ex, outcome::aborted);
                co_return next_step::drop;
            }
            append_line(out, inject_error ? kInjectedError : r.lines[i], chunked);
            if (inject_error) {
                cut = true;
                break;
            }
        }
        if (chunked) out += "0\r\n\r\n";
        const bool flushed = co_await flush(out);
        if (!flushed) {
            finish(ex, outcome::aborted);
            co_return next_step::drop;
        }
        finish(ex, cut ? outcome::cut : outcome::complete);
        co_return keep ? next_step::keep_alive : next_step::close;
    }

    // Writes and empties `out`; false if the peer is gone.
    net::awaitable<bool> flush(std::string& out) {
        if (out.empty()) co_return true;
        auto [ec, n] = co_await net::async_write(stream_, net::buffer(out), use_tuple);
        out.clear();
        co_return !ec;
    }

    // Waits `ms` while watching the socket, so a client that hangs up is noticed now rather
    // than at the next write. Returns true if the peer is gone.
    net::awaitable<bool> pause(unsigned ms) {
        timer_.expires_after(std::chrono::milliseconds(ms));
        const std::size_t room = std::min<std::size_t>(4096, buffer_.max_size() - buffer_.size());
        if (room > 0) {
            auto result =
                co_await (timer_.async_wait(use_tuple) || read_raw(buffer_.prepare(room)));
            if (result.index() == 0) co_return false;
            auto [ec, n] = std::get<1>(result);
            if (ec) co_return true;
            // Early bytes of the client's next request: keep them for the next read.
            buffer_.commit(n);
        }
        co_await timer_.async_wait(use_tuple);
        co_return false;
    }

    // stall-after: send nothing more, but keep reading so that the client's hang-up is seen.
    net::awaitable<void> stall(exchange& ex) {
        std::array<char, 4096> scratch{};
        for (;;) {
            auto [ec, n] = co_await read_raw(net::buffer(scratch));
            if (ec) break;
        }
        finish(ex, outcome::aborted);
        abort_connection();
    }

    void finish(const exchange& ex, outcome result) {
        if (result == outcome::aborted && ex.streaming) ++state_.stats.aborted_streams;
        if (!ex.record) return;
        if (result == outcome::aborted) {
            state_.log.set_outcome(ex.record, result, elapsed_ms(ex));
        } else {
            state_.log.set_outcome(ex.record, result);
        }
    }

    static std::uint64_t elapsed_ms(const exchange& ex) {
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - ex.arrived)
                .count());
    }

    // ---- connection level -----------------------------------------------------------------

    // A head that failed to parse: a parse error gets 400 (431 if too large) and a close;
    // a peer that simply went away gets nothing.
    net::awaitable<void> reject_head(const error_code& ec) {
        if (!is_http_error(ec) || ec == http::error::end_of_stream ||
            ec == http::error::partial_message) {
            co_return;
        }
        const bool too_big = ec == http::error::header_limit || ec == http::error::buffer_overflow;
        http::response<http::string_body> res;
        res.version(11);
        res.result(too_big ? 431U : 400U);
        res.set(http::field::content_type, mime::text_utf8);
        res.keep_alive(false);
        res.body() = too_big ? "431 Request Header Fields Too Large" : "400 Bad Request";
        res.prepare_payload();
        auto [wec, n] = co_await http::async_write(stream_, res, use_tuple);
        if (!wec) co_await close_politely();
    }

    // Read bytes off the connection below HTTP: the raw socket for TCP (so no stream timer is
    // involved), the TLS layer for HTTPS.
    template <class Buffers>
    auto read_raw(const Buffers& buffers) {
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            return stream_.socket().async_read_some(buffers, use_tuple);
        } else {
            return stream_.async_read_some(buffers, use_tuple);
        }
    }

    void abort_connection() {
        error_code ignored;
        beast::get_lowest_layer(stream_).socket().close(ignored);
    }

    // Ends the connection so the client still gets our last response: half-close, then read
    // until the client closes too (bounded), so unread request bytes cannot turn our close
    // into a reset that destroys the response in flight.
    net::awaitable<void> close_politely() {
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            timer_.expires_after(kLingerTime);
            co_await (timer_.async_wait(use_tuple) || drain());
        } else {
            beast::get_lowest_layer(stream_).expires_after(kLingerTime);
            co_await stream_.async_shutdown(use_tuple);
        }
        abort_connection();
    }

    net::awaitable<void> drain() {
        std::array<char, 4096> scratch{};
        std::size_t total = 0;
        while (total < kLingerBytes) {
            auto [ec, n] = co_await read_raw(net::buffer(scratch));
            if (ec) break;
            total += n;
        }
    }

    Stream& stream_;
    fake_state& state_;
    const server_config& config_;
    net::steady_timer timer_;
    beast::flat_buffer buffer_{kReadBufferLimit};
    std::unique_ptr<std::array<char, kBodyChunk>> chunk_;  // allocated on the first body
    std::string body_hex_;
    bool used_ = false;  // carried a non-control request
};

// ---- listener ---------------------------------------------------------------------------

struct listener_context {
    fake_state& state;
    server_config config;
    ssl::context* tls = nullptr;
};

void report_exception(const std::exception_ptr& error) {
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fake_ollama: connection failed: %s\n", e.what());
    }
}

net::awaitable<void> run_plain(tcp::socket socket, listener_context& ctx) {
    const gauge_guard connection(ctx.state.stats.active_connections);
    beast::tcp_stream stream(std::move(socket));
    session<beast::tcp_stream> s(stream, ctx.state, ctx.config);
    co_await s.run();
}

net::awaitable<void> run_tls(tcp::socket socket, listener_context& ctx) {
    const gauge_guard connection(ctx.state.stats.active_connections);
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *ctx.tls);
    beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
    if (ec) co_return;
    beast::get_lowest_layer(stream).expires_never();
    session<beast::ssl_stream<beast::tcp_stream>> s(stream, ctx.state, ctx.config);
    co_await s.run();
}

net::awaitable<void> accept_loop(net::io_context& ioc, tcp::acceptor& acceptor,
                                 listener_context& ctx) {
    net::steady_timer backoff(acceptor.get_executor());
    for (;;) {
        // Each connection gets its own strand, so --threads > 1 is safe.
        const net::any_io_executor strand = net::make_strand(ioc);
        auto [ec, socket] = co_await acceptor.async_accept(strand, use_tuple);
        if (ec == net::error::operation_aborted) co_return;
        if (ec) {
            // Usually EMFILE: wait for descriptors to free up instead of spinning.
            backoff.expires_after(kAcceptBackoff);
            co_await backoff.async_wait(use_tuple);
            continue;
        }
        ++ctx.state.stats.connections_accepted;
        error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);  // each NDJSON line leaves at once
        if (ctx.tls != nullptr) {
            net::co_spawn(strand, run_tls(std::move(socket), ctx), report_exception);
        } else {
            net::co_spawn(strand, run_plain(std::move(socket), ctx), report_exception);
        }
    }
}

tcp::endpoint resolve_endpoint(net::io_context& ioc, const std::string& host, unsigned short port) {
    error_code ec;
    const auto address = net::ip::make_address(host, ec);
    if (!ec) return {address, port};
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(host, std::to_string(port));
    return results.begin()->endpoint();
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
    const auto address = endpoint.address();
    const std::string host =
        address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(endpoint.port());
}

// Tests poll for this file, so it must never be seen half-written.
void write_port_file(const std::string& path, unsigned short port) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << port << '\n';
        if (!out) throw std::runtime_error("cannot write " + tmp);
    }
    std::filesystem::rename(tmp, path);
}

std::unique_ptr<ssl::context> make_tls_context(const server_options& options) {
    auto tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    tls->use_certificate_chain_file(options.tls_cert);
    tls->use_private_key_file(options.tls_key, ssl::context::pem);
    return tls;
}

}  // namespace

int run_server(const server_options& options) {
    // Writes to a vanished peer must fail with EPIPE, not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    fake_state state(options.log_limit);
    std::unique_ptr<ssl::context> tls;
    try {
        if (!options.tls_cert.empty()) tls = make_tls_context(options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fake_ollama: TLS setup failed: %s\n", e.what());
        return 1;
    }
    listener_context ctx{state, {options.interval_ms, options.log_requests}, tls.get()};

    const unsigned threads = std::max(1U, options.threads);
    net::io_context ioc(static_cast<int>(threads));
    tcp::acceptor acceptor(ioc);
    try {
        const tcp::endpoint endpoint = resolve_endpoint(ioc, options.host, options.port);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(net::socket_base::max_listen_connections);
        const tcp::endpoint bound = acceptor.local_endpoint();
        std::printf("listening on %s\n", endpoint_text(bound).c_str());
        std::fflush(stdout);
        if (!options.port_file.empty()) write_port_file(options.port_file, bound.port());
    } catch (const boost::system::system_error& e) {
        std::fprintf(stderr, "fake_ollama: cannot listen on %s:%u: %s\n", options.host.c_str(),
                     options.port, e.code().message().c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fake_ollama: cannot listen on %s:%u: %s\n", options.host.c_str(),
                     options.port, e.what());
        return 1;
    }

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&ioc](const error_code&, int) { ioc.stop(); });
    net::co_spawn(ioc, accept_loop(ioc, acceptor, ctx), report_exception);

    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (unsigned i = 1; i < threads; ++i)
        pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool)
        t.join();
    return 0;
}

}  // namespace fake_ollama
