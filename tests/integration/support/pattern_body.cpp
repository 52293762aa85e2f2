#include "support/pattern_body.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>

namespace it {
namespace {

class Sha256 {
  public:
    Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
        if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
            throw std::runtime_error("EVP_DigestInit_ex failed");
        }
    }
    void update(std::string_view bytes) {
        EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size());
    }
    std::string hex() {
        std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
        unsigned int length = 0;
        EVP_DigestFinal_ex(ctx_.get(), digest.data(), &length);
        static constexpr char kHex[] = "0123456789abcdef";
        std::string out;
        for (unsigned int i = 0; i < length; ++i) {
            out.push_back(kHex[digest[i] >> 4]);
            out.push_back(kHex[digest[i] & 0x0f]);
        }
        return out;
    }

  private:
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

}  // namespace

PatternBody::PatternBody(std::uint64_t size, std::uint64_t salt)
    : size_(size), salt_(salt), base_(kBlockSize, '\0') {
    std::mt19937_64 random(0x0113a3a);
    for (std::size_t i = 0; i < base_.size(); i += sizeof(std::uint64_t)) {
        const std::uint64_t word = random();
        std::memcpy(base_.data() + i, &word, sizeof word);
    }
}

bool PatternBody::produce(const std::function<bool(std::string_view)>& sink) const {
    std::string block = base_;
    for (std::uint64_t offset = 0, index = 0; offset < size_; offset += kBlockSize, ++index) {
        std::memcpy(block.data(), &salt_, sizeof salt_);
        std::memcpy(block.data() + sizeof salt_, &index, sizeof index);
        const auto length =
            static_cast<std::size_t>(std::min<std::uint64_t>(kBlockSize, size_ - offset));
        if (!sink(std::string_view(block.data(), length))) return false;
    }
    return true;
}

std::string PatternBody::sha256_hex() const {
    Sha256 hash;
    produce([&](std::string_view bytes) {
        hash.update(bytes);
        return true;
    });
    return hash.hex();
}

std::string sha256_hex(std::string_view bytes) {
    Sha256 hash;
    hash.update(bytes);
    return hash.hex();
}

std::uint64_t random_salt() {
    static const std::uint64_t salt = [] {
        std::random_device device;
        return (static_cast<std::uint64_t>(device()) << 32) ^ device();
    }();
    return salt;
}

}  // namespace it
