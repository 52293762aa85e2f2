// Response body decoding for the test client: Content-Length, chunked, and close-delimited
// bodies, with the arrival time of every read.
#include "support/http_client.hpp"

#include <algorithm>
#include <stdexcept>

namespace it {
namespace {

bool contains_chunked(std::string value) {
    std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    });
    return value.find("chunked") != std::string::npos;
}

}  // namespace

BodyReader::BodyReader(Connection& connection, ResponseHead head, bool head_request)
    : connection_(connection) {
    response_.head = std::move(head);
    const int status = response_.head.status;
    const auto transfer_encoding = response_.head.header("transfer-encoding");
    const auto content_length = response_.head.header("content-length");
    if (head_request || status / 100 == 1 || status == 204 || status == 304) {
        framing_ = Framing::none;
    } else if (transfer_encoding && contains_chunked(*transfer_encoding)) {
        framing_ = Framing::chunked;
        response_.chunked = true;
    } else if (content_length) {
        framing_ = Framing::length;
        remaining_ = std::stoull(*content_length);
    } else {
        framing_ = Framing::close;
    }
    decode();
    response_.arrivals.push_back({response_.body.size(), response_.head.received});
    if (framing_ == Framing::none || (framing_ == Framing::length && remaining_ == 0)) {
        end(BodyEnd::clean);
    }
}

void BodyReader::end(BodyEnd how) {
    response_.end = how;
    finished_ = true;
}

void BodyReader::decode() {
    auto& in = connection_.buffer_;
    switch (framing_) {
        case Framing::none:
            return;
        case Framing::length: {
            const auto take = std::min<std::uint64_t>(remaining_, in.size());
            response_.body.append(in, 0, take);
            in.erase(0, take);
            remaining_ -= take;
            if (remaining_ == 0) end(BodyEnd::clean);
            return;
        }
        case Framing::close:
            response_.body += in;
            in.clear();
            return;
        case Framing::chunked:
            decode_chunked();
            return;
    }
}

void BodyReader::decode_chunked() {
    auto& in = connection_.buffer_;
    while (!finished_) {
        switch (chunk_state_) {
            case ChunkState::size: {
                const auto eol = in.find("\r\n");
                if (eol == std::string::npos) return;
                const std::string line = in.substr(0, in.find_first_of(";\r"));
                in.erase(0, eol + 2);
                remaining_ = std::stoull(line, nullptr, 16);
                chunk_state_ = remaining_ == 0 ? ChunkState::trailer : ChunkState::data;
                break;
            }
            case ChunkState::data: {
                if (in.empty()) return;
                const auto take = std::min<std::uint64_t>(remaining_, in.size());
                response_.body.append(in, 0, take);
                in.erase(0, take);
                remaining_ -= take;
                if (remaining_ == 0) chunk_state_ = ChunkState::data_end;
                break;
            }
            case ChunkState::data_end:
                if (in.size() < 2) return;
                if (in.compare(0, 2, "\r\n") != 0) throw std::runtime_error("bad chunk end");
                in.erase(0, 2);
                chunk_state_ = ChunkState::size;
                break;
            case ChunkState::trailer: {
                const auto eol = in.find("\r\n");
                if (eol == std::string::npos) return;
                in.erase(0, eol + 2);
                if (eol == 0) end(BodyEnd::clean);
                break;
            }
        }
    }
}

bool BodyReader::read_some(Clock::time_point deadline) {
    if (finished_) return false;
    switch (connection_.fill(deadline)) {
        case Connection::Fill::data:
            decode();
            response_.arrivals.push_back({response_.body.size(), connection_.last_fill_});
            return !finished_;
        case Connection::Fill::eof:
            end(framing_ == Framing::close ? BodyEnd::clean : BodyEnd::truncated);
            return false;
        case Connection::Fill::timeout:
            response_.end = BodyEnd::timeout;
            return false;
    }
    return false;
}

bool BodyReader::read_until(const std::function<bool(const std::string&)>& done, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done(response_.body)) {
        if (!read_some(deadline)) break;
    }
    return done(response_.body);
}

bool BodyReader::read_lines(std::size_t count, Millis timeout) {
    return read_until(
        [count](const std::string& body) {
            return static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n')) >= count;
        },
        timeout);
}

Response BodyReader::read_to_end(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (read_some(deadline)) {
    }
    if (!finished_) response_.end = BodyEnd::timeout;
    return response_;
}

}  // namespace it
