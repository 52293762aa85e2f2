// Runs the proxy until SIGINT or SIGTERM, then drains. Returns the process exit code.
#pragma once

#include "ollama_proxy/config.hpp"

#include <functional>
#include <variant>

namespace ollama_proxy {

// Reads the configuration again (file, tokens file, environment and command line as at start),
// or says why it cannot be used.
using ConfigSource = std::function<std::variant<Config, ConfigError>()>;

// SIGHUP calls `reload` and applies what can change while serving: keys, limits and origins.
int run_daemon(const Config& config, ConfigSource reload = {});

}  // namespace ollama_proxy
