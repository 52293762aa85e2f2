// The daemon's log: stderr (the journal, under systemd) or a file rotated by size, as text or
// as one JSON object per line.
#pragma once

#include "ollama_proxy/config.hpp"

#include <optional>
#include <string>

namespace ollama_proxy {

// Installs the default logger; the problem when the log file cannot be opened.
std::optional<std::string> set_up_logging(const LogConfig& log);

}  // namespace ollama_proxy
