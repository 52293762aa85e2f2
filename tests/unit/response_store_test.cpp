// The store behind previous_response_id: bounded by count (oldest out first) and by age, with
// the clock injected; conversations rebuilt from shared turns; safe to use from many threads.

#include "ollama_proxy/openai/response_store.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>
#include <vector>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A clock that moves only when the test says so.
struct FakeClock {
    std::chrono::steady_clock::time_point now{};
    ResponseStore::Clock function() {
        return [this] { return now; };
    }
};

std::shared_ptr<const StoredTurn> turn(const std::string& text,
                                       std::shared_ptr<const StoredTurn> previous = nullptr) {
    return std::make_shared<const StoredTurn>(std::move(previous),
                                              json::array({{{"role", "user"}, {"content", text}}}));
}

TEST(ResponseStore, FindsWhatWasPut) {
    FakeClock clock;
    ResponseStore store(10, 60s, clock.function());
    const auto first = turn("a");
    store.put("resp_1", first);
    EXPECT_EQ(store.find("resp_1"), first);
    EXPECT_EQ(store.find("resp_2"), nullptr);
    EXPECT_EQ(store.size(), 1u);
}

TEST(ResponseStore, TheOldestGoesWhenFull) {
    FakeClock clock;
    ResponseStore store(2, 60s, clock.function());
    store.put("resp_1", turn("a"));
    store.put("resp_2", turn("b"));
    // Looking a response up does not make it younger: responses age from when they were made.
    EXPECT_NE(store.find("resp_1"), nullptr);
    store.put("resp_3", turn("c"));
    EXPECT_EQ(store.find("resp_1"), nullptr);
    EXPECT_NE(store.find("resp_2"), nullptr);
    EXPECT_NE(store.find("resp_3"), nullptr);
    EXPECT_EQ(store.size(), 2u);
}

TEST(ResponseStore, PuttingAnIdAgainReplacesIt) {
    FakeClock clock;
    ResponseStore store(2, 60s, clock.function());
    store.put("resp_1", turn("a"));
    store.put("resp_2", turn("b"));
    const auto again = turn("a2");
    store.put("resp_1", again);
    EXPECT_EQ(store.size(), 2u);
    EXPECT_EQ(store.find("resp_1"), again);
    store.put("resp_3", turn("c"));  // resp_2 is now the oldest
    EXPECT_EQ(store.find("resp_2"), nullptr);
    EXPECT_EQ(store.find("resp_1"), again);
}

TEST(ResponseStore, ResponsesExpireAfterTheTtl) {
    FakeClock clock;
    ResponseStore store(10, 60s, clock.function());
    store.put("resp_1", turn("a"));
    clock.now += 30s;
    store.put("resp_2", turn("b"));
    clock.now += 29s;
    EXPECT_NE(store.find("resp_1"), nullptr);
    clock.now += 1s;  // resp_1 is 60 s old
    EXPECT_EQ(store.find("resp_1"), nullptr);
    EXPECT_NE(store.find("resp_2"), nullptr);
    EXPECT_EQ(store.size(), 1u);
    clock.now += 30s;
    EXPECT_EQ(store.find("resp_2"), nullptr);
    EXPECT_EQ(store.size(), 0u);
}

TEST(ResponseStore, CapacityZeroKeepsNothing) {
    FakeClock clock;
    ResponseStore store(0, 60s, clock.function());
    store.put("resp_1", turn("a"));
    EXPECT_EQ(store.find("resp_1"), nullptr);
    EXPECT_EQ(store.size(), 0u);
}

TEST(ResponseStore, AConversationIsItsTurnsInOrder) {
    const auto first = turn("one");
    const auto second = turn("two", first);
    const auto third = std::make_shared<const StoredTurn>(
        second, json::parse(R"([{"role":"user","content":"three"},
                                {"role":"assistant","content":"four"}])"));
    EXPECT_EQ(third->conversation(), json::parse(R"([{"role":"user","content":"one"},
        {"role":"user","content":"two"},{"role":"user","content":"three"},
        {"role":"assistant","content":"four"}])"));
    // Turns are shared: a branch from an earlier turn does not see the later ones.
    const auto branch = turn("other", first);
    EXPECT_EQ(branch->conversation(), json::parse(R"([{"role":"user","content":"one"},
        {"role":"user","content":"other"}])"));
}

TEST(ResponseStore, AnEvictedTurnLivesOnInTheConversationsBuiltOnIt) {
    FakeClock clock;
    ResponseStore store(1, 60s, clock.function());
    store.put("resp_1", turn("one"));
    store.put("resp_2", turn("two", store.find("resp_1")));
    EXPECT_EQ(store.find("resp_1"), nullptr);
    EXPECT_EQ(store.find("resp_2")->conversation().size(), 2u);
}

TEST(ResponseStore, AVeryLongConversationIsFreedWithoutDeepRecursion) {
    // Each turn holds the one before; freeing them recursively would need a stack frame per
    // turn; 200,000 turns would overflow a thread's 8 MiB stack that way.
    std::shared_ptr<const StoredTurn> last;
    for (int i = 0; i < 200'000; ++i)
        last = std::make_shared<const StoredTurn>(std::move(last), json::array());
    last.reset();
    SUCCEED();
}

TEST(ResponseStore, ManyThreadsPutAndFind) {
    ResponseStore store(64, 60s);
    std::atomic<int> found{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&store, &found, t] {
            for (int i = 0; i < 2000; ++i) {
                const std::string id = "resp_" + std::to_string(t) + "_" + std::to_string(i);
                store.put(id, turn(id));
                if (store.find(id) != nullptr) ++found;
                store.find("resp_0_" + std::to_string(i / 2));
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(store.size(), 64u);
    EXPECT_GT(found.load(), 0);
}

}  // namespace
}  // namespace ollama_proxy::openai
