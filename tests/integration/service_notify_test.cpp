// Readiness for a service manager (systemd Type=notify): with NOTIFY_SOCKET set, the proxy sends
// READY=1 as one datagram once its listener accepts connections, and STOPPING=1 when told to stop.
// The manager's side is played by a real AF_UNIX datagram socket.
#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <iostream>
#include <poll.h>
#include <random>
#include <regex>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace it {
namespace {

// A bound datagram socket; `name()` is what NOTIFY_SOCKET holds for it.
class NotifySocket {
  public:
    static NotifySocket at_path(const std::string& path) { return NotifySocket(path); }
    static NotifySocket abstract() {
        return NotifySocket("@ollama-proxy-it-" + std::to_string(::getpid()) + "-" +
                            std::to_string(std::random_device{}()));
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;
    ~NotifySocket() { ::close(fd_); }

    [[nodiscard]] const std::string& name() const { return name_; }

    // The next datagram, or nullopt when none arrives within `timeout`.
    std::optional<std::string> receive(Millis timeout) const {
        pollfd ready{fd_, POLLIN, 0};
        if (::poll(&ready, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
        std::string buffer(4096, '\0');
        const ssize_t size = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (size < 0) throw std::runtime_error("recv: " + std::string(std::strerror(errno)));
        buffer.resize(static_cast<std::size_t>(size));
        return buffer;
    }

  private:
    explicit NotifySocket(std::string name) : name_(std::move(name)) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (fd_ < 0 || name_.size() >= sizeof address.sun_path) {
            throw std::runtime_error("cannot make a notify socket " + name_);
        }
        std::memcpy(address.sun_path, name_.data(), name_.size());
        const bool abstract = name_.front() == '@';
        if (abstract) address.sun_path[0] = '\0';
        const auto length = offsetof(sockaddr_un, sun_path) + name_.size() + (abstract ? 0 : 1);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), static_cast<socklen_t>(length))) {
            throw std::runtime_error("bind " + name_ + ": " + std::strerror(errno));
        }
    }

    std::string name_;
    int fd_ = -1;
};

bool has_line(const std::string& message, const std::string& line) {
    for (const auto& each : split_lines(message)) {
        if (each == line) return true;
    }
    return false;
}

// The port named in the STATUS line of a READY message.
std::optional<std::uint16_t> status_port(const std::string& message) {
    static const std::regex status(R"((^|\n)STATUS=listening on http://127\.0\.0\.1:(\d+)(\n|$))");
    std::smatch match;
    if (!std::regex_search(message, match, status)) return std::nullopt;
    return static_cast<std::uint16_t>(std::stoi(match[2].str()));
}

class ServiceNotify : public ::testing::Test {
  protected:
    void TearDown() override {
        if (HasFailure()) std::cout << "proxy log:\n" << read_file(log_path()) << std::endl;
    }

    Process start(const NotifySocket& socket) {
        const std::vector<std::string> args{"--port", "0", "--remote-host",
                                            "127.0.0.1:" + std::to_string(unused_port())};
        return Process::spawn(OLLAMA_PROXY_BIN, args,
                              {log_path(), {}, {{"NOTIFY_SOCKET", socket.name()}}});
    }

    // Waits for READY=1 and returns the port its STATUS names.
    std::uint16_t expect_ready(const NotifySocket& socket) {
        const auto message = socket.receive(scaled(20s));
        if (!message) throw std::runtime_error("no notice from the proxy");
        EXPECT_TRUE(has_line(*message, "READY=1")) << *message;
        const auto port = status_port(*message);
        if (!port) throw std::runtime_error("no listening port in the notice: " + *message);
        return *port;
    }

    [[nodiscard]] std::string log_path() const { return dir_.file("ollama-proxy.log"); }

    TempDir dir_;
};

TEST_F(ServiceNotify, ReadyArrivesWhenThePortAlreadyAcceptsConnections) {
    const auto socket = NotifySocket::at_path(dir_.file("notify.sock"));
    Process proxy = start(socket);
    const std::uint16_t port = expect_ready(socket);
    // One attempt, no retry: the listener must be up by the time READY=1 is sent.
    int error = 0;
    EXPECT_TRUE(Connection::try_open(port, &error).has_value()) << std::strerror(error);
    EXPECT_EQ(fetch(port, make_request("GET", "/health"), scaled(10s)).status(), 200);
}

TEST_F(ServiceNotify, AnAbstractSocketNameWorksToo) {
    const auto socket = NotifySocket::abstract();
    Process proxy = start(socket);
    const std::uint16_t port = expect_ready(socket);
    EXPECT_TRUE(Connection::try_open(port).has_value());
}

TEST_F(ServiceNotify, SigtermSendsStoppingAndTheProxyExitsZero) {
    const auto socket = NotifySocket::at_path(dir_.file("notify.sock"));
    Process proxy = start(socket);
    expect_ready(socket);
    proxy.signal(SIGTERM);
    // The next notice, not a second READY=1.
    const auto message = socket.receive(scaled(10s));
    ASSERT_TRUE(message.has_value()) << "no notice after SIGTERM";
    EXPECT_TRUE(has_line(*message, "STOPPING=1")) << *message;
    EXPECT_FALSE(has_line(*message, "READY=1")) << *message;
    EXPECT_EQ(proxy.wait_exit(scaled(10s)), 0);
}

TEST(ServiceNotifyFailure, AnUnreachableSocketIsLoggedAndTheProxyServesAnyway) {
    TempDir dir;
    const EnvVars env{{"NOTIFY_SOCKET", dir.file("nobody-listens.sock")}};
    auto proxy = Proxy::start({"--remote-host", "127.0.0.1:" + std::to_string(unused_port())}, env);
    const bool logged = wait_until(
        [&] { return proxy->log().find("cannot notify the service manager") != std::string::npos; },
        scaled(10s));
    EXPECT_TRUE(logged) << proxy->log();
    EXPECT_EQ(fetch(proxy->port(), make_request("GET", "/health"), scaled(10s)).status(), 200);
}

}  // namespace
}  // namespace it
