// Changing a running daemon: a reload (SIGHUP or POST /_proxy/reload) reads every configuration
// source again and swaps in keys, limits, origins and the remote; a remote switch (POST
// /_proxy/remote) changes the remote alone and writes it back to the config file. Both build
// everything first and then swap whole snapshots, so a failure changes nothing, and requests in
// flight finish with what they started with.
#pragma once

#include "ollama_proxy/remote_switch.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ollama_proxy {

struct ProxyState;

struct ReloadReport {
    std::optional<std::string> error;           // set when nothing was changed
    std::vector<std::string> restart_required;  // sections that changed but need a restart
};

ReloadReport reload_configuration(ProxyState& state);

struct SwitchReport {
    std::optional<std::string> error;  // set when the remote was not switched
    bool persisted = false;            // the config file now names the new remote
    std::string warning;               // why the switch may not outlive a reload or restart
};

// `who` says, for the log, where the request came from.
SwitchReport switch_remote(ProxyState& state, const RemoteSwitchRequest& request,
                           const std::string& who);

}  // namespace ollama_proxy
