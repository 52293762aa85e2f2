// The passthrough exchange: one client request relayed to the remote and its response relayed
// back, both bodies streamed with back-pressure, the client watched for hang-ups while the remote
// works, and the upstream connection returned to the pool only after a clean end.
#pragma once

#include "net/asio.hpp"
#include "net/local_reply.hpp"
#include "ops/access_log.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <span>

namespace ollama_proxy {

struct Worker;
class Admission;

struct ClientConnection {
    beast::tcp_stream& stream;
    beast::flat_buffer& buffer;  // may hold bytes of the next (pipelined) request
    std::span<char> slice;       // scratch space for relaying bodies
};

// Relays the request whose head was just read. Returns whether the client connection can carry
// another request.
awaitable<bool> relay_passthrough(Worker& worker, ClientConnection client,
                                  beast::http::request_parser<beast::http::empty_body>& head,
                                  Dialect dialect, Admission& admission, AccessRecord& record);

}  // namespace ollama_proxy
