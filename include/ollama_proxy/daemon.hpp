// Runs the proxy until SIGINT or SIGTERM, then drains. Returns the process exit code.
#pragma once

#include "ollama_proxy/config.hpp"

namespace ollama_proxy {

int run_daemon(const Config& config);

}  // namespace ollama_proxy
