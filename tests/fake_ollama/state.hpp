#pragma once

#include "faults.hpp"
#include "recorder.hpp"

#include <cstddef>

namespace fake_ollama {

// Everything the fake remembers across connections. Shared by all sessions and threads; each
// member does its own locking.
struct fake_state {
    explicit fake_state(std::size_t log_limit) : log(log_limit) {}

    request_log log;
    counters stats;
    fault_queue faults;
    blob_store blobs;
};

}  // namespace fake_ollama
