// The OpenAI exchange: a request under the OpenAI base path read whole (bounded), planned by the
// pure translators of src/openai, run as native calls on the remote, and answered as JSON or as
// an SSE stream, with the client watched for hang-ups throughout.
#pragma once

#include "net/asio.hpp"
#include "ops/access_log.hpp"
#include "relay/passthrough.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <string_view>

namespace ollama_proxy {

struct Worker;
class Admission;

// `path` is the request path below the OpenAI base path ("/chat/completions"). Returns whether
// the client connection can carry another request.
awaitable<bool> relay_openai(Worker& worker, ClientConnection client,
                             beast::http::request_parser<beast::http::empty_body>& head,
                             std::string_view path, Admission& admission, AccessRecord& record);

}  // namespace ollama_proxy
