#include "ops/service_notify.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace ollama_proxy {
namespace {

struct UnixAddress {
    sockaddr_un address{};
    socklen_t length = 0;
};

// An abstract name is the bytes after its '@' behind a leading NUL, with no terminator: the
// length passed to the kernel is the name's exact size, or it would name a different socket.
std::optional<UnixAddress> unix_address(const std::string& name) {
    UnixAddress out;
    out.address.sun_family = AF_UNIX;
    const bool path = name.starts_with('/');
    if (name.size() < 2 || (!path && !name.starts_with('@')) ||
        name.size() >= sizeof(out.address.sun_path)) {
        return std::nullopt;
    }
    std::memcpy(out.address.sun_path, name.data(), name.size());
    if (!path) out.address.sun_path[0] = '\0';
    out.length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (path ? 1 : 0));
    return out;
}

class Descriptor {
  public:
    explicit Descriptor(int fd) : fd_(fd) {}
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    ~Descriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    [[nodiscard]] int get() const { return fd_; }

  private:
    int fd_;
};

}  // namespace

std::string send_service_notice(const std::string& socket_name, std::string_view state) {
    const auto address = unix_address(socket_name);
    if (!address) return "\"" + socket_name + "\" is not a unix socket path or @abstract name";
    const Descriptor socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (socket.get() < 0) return std::string("socket: ") + std::strerror(errno);
    const auto* to = reinterpret_cast<const sockaddr*>(&address->address);
    const ssize_t sent =
        ::sendto(socket.get(), state.data(), state.size(), MSG_NOSIGNAL, to, address->length);
    if (sent < 0) return std::strerror(errno);
    if (static_cast<std::size_t>(sent) != state.size()) return "the datagram was cut short";
    return {};
}

void notify_service_manager(std::string_view state) {
    const char* socket_name = std::getenv("NOTIFY_SOCKET");
    if (socket_name == nullptr || *socket_name == '\0') return;
    const std::string problem = send_service_notice(socket_name, state);
    if (problem.empty()) {
        spdlog::debug("told the service manager: {}", state.substr(0, state.find('\n')));
    } else {
        spdlog::warn("cannot notify the service manager at NOTIFY_SOCKET={}: {}", socket_name,
                     problem);
    }
}

}  // namespace ollama_proxy
