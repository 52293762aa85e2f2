#pragma once

#include "support/process.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace it {

struct Header {
    std::string name;
    std::string value;
};
using Headers = std::vector<Header>;

struct ResponseHead {
    std::string version;  // "HTTP/1.1"
    int status = 0;
    std::string reason;
    Headers headers;
    std::string raw;  // status line and fields, up to and including the blank line
    Clock::time_point received;

    // First field with this name (case-insensitive).
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
    [[nodiscard]] bool has(std::string_view name) const { return header(name).has_value(); }
};

// How a response body ended: complete per its framing (Content-Length reached, terminating chunk
// seen, or close for a close-delimited body), cut short by the peer, or still open at the timeout.
enum class BodyEnd { clean, truncated, timeout };

// The time by which the body had grown to `size` decoded bytes.
struct Arrival {
    std::size_t size;
    Clock::time_point at;
};

struct Response {
    ResponseHead head;
    std::string body;
    bool chunked = false;
    BodyEnd end = BodyEnd::clean;
    std::vector<Arrival> arrivals;

    [[nodiscard]] int status() const { return head.status; }
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const {
        return head.header(name);
    }
    [[nodiscard]] nlohmann::json json() const;
};

// One NDJSON line of a body and when its final '\n' arrived.
struct TimedLine {
    std::string text;  // without the '\n'
    Clock::time_point at;
};
std::vector<TimedLine> timed_lines(const std::string& body, const std::vector<Arrival>& arrivals);
std::vector<std::string> split_lines(const std::string& body);

// A raw HTTP/1.1 request. Adds `Host: 127.0.0.1` unless `headers` has a Host field, and
// Content-Length when a body is given unless `headers` already frames it.
std::string make_request(std::string_view method, std::string_view target,
                         const Headers& headers = {}, std::string_view body = {});

class BodyReader;

// A blocking client connection over TCP with deadlines on every operation.
class Connection {
  public:
    // Retries a refused connection until `timeout`, then throws.
    static Connection open(std::uint16_t port, Millis timeout = 2s);
    // nullopt and errno-like code when the connection is refused or fails.
    // `ipv4` (network order) defaults to 127.0.0.1.
    static std::optional<Connection> try_open(std::uint16_t port, int* error = nullptr,
                                              in_addr_t ipv4 = 0);

    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    // Throws on error or when the peer does not take the bytes within `timeout`.
    void send(std::string_view bytes, Millis timeout = 60s);
    // False instead of throwing.
    bool try_send(std::string_view bytes, Millis timeout = 60s);

    // The next response head (1xx included). Throws on timeout, close or a malformed head.
    ResponseHead read_head(Millis timeout = 60s);
    // Reads a whole response, skipping interim 1xx heads.
    Response read_response(bool head_request = false, Millis timeout = 60s);
    // Sends `raw` and reads the response.
    Response exchange(std::string_view raw, Millis timeout = 60s);

    // True when the peer closes (EOF or reset) within `timeout`; received bytes are discarded.
    bool wait_closed(Millis timeout);
    void close();
    [[nodiscard]] int fd() const { return fd_; }

  private:
    friend class BodyReader;
    enum class Fill { data, eof, timeout };
    explicit Connection(int fd) : fd_(fd) {}
    Fill fill(Clock::time_point deadline);

    int fd_ = -1;
    std::string buffer_;  // received, not yet consumed
    Clock::time_point last_fill_{};
};

// Reads a response body incrementally, decoding its framing.
class BodyReader {
  public:
    BodyReader(Connection& connection, ResponseHead head, bool head_request);

    // One read from the socket (or the data already buffered). Returns false once the body has
    // ended or the deadline has passed.
    bool read_some(Clock::time_point deadline);
    // Reads until `done(body)` holds, the body ends or the timeout passes; returns done(body).
    bool read_until(const std::function<bool(const std::string&)>& done, Millis timeout);
    // Reads until the body holds at least `count` complete lines.
    bool read_lines(std::size_t count, Millis timeout);
    Response read_to_end(Millis timeout);

    [[nodiscard]] bool finished() const { return finished_; }
    [[nodiscard]] const std::string& body() const { return response_.body; }
    [[nodiscard]] const Response& response() const { return response_; }

  private:
    enum class Framing { none, length, chunked, close };
    enum class ChunkState { size, data, data_end, trailer };
    void decode();
    void decode_chunked();
    void end(BodyEnd how);

    Connection& connection_;
    Response response_;
    Framing framing_ = Framing::none;
    ChunkState chunk_state_ = ChunkState::size;
    std::uint64_t remaining_ = 0;
    bool finished_ = false;
};

// A fresh connection, one request, the whole response.
Response fetch(std::uint16_t port, std::string_view raw, Millis timeout = 60s);
// The same to another address of this machine (network order), e.g. one that is not loopback.
Response fetch_at(in_addr_t ipv4, std::uint16_t port, std::string_view raw, Millis timeout = 60s);

}  // namespace it
