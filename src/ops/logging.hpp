// The daemon's log: stderr (the journal, under systemd) or a file rotated by size, as text or
// as one JSON object per line; and the last lines in memory, for the status page.
#pragma once

#include "ollama_proxy/config.hpp"
#include "ops/log_ring.hpp"

#include <memory>
#include <optional>
#include <string>

namespace ollama_proxy {

// Installs the default logger; the problem when the log file cannot be opened.
std::optional<std::string> set_up_logging(const LogConfig& log);

// The in-memory lines of the logger set up above (null before that). The log is the process's
// own, like spdlog's default logger, so its ring is too.
std::shared_ptr<LogRing> log_ring();

}  // namespace ollama_proxy
