// ollama-proxy: command line -> configuration -> daemon.
#include "ollama_proxy/config.hpp"
#include "ollama_proxy/daemon.hpp"
#include "ops/logging.hpp"

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    using namespace ollama_proxy;
    const CommandLineOutcome outcome = parse_command_line(argc, argv, current_environment());
    if (outcome.exit_code) {
        std::fputs(outcome.output.c_str(), *outcome.exit_code == 0 ? stdout : stderr);
        if (!outcome.output.empty() && outcome.output.back() != '\n')
            std::fputc('\n', *outcome.exit_code == 0 ? stdout : stderr);
        return *outcome.exit_code;
    }
    if (auto problem = set_up_logging(outcome.config.log)) {
        std::fprintf(stderr, "ollama-proxy: %s\n", problem->c_str());
        return 2;
    }
    // A reload reads every source again as at start: the same arguments, the same environment.
    const Environment environment = current_environment();
    const ConfigSource reload = [argc, argv, environment]() -> std::variant<Config, ConfigError> {
        CommandLineOutcome again = parse_command_line(argc, argv, environment);
        if (again.exit_code) {
            std::string message = again.output;
            while (!message.empty() && message.back() == '\n')
                message.pop_back();
            return ConfigError{message};
        }
        return std::move(again.config);
    };
    return run_daemon(outcome.config, reload);
}
