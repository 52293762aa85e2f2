// Concurrency smoke test: many clients at once on a two-thread proxy.
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace it {
namespace {

constexpr int kClients = 32;
constexpr int kRequestsPerClient = 20;

TEST(Concurrency, ThirtyTwoClientsTimesTwentyRequestsAllSucceed) {
    auto fake = FakeOllama::start();
    auto proxy = Proxy::start_for(*fake, {"--threads", "2"});
    const std::string chat =
        R"({"model":"llama3.2:latest","messages":[{"role":"user","content":"a b c d"}]})";
    const std::string tags = fetch(fake->port(), make_request("GET", "/api/tags")).body;
    const std::string chat_reply =
        fetch(fake->port(), make_request("POST", "/api/chat", {{"x-fake-interval-ms", "0"}}, chat))
            .body;

    std::atomic<int> succeeded{0};
    std::mutex failures_mutex;
    std::vector<std::string> failures;
    auto fail = [&](const std::string& what) {
        const std::lock_guard lock(failures_mutex);
        failures.push_back(what);
    };

    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            try {
                // Half the clients keep one connection, the others open one per request.
                std::optional<Connection> kept;
                if (c % 2 == 0) kept = Connection::open(proxy->port(), scaled(30s));
                for (int i = 0; i < kRequestsPerClient; ++i) {
                    const bool stream = (c + i) % 2 == 0;
                    const std::string raw =
                        stream
                            ? make_request("POST", "/api/chat", {{"x-fake-interval-ms", "1"}}, chat)
                            : make_request("GET", "/api/tags");
                    const Response r = kept ? kept->exchange(raw, scaled(60s))
                                            : fetch(proxy->port(), raw, scaled(60s));
                    if (r.status() != 200 || r.end != BodyEnd::clean ||
                        r.body != (stream ? chat_reply : tags)) {
                        fail("client " + std::to_string(c) + " request " + std::to_string(i) +
                             ": status " + std::to_string(r.status()) + " body " + r.body);
                        return;
                    }
                    ++succeeded;
                }
            } catch (const std::exception& e) {
                fail("client " + std::to_string(c) + ": " + e.what());
            }
        });
    }
    for (auto& client : clients)
        client.join();

    EXPECT_EQ(succeeded.load(), kClients * kRequestsPerClient);
    for (const auto& failure : failures)
        ADD_FAILURE() << failure;
    EXPECT_TRUE(proxy->process().running()) << proxy->log();
    EXPECT_EQ(fetch(proxy->port(), make_request("GET", "/health")).status(), 200);
}

}  // namespace
}  // namespace it
