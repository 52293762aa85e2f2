#pragma once

#include <cstddef>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace fake_ollama {

// Incremental SHA-256 over OpenSSL EVP, for request bodies of any size.
class sha256 {
  public:
    sha256();
    ~sha256();
    sha256(const sha256&) = delete;
    sha256& operator=(const sha256&) = delete;

    void update(std::string_view bytes);
    // Lowercase hex; the object must not be updated afterwards.
    std::string hex_digest();

  private:
    evp_md_ctx_st* ctx_;
};

}  // namespace fake_ollama
