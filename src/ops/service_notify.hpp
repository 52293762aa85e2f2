// Start and stop notices for a service manager, in systemd's notify protocol: one datagram of
// newline-separated VARIABLE=VALUE assignments ("READY=1", "STOPPING=1", "STATUS=...") sent to
// the AF_UNIX socket that NOTIFY_SOCKET names. The protocol is a single sendto(), so it is written
// out here instead of linking libsystemd for it.
#pragma once

#include <string>
#include <string_view>

namespace ollama_proxy {

// Sends `state` to the datagram socket `socket_name`: a filesystem path, or an abstract socket
// spelled with a leading '@'. Returns what went wrong, or "" once the datagram is sent.
std::string send_service_notice(const std::string& socket_name, std::string_view state);

// Sends `state` to the socket in NOTIFY_SOCKET; does nothing when the variable is unset (the proxy
// was not started by a service manager). A failure is logged, never fatal: the proxy serves
// either way, and the manager applies its own start timeout.
void notify_service_manager(std::string_view state);

}  // namespace ollama_proxy
