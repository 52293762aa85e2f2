#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace fake_ollama {

// Misbehaviour to inject into one request, from `x-fake-fault` or from POST /_fake/fault.
//
// Stream faults count NDJSON lines: "after N" triggers once N lines have been sent, and an N at
// or beyond the number of lines triggers after the last line, before the terminating chunk.
struct fault_spec {
    std::optional<unsigned> slow_head_ms;  // wait before the response head
    std::optional<unsigned> die_after;     // close the socket abruptly after N lines
    std::optional<unsigned> error_after;   // {"error":"injected failure"} after N lines, then end
    std::optional<unsigned> stall_after;   // stop sending after N lines, keep the socket open
    std::optional<unsigned> status;        // answer with this status and an error body
    bool close = false;                    // close without any response after the head

    [[nodiscard]] bool empty() const;
    // Fields set in `other` win.
    void merge(const fault_spec& other);
};

struct fault_parse_result {
    fault_spec spec;
    std::string error;  // empty on success
};

// Parses "slow-head=500,die-after=2"; whitespace around items is ignored.
fault_parse_result parse_faults(std::string_view text);

// Faults armed through the control endpoint for the next `count` non-control requests.
class fault_queue {
  public:
    void arm(const fault_spec& spec, unsigned count);
    void clear();
    // Consumes one use; nullopt when nothing is armed.
    std::optional<fault_spec> take();
    [[nodiscard]] unsigned remaining() const;

  private:
    mutable std::mutex mutex_;
    fault_spec spec_;
    unsigned remaining_ = 0;
};

}  // namespace fake_ollama
