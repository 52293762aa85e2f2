// ollama-proxy: command line -> configuration -> daemon.
#include "ollama_proxy/config.hpp"
#include "ollama_proxy/daemon.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>
#include <string>

namespace {

void set_up_logging(const ollama_proxy::LogConfig& log) {
    auto logger = spdlog::stderr_color_mt("ollama-proxy");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
    logger->set_level(spdlog::level::from_str(log.level));
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

// Keys work in this version; quotas do not yet, and a limit that is configured but not enforced
// would be a lie, so the daemon refuses to start with one.
std::optional<std::string> unsupported_auth(const ollama_proxy::AuthConfig& auth) {
    for (std::size_t i = 0; i < auth.tokens.size(); ++i) {
        if (auth.tokens[i].limit_per_minute) {
            return "auth.tokens[" + std::to_string(i) +
                   "].limitPerMinute: per-key quotas are not available in this version; remove "
                   "the limit rather than run without it";
        }
    }
    if (auth.enabled && auth.tokens.empty())
        return "auth.enabled: true, but auth.tokens is empty: every request would be refused";
    return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace ollama_proxy;
    const CommandLineOutcome outcome = parse_command_line(argc, argv, current_environment());
    if (outcome.exit_code) {
        std::fputs(outcome.output.c_str(), *outcome.exit_code == 0 ? stdout : stderr);
        if (!outcome.output.empty() && outcome.output.back() != '\n')
            std::fputc('\n', *outcome.exit_code == 0 ? stdout : stderr);
        return *outcome.exit_code;
    }
    if (auto problem = unsupported_auth(outcome.config.auth)) {
        std::fprintf(stderr, "ollama-proxy: %s\n", problem->c_str());
        return 2;
    }
    set_up_logging(outcome.config.log);
    return run_daemon(outcome.config);
}
