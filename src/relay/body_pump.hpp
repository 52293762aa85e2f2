// Moves one HTTP body from a parser to a serializer, slice by slice: each slice is written before
// the next is read (back-pressure), and a slice is forwarded as soon as any bytes of it arrive
// (async_read_some, never async_read, which would wait for a full buffer).
#pragma once

#include "net/asio.hpp"
#include "ollama_proxy/model_sniffer.hpp"
#include "ollama_proxy/payload_snippet.hpp"
#include "ollama_proxy/usage_scanner.hpp"

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <cstdint>
#include <optional>
#include <span>

namespace ollama_proxy {

struct PumpResult {
    error_code read_error;   // the source failed (closed early, timed out, sent garbage)
    error_code write_error;  // the destination failed
    std::uint64_t bytes = 0;

    bool ok() const { return !read_error && !write_error; }
};

struct PumpTimeouts {
    SteadyClock::duration read_idle;
    SteadyClock::duration write_idle;
};

inline constexpr std::size_t pump_slice_bytes = 64 * 1024;  // a good size for a scratch slice

// What may watch the bytes of a body as they are relayed (each optional).
struct BodyTaps {
    UsageScanner* usage = nullptr;
    PayloadSnippet* snippet = nullptr;
    ModelSniffer* model = nullptr;
    std::optional<SteadyClock::time_point>* first_bytes = nullptr;  // set on the first bytes

    void feed(std::string_view bytes) const {
        if (first_bytes != nullptr && !*first_bytes) *first_bytes = SteadyClock::now();
        if (usage != nullptr) usage->feed(bytes);
        if (snippet != nullptr) snippet->feed(bytes);
        if (model != nullptr && !model->done()) model->feed(bytes);
    }
};

// `slice` is the caller's scratch space (one per client connection, reused by every exchange):
// allocating it per body would cost an allocation and page faults on every request.
template <class In, class Parser, class Out, class Serializer>
awaitable<PumpResult> pump_body(In& in, beast::flat_buffer& in_buffer, Parser& parser, Out& out,
                                Serializer& serializer, std::span<char> slice,
                                PumpTimeouts timeouts, BodyTaps taps = {}) {
    namespace http = beast::http;
    PumpResult result;
    auto& body = parser.get().body();
    while (!parser.is_done()) {
        body.data = slice.data();
        body.size = slice.size();
        beast::get_lowest_layer(in).expires_after(timeouts.read_idle);
        auto [rec, ignored] = co_await http::async_read_some(in, in_buffer, parser, use_tuple);
        if (rec && rec != http::error::need_buffer) {
            result.read_error = rec;
            co_return result;
        }
        const std::size_t got = slice.size() - body.size;
        // A read may parse only framing (a chunk header). An empty slice must never reach the
        // serializer: Beast 1.81 would emit it as the terminating zero-length chunk.
        if (got == 0) continue;
        taps.feed({slice.data(), got});
        body.data = slice.data();
        body.size = got;
        body.more = !parser.is_done();
        beast::get_lowest_layer(out).expires_after(timeouts.write_idle);
        auto [wec, written] = co_await http::async_write(out, serializer, use_tuple);
        if (wec && wec != http::error::need_buffer) {
            result.write_error = wec;
            co_return result;
        }
        result.bytes += got;
    }
    // A chunked message still owes its last chunk, and a head not yet sent must go. Any other
    // message is complete on the wire: writing "nothing" would only give the peer time to hang
    // up on a finished exchange.
    if (!serializer.is_done() && (parser.get().chunked() || !serializer.is_header_done())) {
        body.data = nullptr;
        body.size = 0;
        body.more = false;
        beast::get_lowest_layer(out).expires_after(timeouts.write_idle);
        auto [wec, written] = co_await http::async_write(out, serializer, use_tuple);
        if (wec && wec != http::error::need_buffer) result.write_error = wec;
    }
    co_return result;
}

}  // namespace ollama_proxy
