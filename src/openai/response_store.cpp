#include "ollama_proxy/openai/response_store.hpp"

#include <vector>

namespace ollama_proxy::openai {

nlohmann::json StoredTurn::conversation() const {
    std::vector<const StoredTurn*> turns;
    for (const StoredTurn* turn = this; turn != nullptr; turn = turn->previous.get())
        turns.push_back(turn);
    nlohmann::json out = nlohmann::json::array();
    for (auto turn = turns.rbegin(); turn != turns.rend(); ++turn) {
        for (const auto& message : (*turn)->messages)
            out.push_back(message);
    }
    return out;
}

StoredTurn::~StoredTurn() {
    // Freed one turn after the other: recursion would take a stack frame per turn, and a
    // conversation may run to many thousands of turns. A turn no one else holds can be taken
    // apart here; its object was never const, only the pointers to it are.
    std::shared_ptr<const StoredTurn> next = std::move(previous);
    while (next && next.use_count() == 1) {
        std::shared_ptr<const StoredTurn> after =
            std::move(const_cast<StoredTurn&>(*next).previous);
        next = std::move(after);
    }
}

ResponseStore::ResponseStore(std::size_t capacity, std::chrono::seconds ttl, Clock clock)
    : capacity_(capacity), ttl_(ttl), clock_(std::move(clock)) {}

void ResponseStore::put(const std::string& id, std::shared_ptr<const StoredTurn> turn) {
    if (capacity_ == 0 || !turn) return;
    const TimePoint now = clock_();
    std::lock_guard lock(mutex_);
    drop_expired(now);
    if (const auto found = entries_.find(id); found != entries_.end()) erase(found);
    while (entries_.size() >= capacity_)
        erase(entries_.find(oldest_first_.front()));
    oldest_first_.push_back(id);
    entries_.emplace(id, Entry{std::move(turn), now + ttl_, std::prev(oldest_first_.end())});
}

std::shared_ptr<const StoredTurn> ResponseStore::find(const std::string& id) {
    const TimePoint now = clock_();
    std::lock_guard lock(mutex_);
    drop_expired(now);
    const auto found = entries_.find(id);
    return found == entries_.end() ? nullptr : found->second.turn;
}

std::size_t ResponseStore::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

void ResponseStore::drop_expired(TimePoint now) {
    while (!oldest_first_.empty()) {
        const auto oldest = entries_.find(oldest_first_.front());
        if (oldest->second.expires > now) break;
        erase(oldest);
    }
}

void ResponseStore::erase(std::unordered_map<std::string, Entry>::iterator entry) {
    oldest_first_.erase(entry->second.age);
    entries_.erase(entry);
}

}  // namespace ollama_proxy::openai
