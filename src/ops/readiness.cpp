#include "ops/readiness.hpp"

namespace ollama_proxy {

void Readiness::record_answer(Clock::time_point when) {
    std::lock_guard lock(mutex_);
    if (!state_.last_answer || *state_.last_answer < when) state_.last_answer = when;
}

void Readiness::record_failure(Clock::time_point when, std::string reason) {
    std::lock_guard lock(mutex_);
    state_.last_failure = when;
    state_.last_error = std::move(reason);
}

void Readiness::record_version(std::string version) {
    std::lock_guard lock(mutex_);
    state_.remote_version = std::move(version);
}

Readiness::Snapshot Readiness::snapshot() const {
    std::lock_guard lock(mutex_);
    return state_;
}

bool Readiness::fresh(Clock::time_point now, Clock::duration max_age) const {
    std::lock_guard lock(mutex_);
    if (!state_.last_answer || now - *state_.last_answer > max_age) return false;
    return !state_.last_failure || *state_.last_failure < *state_.last_answer;
}

}  // namespace ollama_proxy
