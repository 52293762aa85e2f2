// The responses kept for `previous_response_id`: what a later request needs to continue a
// conversation, held in memory, bounded by count and by age, shared by every worker thread.
// Pure: no I/O, and the clock is injected so that tests can move time.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ollama_proxy::openai {

// One stored turn: the native messages it added to the conversation (its input, then its
// output), after those of the turn it continued. Turns are immutable and shared, so a long
// conversation costs one copy of each message, not one per turn.
struct StoredTurn {
    StoredTurn() = default;
    StoredTurn(std::shared_ptr<const StoredTurn> before, nlohmann::json added)
        : previous(std::move(before)), messages(std::move(added)) {}
    StoredTurn(const StoredTurn&) = delete;
    StoredTurn& operator=(const StoredTurn&) = delete;
    ~StoredTurn();

    std::shared_ptr<const StoredTurn> previous;  // null for the first turn
    nlohmann::json messages = nlohmann::json::array();

    // Every message of the conversation up to and including this turn, oldest first.
    nlohmann::json conversation() const;
};

class ResponseStore {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    // `capacity` 0 keeps nothing. The oldest response goes first when the store is full.
    ResponseStore(std::size_t capacity, std::chrono::seconds ttl,
                  Clock clock = std::chrono::steady_clock::now);

    void put(const std::string& id, std::shared_ptr<const StoredTurn> turn);
    // Null when the id was never stored, has expired, or was pushed out.
    std::shared_ptr<const StoredTurn> find(const std::string& id);
    std::size_t size() const;

  private:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Entry {
        std::shared_ptr<const StoredTurn> turn;
        TimePoint expires;
        std::list<std::string>::iterator age;  // its place in `oldest_first_`
    };

    void drop_expired(TimePoint now);
    void erase(std::unordered_map<std::string, Entry>::iterator entry);

    const std::size_t capacity_;
    const std::chrono::seconds ttl_;
    const Clock clock_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    // Ids in the order they were stored; with one TTL for all, also the order they expire in.
    std::list<std::string> oldest_first_;
};

}  // namespace ollama_proxy::openai
