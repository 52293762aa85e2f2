// What a socket would give a reader right now, learned without consuming anything.
#pragma once

#include <cerrno>
#include <sys/socket.h>

namespace ollama_proxy {

enum class PeekResult { data, quiet, closed };

// One non-blocking MSG_PEEK: "quiet" means open with nothing to read, "closed" means EOF or an
// error such as a reset.
inline PeekResult peek_socket(int fd) {
    char byte = 0;
    const auto n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return PeekResult::data;
    if (n == 0) return PeekResult::closed;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? PeekResult::quiet
                                                                     : PeekResult::closed;
}

}  // namespace ollama_proxy
