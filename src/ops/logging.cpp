#include "ops/logging.hpp"

#include "ops/json_log_formatter.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace ollama_proxy {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v";

std::shared_ptr<LogRing>& installed_ring() {
    static std::shared_ptr<LogRing> ring;
    return ring;
}

}  // namespace

std::shared_ptr<LogRing> log_ring() {
    return installed_ring();
}

std::optional<std::string> set_up_logging(const LogConfig& log) {
    std::shared_ptr<spdlog::logger> logger;
    try {
        if (log.file.empty()) {
            logger = spdlog::stderr_color_mt("ollama-proxy");
        } else {
            // Opened now, so a path the daemon cannot write is refused at start-up.
            logger = spdlog::rotating_logger_mt("ollama-proxy", log.file,
                                                static_cast<std::size_t>(log.max_file_bytes),
                                                log.max_files);
        }
    } catch (const spdlog::spdlog_ex& error) {
        return "log.file: cannot write " + log.file + ": " + error.what();
    }
    if (log.format == "json") {
        logger->set_formatter(std::make_unique<JsonLogFormatter>());
    } else {
        logger->set_pattern(kTextPattern);
    }
    // Text in the ring whatever the log's format: it is read by people, on the status page.
    auto ring = std::make_shared<LogRing>(log.ring_lines);
    ring->set_pattern(kTextPattern);
    logger->sinks().push_back(ring);
    installed_ring() = std::move(ring);
    logger->set_level(spdlog::level::from_str(log.level));
    // Access lines are info: each reaches the file or the journal as it is written.
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
    return std::nullopt;
}

}  // namespace ollama_proxy
