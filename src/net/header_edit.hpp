// Applies the header rules of ollama_proxy/header_rules.hpp to Beast field containers.
#pragma once

#include <boost/beast/http/fields.hpp>

namespace ollama_proxy {

// Removes hop-by-hop fields and every field named in Connection. Framing fields (Content-Length,
// Host) are never removed because Connection names them: the caller re-establishes framing from
// what the parser saw, so a crafted Connection header cannot desynchronise the two sides.
void strip_hop_by_hop(boost::beast::http::fields& fields);

}  // namespace ollama_proxy
