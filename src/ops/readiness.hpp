// What the proxy knows about the remote's health, fed by every exchange: a response head from the
// remote counts as "answered", a failure to connect or to get a head records the reason. /ready
// reads this and only probes the remote itself when the news is stale.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace ollama_proxy {

class Readiness {
  public:
    using Clock = std::chrono::steady_clock;

    struct Snapshot {
        std::optional<Clock::time_point> last_answer;
        std::optional<Clock::time_point> last_failure;
        std::string last_error;
        std::string remote_version;
    };

    void record_answer(Clock::time_point when);
    void record_failure(Clock::time_point when, std::string reason);
    void record_version(std::string version);
    Snapshot snapshot() const;

    // True when the remote answered within `max_age` and has not failed since.
    bool fresh(Clock::time_point now, Clock::duration max_age) const;

  private:
    mutable std::mutex mutex_;
    Snapshot state_;
};

}  // namespace ollama_proxy
