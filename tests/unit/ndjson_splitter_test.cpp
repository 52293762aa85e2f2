#include "ollama_proxy/ndjson_splitter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ollama_proxy {
namespace {

std::vector<std::string> split_in_pieces(const std::string& stream, std::size_t piece) {
    NdjsonSplitter splitter;
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < stream.size(); i += piece) {
        EXPECT_TRUE(splitter.feed(std::string_view(stream).substr(i, piece),
                                  [&](std::string_view line) { lines.emplace_back(line); }));
    }
    EXPECT_EQ(splitter.pending(), "");
    return lines;
}

TEST(NdjsonSplitter, YieldsEveryLineWhateverTheReadBoundaries) {
    const std::string stream = "{\"a\":1}\n{\"b\":\"two\"}\n{\"done\":true}\n";
    const std::vector<std::string> expected{"{\"a\":1}", "{\"b\":\"two\"}", "{\"done\":true}"};
    for (std::size_t piece = 1; piece <= stream.size(); ++piece)
        EXPECT_EQ(split_in_pieces(stream, piece), expected) << "piece size " << piece;
}

TEST(NdjsonSplitter, SeveralLinesInOneReadAndCrlfAndBlankLines) {
    NdjsonSplitter splitter;
    std::vector<std::string> lines;
    splitter.feed("one\r\n\n\ntwo\nthr", [&](std::string_view l) { lines.emplace_back(l); });
    EXPECT_EQ(lines, (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(splitter.pending(), "thr");
    splitter.feed("ee\n", [&](std::string_view l) { lines.emplace_back(l); });
    EXPECT_EQ(lines.back(), "three");
    EXPECT_EQ(splitter.pending(), "");
}

TEST(NdjsonSplitter, ReportsATruncatedLastLine) {
    NdjsonSplitter splitter;
    int count = 0;
    splitter.feed("{\"ok\":1}\n{\"cut", [&](std::string_view) { ++count; });
    EXPECT_EQ(count, 1);
    EXPECT_EQ(splitter.pending(), "{\"cut");
}

TEST(NdjsonSplitter, RefusesALineBeyondTheBound) {
    NdjsonSplitter splitter(8);
    int count = 0;
    EXPECT_TRUE(splitter.feed("1234", [&](std::string_view) { ++count; }));
    EXPECT_FALSE(splitter.feed("56789", [&](std::string_view) { ++count; }));
    EXPECT_TRUE(splitter.overflowed());
    EXPECT_FALSE(splitter.feed("\n", [&](std::string_view) { ++count; }));
    EXPECT_EQ(count, 0);

    NdjsonSplitter whole(4);
    EXPECT_FALSE(whole.feed("123456\n", [&](std::string_view) { ++count; }));
    EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace ollama_proxy
