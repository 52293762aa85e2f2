// Which web pages may call the proxy, with the semantics of Ollama's OLLAMA_ORIGINS: the local
// origins (localhost, 127.0.0.1 and 0.0.0.0 on any port) and the app schemes of desktop shells
// are always allowed, configured origins are added to them, and "*" stands for any run of
// characters ("http://*.example.com", "http://localhost:*", or "*" for every origin).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ollama_proxy::cors {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class OriginPolicy {
  public:
    explicit OriginPolicy(const std::vector<std::string>& extra_origins);

    // Whether a page of `origin` may call; `host` is the request's Host header, because a page
    // served by the proxy's own address is no cross-origin caller at all.
    bool allows(std::string_view origin, std::string_view host) const;

  private:
    std::vector<std::string> patterns_;  // lowercase
};

// The answer to an allowed preflight: methods, and the request headers OpenAI and Ollama
// clients send (the configured key header included; `requested` is the preflight's
// Access-Control-Request-Headers, of which every x-stainless-* header is granted).
HeaderList preflight_headers(std::string_view origin, std::string_view key_header,
                             std::string_view requested);

// What an allowed cross-origin response carries, so that scripts can read the answer and the
// headers that explain it (request id, rate limits, retry hints).
HeaderList response_headers(std::string_view origin);

}  // namespace ollama_proxy::cors
