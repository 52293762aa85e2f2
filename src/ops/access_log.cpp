#include "ops/access_log.hpp"

#include <spdlog/spdlog.h>

namespace ollama_proxy {
namespace {

double millis(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

void write_access_log(const AccessRecord& r) {
    const double total = millis(std::chrono::steady_clock::now() - r.started);
    if (r.upstream_ttfb) {
        spdlog::info(
            "access id={} peer={} method={} path={} status={} in={} out={} ms={:.1f} "
            "ttfb_ms={:.1f} outcome={}",
            r.request_id, r.peer, r.method, r.path, r.status, r.bytes_in, r.bytes_out, total,
            millis(*r.upstream_ttfb), r.outcome);
    } else {
        spdlog::info(
            "access id={} peer={} method={} path={} status={} in={} out={} ms={:.1f} "
            "ttfb_ms=- outcome={}",
            r.request_id, r.peer, r.method, r.path, r.status, r.bytes_in, r.bytes_out, total,
            r.outcome);
    }
}

}  // namespace ollama_proxy
