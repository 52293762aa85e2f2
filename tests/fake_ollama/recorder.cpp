#include "recorder.hpp"

#include <nlohmann/json.hpp>

namespace fake_ollama {
namespace {

using ojson = nlohmann::ordered_json;

constexpr std::size_t kMaxStoredBytes = 256 * 1024 * 1024;

std::size_t footprint(const request_record& r) {
    std::size_t bytes = r.target.size() + r.body_prefix.size() + 256;
    for (const auto& [name, value] : r.headers)
        bytes += name.size() + value.size() + 64;
    return bytes;
}

// Length of the UTF-8 sequence introduced by `lead`, or 0 if it cannot start one.
std::size_t sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

bool continuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

// Checks the second byte's range, which rules out overlong forms, surrogates and > U+10FFFF.
bool second_byte_ok(unsigned char lead, unsigned char second) {
    if (lead == 0xE0) return second >= 0xA0 && second <= 0xBF;
    if (lead == 0xED) return second >= 0x80 && second <= 0x9F;
    if (lead == 0xF0) return second >= 0x90 && second <= 0xBF;
    if (lead == 0xF4) return second >= 0x80 && second <= 0x8F;
    return continuation(second);
}

// Drops an incomplete multi-byte sequence that the prefix limit cut off.
std::string_view without_cut_sequence(std::string_view bytes) {
    for (std::size_t back = 1; back <= 3 && back <= bytes.size(); ++back) {
        const auto c = static_cast<unsigned char>(bytes[bytes.size() - back]);
        if (continuation(c)) continue;
        if (sequence_length(c) > back) bytes.remove_suffix(back);
        break;
    }
    return bytes;
}

ojson record_json(const request_record& r) {
    ojson headers = ojson::object();
    for (const auto& [name, value] : r.headers)
        headers[name] = value;
    const bool truncated = r.body_bytes > r.body_prefix.size();
    ojson body = nullptr;
    if (valid_utf8_prefix(r.body_prefix, truncated)) {
        body = truncated ? std::string(without_cut_sequence(r.body_prefix)) : r.body_prefix;
    }
    return ojson{
        {"id", r.id},
        {"method", r.method},
        {"target", r.target},
        {"version", r.version},
        {"headers", std::move(headers)},
        {"body_bytes", r.body_bytes},
        {"body_sha256", r.body_sha256.empty() ? ojson(nullptr) : ojson(r.body_sha256)},
        {"body", std::move(body)},
        {"status", r.status ? ojson(*r.status) : ojson(nullptr)},
        {"outcome", outcome_name(r.result)},
        {"abort_ms", r.abort_ms ? ojson(*r.abort_ms) : ojson(nullptr)},
    };
}

}  // namespace

std::string_view outcome_name(outcome result) {
    switch (result) {
        case outcome::in_progress:
            return "in-progress";
        case outcome::complete:
            return "complete";
        case outcome::cut:
            return "cut";
        case outcome::aborted:
            return "aborted";
    }
    return "in-progress";
}

bool valid_utf8_prefix(std::string_view bytes, bool truncated) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        const auto lead = static_cast<unsigned char>(bytes[i]);
        const std::size_t len = sequence_length(lead);
        if (len == 0) return false;
        if (i + len > bytes.size()) {
            // Only a sequence cut off by the prefix limit may be incomplete.
            if (!truncated) return false;
            for (std::size_t k = i + 1; k < bytes.size(); ++k) {
                const auto c = static_cast<unsigned char>(bytes[k]);
                if (!(k == i + 1 ? second_byte_ok(lead, c) : continuation(c))) return false;
            }
            return true;
        }
        if (len > 1 && !second_byte_ok(lead, static_cast<unsigned char>(bytes[i + 1]))) {
            return false;
        }
        for (std::size_t k = i + 2; k < i + len; ++k) {
            if (!continuation(static_cast<unsigned char>(bytes[k]))) return false;
        }
        i += len;
    }
    return true;
}

request_log::request_log(std::size_t max_entries) : max_entries_(max_entries) {}

std::shared_ptr<request_record> request_log::add(request_record record) {
    auto entry = std::make_shared<request_record>(std::move(record));
    const std::lock_guard lock(mutex_);
    entry->id = next_id_++;
    stored_bytes_ += footprint(*entry);
    entries_.push_back(entry);
    evict_locked();
    return entry;
}

void request_log::set_body(const std::shared_ptr<request_record>& record, std::uint64_t bytes,
                           std::string sha256_hex, std::string prefix) {
    const std::lock_guard lock(mutex_);
    record->body_bytes = bytes;
    record->body_sha256 = std::move(sha256_hex);
    stored_bytes_ += prefix.size();
    record->body_prefix = std::move(prefix);
    evict_locked();
}

void request_log::set_status(const std::shared_ptr<request_record>& record, unsigned status) {
    const std::lock_guard lock(mutex_);
    record->status = status;
}

void request_log::set_outcome(const std::shared_ptr<request_record>& record, outcome result,
                              std::optional<std::uint64_t> abort_ms) {
    const std::lock_guard lock(mutex_);
    record->result = result;
    record->abort_ms = abort_ms;
}

void request_log::clear() {
    const std::lock_guard lock(mutex_);
    entries_.clear();
    stored_bytes_ = 0;
}

std::string request_log::to_json() const {
    ojson out = ojson::array();
    {
        const std::lock_guard lock(mutex_);
        for (const auto& entry : entries_)
            out.push_back(record_json(*entry));
    }
    return out.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

void request_log::evict_locked() {
    // Entries evicted here may still be updated by their sessions; they just stop being listed.
    while (!entries_.empty() &&
           (entries_.size() > max_entries_ || stored_bytes_ > kMaxStoredBytes)) {
        const std::size_t bytes = footprint(*entries_.front());
        stored_bytes_ -= std::min(bytes, stored_bytes_);
        entries_.pop_front();
    }
}

void counters::reset() {
    requests = 0;
    aborted_streams = 0;
    connections_accepted = 0;
    connections_used = 0;
}

std::string counters::to_json() const {
    return ojson{
        {"requests", requests.load()},
        {"active_streams", active_streams.load()},
        {"aborted_streams", aborted_streams.load()},
        {"connections_accepted", connections_accepted.load()},
        {"connections_used", connections_used.load()},
        {"active_connections", active_connections.load()},
    }
        .dump();
}

bool blob_store::contains(const std::string& digest) const {
    const std::lock_guard lock(mutex_);
    return digests_.count(digest) != 0;
}

void blob_store::add(std::string digest) {
    const std::lock_guard lock(mutex_);
    digests_.insert(std::move(digest));
}

}  // namespace fake_ollama
