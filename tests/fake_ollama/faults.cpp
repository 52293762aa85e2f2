#include "faults.hpp"

#include <charconv>

namespace fake_ollama {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::optional<unsigned> parse_unsigned(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
    return value;
}

// Applies one "name=value" or "close" item; returns an error text or "".
std::string apply_item(std::string_view item, fault_spec& spec) {
    if (item == "close") {
        spec.close = true;
        return {};
    }
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return "unknown fault \"" + std::string(item) + "\"";
    const std::string_view name = trim(item.substr(0, eq));
    const auto value = parse_unsigned(trim(item.substr(eq + 1)));
    if (!value) return "fault \"" + std::string(name) + "\" needs a non-negative integer";

    if (name == "slow-head") {
        spec.slow_head_ms = value;
    } else if (name == "die-after") {
        spec.die_after = value;
    } else if (name == "error-after") {
        spec.error_after = value;
    } else if (name == "stall-after") {
        spec.stall_after = value;
    } else if (name == "status") {
        // 1xx, 204 and 304 cannot carry the error body.
        if (*value < 200 || *value > 599 || *value == 204 || *value == 304) {
            return "status must be 200-599 and not 204 or 304";
        }
        spec.status = value;
    } else {
        return "unknown fault \"" + std::string(name) + "\"";
    }
    return {};
}

}  // namespace

bool fault_spec::empty() const {
    return !slow_head_ms && !die_after && !error_after && !stall_after && !status && !close;
}

void fault_spec::merge(const fault_spec& other) {
    if (other.slow_head_ms) slow_head_ms = other.slow_head_ms;
    if (other.die_after) die_after = other.die_after;
    if (other.error_after) error_after = other.error_after;
    if (other.stall_after) stall_after = other.stall_after;
    if (other.status) status = other.status;
    close = close || other.close;
}

fault_parse_result parse_faults(std::string_view text) {
    fault_parse_result result;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view item = trim(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (item.empty()) continue;
        result.error = apply_item(item, result.spec);
        if (!result.error.empty()) return result;
    }
    return result;
}

void fault_queue::arm(const fault_spec& spec, unsigned count) {
    const std::lock_guard lock(mutex_);
    spec_ = spec;
    remaining_ = count;
}

void fault_queue::clear() {
    arm({}, 0);
}

std::optional<fault_spec> fault_queue::take() {
    const std::lock_guard lock(mutex_);
    if (remaining_ == 0) return std::nullopt;
    --remaining_;
    return spec_;
}

unsigned fault_queue::remaining() const {
    const std::lock_guard lock(mutex_);
    return remaining_;
}

}  // namespace fake_ollama
