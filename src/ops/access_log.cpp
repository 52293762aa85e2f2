#include "ops/access_log.hpp"

#include <spdlog/spdlog.h>

namespace ollama_proxy {
namespace {

double millis(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

// A client-chosen name, made safe for a one-line, space-separated log record.
std::string loggable(const std::string& name) {
    if (name.empty()) return "-";
    std::string out = name.substr(0, 128);
    for (char& c : out) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') ||
                           std::string_view("._:/@+-").find(c) != std::string_view::npos;
        if (!plain) c = '_';
    }
    return out;
}

}  // namespace

void write_access_log(const AccessRecord& r) {
    const double total = millis(std::chrono::steady_clock::now() - r.started);
    if (r.upstream_ttfb) {
        spdlog::info(
            "access id={} peer={} method={} path={} status={} in={} out={} ms={:.1f} "
            "ttfb_ms={:.1f} model={} key={} outcome={}",
            r.request_id, r.peer, r.method, r.path, r.status, r.bytes_in, r.bytes_out, total,
            millis(*r.upstream_ttfb), loggable(r.model), loggable(r.key), r.outcome);
    } else {
        spdlog::info(
            "access id={} peer={} method={} path={} status={} in={} out={} ms={:.1f} "
            "ttfb_ms=- model={} key={} outcome={}",
            r.request_id, r.peer, r.method, r.path, r.status, r.bytes_in, r.bytes_out, total,
            loggable(r.model), loggable(r.key), r.outcome);
    }
    if (r.log_payloads) {
        spdlog::info("payload id={} request=\"{}\" response=\"{}\"", r.request_id,
                     r.request_body.text(), r.response_body.text());
    }
}

}  // namespace ollama_proxy
