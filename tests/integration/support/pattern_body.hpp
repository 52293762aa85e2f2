#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace it {

// A large request body generated on the fly: 1 MiB blocks of pseudo-random bytes, each stamped
// with its index and a salt, so that lost, repeated or reordered blocks change the digest and two
// runs never upload the same blob.
class PatternBody {
  public:
    static constexpr std::size_t kBlockSize = 1 << 20;

    PatternBody(std::uint64_t size, std::uint64_t salt);

    [[nodiscard]] std::uint64_t size() const { return size_; }
    // Feeds the body to `sink` in order, a block at a time; stops early when `sink` returns false.
    bool produce(const std::function<bool(std::string_view)>& sink) const;
    // Lowercase hex SHA-256 of the whole body.
    [[nodiscard]] std::string sha256_hex() const;

  private:
    std::uint64_t size_;
    std::uint64_t salt_;
    std::string base_;
};

// Lowercase hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

// A per-process random salt for PatternBody.
std::uint64_t random_salt();

}  // namespace it
