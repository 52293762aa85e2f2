// Notices a client that hangs up while the remote is still working (a long prompt evaluation, a
// stream), so that the upstream request is aborted at once instead of at the next write. It waits
// for readability and peeks, so bytes of a pipelined request stay in the socket for the next
// exchange.
#pragma once

#include "net/asio.hpp"

#include <memory>

namespace ollama_proxy {

class HangupWatch {
  public:
    // Starts watching `client`. On a hang-up, every pending operation on `client` and `upstream`
    // is cancelled, so the relay wakes up with operation_aborted and sees client_gone().
    void start(tcp::socket& client, tcp::socket& upstream);
    // Stops watching; call before anything else reads from the client socket.
    void stop(tcp::socket& client);
    bool client_gone() const { return state_ && state_->client_gone; }

  private:
    struct State {
        bool active = true;
        bool client_gone = false;
        tcp::socket* client = nullptr;
        tcp::socket* upstream = nullptr;
    };
    static void arm(const std::shared_ptr<State>& state);
    static void hang_up(State& state);

    std::shared_ptr<State> state_;
};

}  // namespace ollama_proxy
