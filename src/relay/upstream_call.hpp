// One request the proxy itself makes to the remote Ollama (the native calls behind an OpenAI
// request): sent on a pooled connection, its response read whole or piece by piece, and the
// connection handed back to the pool only after a clean end.
#pragma once

#include "net/asio.hpp"
#include "net/upstream.hpp"

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <optional>
#include <span>
#include <string>

namespace ollama_proxy {

struct Worker;

// Why a call failed, phrased for the client (an OpenAI error) and the access log.
struct CallFailure {
    unsigned status = 502;  // 502, or 504 when the remote sent no head in time
    std::string message;
    std::string outcome;  // access-log outcome, e.g. "upstream-cut"
};

class UpstreamCall {
  public:
    explicit UpstreamCall(Worker& worker);
    UpstreamCall(const UpstreamCall&) = delete;
    UpstreamCall& operator=(const UpstreamCall&) = delete;
    ~UpstreamCall();  // a connection not handed back is closed, never pooled

    // Sends the request and reads the response head. A pooled connection that turns out to be
    // stale is replaced once by a fresh one.
    awaitable<std::optional<CallFailure>> start(std::string_view method, std::string_view path,
                                                const std::string& body);
    unsigned status() const { return parser_->get().result_int(); }

    // The next bytes of the body into `slice`; `got` may be 0 when only framing arrived.
    awaitable<std::optional<CallFailure>> read_some(std::span<char> slice, std::size_t& got);
    // The rest of the body, up to `limit` bytes, read through `slice`.
    awaitable<std::optional<CallFailure>> read_all(std::string& out, std::size_t limit,
                                                   std::span<char> slice);
    bool done() const { return parser_ && parser_->is_done(); }

    // Pools the connection if its response was read to a clean end; closes it otherwise.
    void finish();

  private:
    awaitable<std::optional<CallFailure>> attempt(std::string_view method, std::string_view path,
                                                  const std::string& body, bool& stale);
    template <class Stream>
    awaitable<error_code> read_some_on(Stream& stream);
    CallFailure body_failure(const error_code& ec) const;

    Worker& worker_;
    const TargetPtr target_;  // the remote as it was when the call was made
    UpstreamPtr up_;
    std::optional<beast::http::response_parser<beast::http::buffer_body>> parser_;
};

}  // namespace ollama_proxy
