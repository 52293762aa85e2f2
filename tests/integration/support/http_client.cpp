#include "support/http_client.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace it {
namespace {

char lower(char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return std::string(s);
}

int remaining_ms(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 1'000'000));
}

ResponseHead parse_head(std::string raw) {
    ResponseHead head;
    head.raw = raw;
    const auto line_end = raw.find("\r\n");
    const std::string status_line = raw.substr(0, line_end);
    const auto first_space = status_line.find(' ');
    if (!status_line.starts_with("HTTP/") || first_space == std::string::npos) {
        throw std::runtime_error("malformed status line: " + status_line);
    }
    head.version = status_line.substr(0, first_space);
    const auto second_space = status_line.find(' ', first_space + 1);
    head.status = std::stoi(status_line.substr(first_space + 1, second_space - first_space - 1));
    if (second_space != std::string::npos) head.reason = status_line.substr(second_space + 1);

    std::size_t pos = line_end + 2;
    while (pos < raw.size()) {
        const auto end = raw.find("\r\n", pos);
        if (end == std::string::npos || end == pos) break;
        const std::string line = raw.substr(pos, end - pos);
        const auto colon = line.find(':');
        if (colon == std::string::npos) throw std::runtime_error("malformed field: " + line);
        head.headers.push_back({line.substr(0, colon), trim(line.substr(colon + 1))});
        pos = end + 2;
    }
    return head;
}

}  // namespace

std::optional<std::string> ResponseHead::header(std::string_view name) const {
    for (const auto& field : headers) {
        if (iequals(field.name, name)) return field.value;
    }
    return std::nullopt;
}

nlohmann::json Response::json() const {
    return nlohmann::json::parse(body);
}

std::vector<std::string> split_lines(const std::string& body) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < body.size()) {
        const auto end = body.find('\n', start);
        if (end == std::string::npos) {
            lines.push_back(body.substr(start));
            break;
        }
        lines.push_back(body.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::vector<TimedLine> timed_lines(const std::string& body, const std::vector<Arrival>& arrivals) {
    std::vector<TimedLine> lines;
    std::size_t start = 0;
    auto arrival = arrivals.begin();
    while (true) {
        const auto end = body.find('\n', start);
        if (end == std::string::npos) break;
        while (arrival != arrivals.end() && arrival->size < end + 1)
            ++arrival;
        const Clock::time_point at = arrival != arrivals.end() ? arrival->at : Clock::now();
        lines.push_back({body.substr(start, end - start), at});
        start = end + 1;
    }
    return lines;
}

std::string make_request(std::string_view method, std::string_view target, const Headers& headers,
                         std::string_view body) {
    std::string out;
    out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
    bool has_host = false;
    bool framed = false;
    for (const auto& field : headers) {
        has_host = has_host || iequals(field.name, "host");
        framed = framed || iequals(field.name, "content-length") ||
                 iequals(field.name, "transfer-encoding");
    }
    if (!has_host) out += "Host: 127.0.0.1\r\n";
    for (const auto& field : headers)
        out += field.name + ": " + field.value + "\r\n";
    if (!body.empty() && !framed) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    out += "\r\n";
    out.append(body);
    return out;
}

// ---- Connection ---------------------------------------------------------------------------

std::optional<Connection> Connection::try_open(std::uint16_t port, int* error, in_addr_t ipv4) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = ipv4 == 0 ? htonl(INADDR_LOOPBACK) : ipv4;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        if (error != nullptr) *error = errno;
        ::close(fd);
        return std::nullopt;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return Connection(fd);
}

Connection Connection::open(std::uint16_t port, Millis timeout) {
    std::optional<Connection> connection;
    int error = 0;
    wait_until([&] { return (connection = try_open(port, &error)).has_value(); }, timeout, 20ms);
    if (!connection) {
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port) + ": " +
                                 std::strerror(error));
    }
    return std::move(*connection);
}

Connection::Connection(Connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)),
      last_fill_(other.last_fill_) {}

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        buffer_ = std::move(other.buffer_);
        last_fill_ = other.last_fill_;
    }
    return *this;
}

Connection::~Connection() {
    close();
}

void Connection::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool Connection::try_send(std::string_view bytes, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!bytes.empty()) {
        pollfd p{fd_, POLLOUT, 0};
        const int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return false;
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

void Connection::send(std::string_view bytes, Millis timeout) {
    if (!try_send(bytes, timeout)) {
        throw std::runtime_error("send failed or timed out: " + std::string(std::strerror(errno)));
    }
}

Connection::Fill Connection::fill(Clock::time_point deadline) {
    char chunk[64 * 1024];
    while (true) {
        pollfd p{fd_, POLLIN, 0};
        const int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return Fill::timeout;
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return Fill::eof;  // orderly close or reset
        last_fill_ = Clock::now();
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return Fill::data;
    }
}

ResponseHead Connection::read_head(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        const auto end = buffer_.find("\r\n\r\n");
        if (end != std::string::npos) {
            ResponseHead head = parse_head(buffer_.substr(0, end + 4));
            head.received = last_fill_;
            buffer_.erase(0, end + 4);
            return head;
        }
        switch (fill(deadline)) {
            case Fill::data:
                break;
            case Fill::eof:
                throw std::runtime_error("connection closed before a response head; got: " +
                                         buffer_);
            case Fill::timeout:
                throw std::runtime_error("no response head in time; got: " + buffer_);
        }
    }
}

Response Connection::read_response(bool head_request, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    ResponseHead head = read_head(timeout);
    while (head.status / 100 == 1)
        head = read_head(std::max(Millis(1), timeout));
    BodyReader reader(*this, std::move(head), head_request);
    return reader.read_to_end(
        std::max(Millis(0), std::chrono::duration_cast<Millis>(deadline - Clock::now())));
}

Response Connection::exchange(std::string_view raw, Millis timeout) {
    send(raw, timeout);
    const bool head_request = raw.starts_with("HEAD ");
    return read_response(head_request, timeout);
}

bool Connection::wait_closed(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        switch (fill(deadline)) {
            case Fill::data:
                buffer_.clear();
                break;
            case Fill::eof:
                return true;
            case Fill::timeout:
                return false;
        }
    }
}

Response fetch(std::uint16_t port, std::string_view raw, Millis timeout) {
    Connection connection = Connection::open(port);
    return connection.exchange(raw, timeout);
}

Response fetch_at(in_addr_t ipv4, std::uint16_t port, std::string_view raw, Millis timeout) {
    int error = 0;
    auto connection = Connection::try_open(port, &error, ipv4);
    if (!connection) throw std::runtime_error("connect: " + std::string(std::strerror(error)));
    return connection->exchange(raw, timeout);
}

}  // namespace it
