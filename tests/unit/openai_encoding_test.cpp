// Wire-format helpers: base64 (embeddings and data: URIs), float32 packing, and RFC 3339
// timestamps as Unix seconds.

#include "ollama_proxy/openai/encoding.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace ollama_proxy::openai {
namespace {

std::string encode(std::string_view text) {
    return base64_encode({reinterpret_cast<const unsigned char*>(text.data()), text.size()});
}

// A plain decoder for padded standard base64, to check round trips independently of the encoder.
std::vector<unsigned char> decode(std::string_view text) {
    constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::vector<unsigned char> out;
    std::uint32_t bits = 0;
    int count = 0;
    for (const char c : text) {
        if (c == '=') break;
        bits = (bits << 6) | static_cast<std::uint32_t>(alphabet.find(c));
        if ((count += 6) >= 8) {
            count -= 8;
            out.push_back(static_cast<unsigned char>((bits >> count) & 0xFF));
        }
    }
    return out;
}

TEST(Base64Encode, Rfc4648Vectors) {
    EXPECT_EQ(encode(""), "");
    EXPECT_EQ(encode("f"), "Zg==");
    EXPECT_EQ(encode("fo"), "Zm8=");
    EXPECT_EQ(encode("foo"), "Zm9v");
    EXPECT_EQ(encode("foob"), "Zm9vYg==");
    EXPECT_EQ(encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Encode, HighBytesUseTheStandardAlphabet) {
    const unsigned char bytes[] = {0xFB, 0xFF, 0xFE};
    EXPECT_EQ(base64_encode(bytes), "+//+");
    const unsigned char two[] = {0xFF, 0xFE};
    EXPECT_EQ(base64_encode(two), "//4=");
}

TEST(IsBase64, AcceptsPaddedStandardBase64Only) {
    for (const char* good : {"Zg==", "Zm8=", "Zm9v", "Zm9vYmFy", "+//+", "iVBORw0KGgo="})
        EXPECT_TRUE(is_base64(good)) << good;
    for (const char* bad : {"", "Zg", "Zg=", "Zm9", "Z===", "=Zg=", "AB=C", "Zm9v\n", "Zm 9",
                            "-_-_", "Zm9vYmFy=", "Zm9v===="})
        EXPECT_FALSE(is_base64(bad)) << bad;
}

TEST(Float32Base64, OllamasTestVectors) {
    // ollama-api.md §2.5 and §3.2.
    EXPECT_EQ(float32_base64(std::vector<float>{0.1f, -0.2f, 0.3f}), "zczMPc3MTL6amZk+");
    EXPECT_EQ(float32_base64(std::vector<float>{0.1f, 0.2f}), "zczMPc3MTD4=");
    EXPECT_EQ(float32_base64(std::vector<float>{0.3f, 0.4f}), "mpmZPs3MzD4=");
    EXPECT_EQ(float32_base64(std::vector<float>{0.5f, 0.6f}), "AAAAP5qZGT8=");
    EXPECT_EQ(float32_base64(std::vector<float>{}), "");
}

TEST(Float32Base64, IsLittleEndianFloat32) {
    // TestFloatsToBase64 (§3.2.2): 5 values, 20 bytes, each value read back exactly.
    const std::vector<float> values{0.1f, -0.2f, 0.3f, -0.4f, 0.5f};
    const std::string encoded = float32_base64(values);
    EXPECT_EQ(encoded, "zczMPc3MTL6amZk+zczMvgAAAD8=");
    const std::vector<unsigned char> bytes = decode(encoded);
    ASSERT_EQ(bytes.size(), 20u);
    for (std::size_t i = 0; i < values.size(); ++i) {
        const std::uint32_t bits = bytes[i * 4] | (bytes[i * 4 + 1] << 8) |
                                   (bytes[i * 4 + 2] << 16) |
                                   (static_cast<std::uint32_t>(bytes[i * 4 + 3]) << 24);
        float value;
        std::memcpy(&value, &bits, 4);
        EXPECT_EQ(value, values[i]) << i;
    }
}

TEST(UnixSeconds, ReadsRfc3339InUtc) {
    EXPECT_EQ(unix_seconds("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(unix_seconds("2023-06-16T17:03:22Z"), 1686935002);
    EXPECT_EQ(unix_seconds("2023-11-14T22:13:20Z"), 1700000000);
    EXPECT_EQ(unix_seconds("2024-02-29T00:00:00Z"), 1709164800);
    EXPECT_EQ(unix_seconds("1969-12-31T23:59:59Z"), -1);
    // Go's zero time, which Ollama sends for a model without a modification time.
    EXPECT_EQ(unix_seconds("0001-01-01T00:00:00Z"), -62135596800);
}

TEST(UnixSeconds, IgnoresFractionsAndAppliesOffsets) {
    // Ollama's created_at has nanoseconds and, for modified_at, the server's local offset.
    EXPECT_EQ(unix_seconds("2023-06-16T17:03:22.123456789Z"), 1686935002);
    EXPECT_EQ(unix_seconds("2023-06-16T19:03:22+02:00"), 1686935002);
    EXPECT_EQ(unix_seconds("2023-06-16T13:03:22.5-04:00"), 1686935002);
    EXPECT_EQ(unix_seconds("2023-06-16T22:33:22+05:30"), 1686935002);
    EXPECT_EQ(unix_seconds("2023-06-16t17:03:22z"), 1686935002);
    EXPECT_EQ(unix_seconds("2023-06-16 17:03:22Z"), 1686935002);
}

TEST(UnixSeconds, RefusesAnythingElse) {
    for (const char* bad :
         {"", "2023-06-16", "2023-06-16T17:03:22", "2023-06-16T17:03Z", "2023-06-16T17:03:22+0200",
          "2023-06-16T17:03:22+02", "2023/06/16T17:03:22Z", "2023-13-01T00:00:00Z",
          "2023-00-10T00:00:00Z", "2023-06-32T00:00:00Z", "2023-06-16T24:00:00Z",
          "2023-06-16T17:60:00Z", "2023-06-16T17:03:22Zjunk", "2023-06-16T17:03:22+aa:bb",
          "1686935002", "abcd-ef-ghTij:kl:mnZ"})
        EXPECT_EQ(unix_seconds(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace ollama_proxy::openai
