// Switching the remote while the daemon runs: what an operator's request asks for, and the
// config file rewritten to name the new remote. Pure functions, so every accepted and refused
// request, and every shape of config file, is unit-tested; the atomic write is the only I/O.
#pragma once

#include "ollama_proxy/config.hpp"
#include "ollama_proxy/remote_url.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ollama_proxy {

// What the request says about the remote's API key.
enum class ApiKeyChange { keep, set, clear };

struct RemoteSwitchRequest {
    RemoteConfig remote;  // the whole new remote (TLS options carried over from the current one)
    ApiKeyChange key_change = ApiKeyChange::keep;
};

// Reads {"url": "...", "apiKey"?: "..." | null} against the remote in use. A URL without a
// scheme means http; a port it does not name is the scheme's default, or 11434 for a bare host
// (as on the command line). An absent apiKey keeps the current key; "" or null clears it.
ParseResult<RemoteSwitchRequest> parse_remote_switch(std::string_view body,
                                                     const RemoteConfig& current);

// The config file's text with its remote section naming `remote`, everything else (and the
// order of members) kept. Refuses a file that is no longer a JSON object.
ParseResult<std::string> config_with_remote(std::string_view file_text,
                                            const RemoteSwitchRequest& request);

// Writes the new remote into the config file at `path` (read, rewritten, replaced atomically);
// the problem when it could not be done.
std::optional<std::string> save_remote(const std::string& path, const RemoteSwitchRequest& request);

// Replaces the file at `path` (through a symlink, its target) with `content` so that a reader
// sees the old or the new text, never a mix: a sibling temporary file with the old file's mode,
// written, synced and renamed over it. The problem, when there is one.
std::optional<std::string> write_file_atomically(const std::string& path, std::string_view content);

}  // namespace ollama_proxy
