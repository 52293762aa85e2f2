#include "net/hangup_watch.hpp"

#include "net/socket_peek.hpp"

namespace ollama_proxy {

void HangupWatch::start(tcp::socket& client, tcp::socket& upstream) {
    state_ = std::make_shared<State>();
    state_->client = &client;
    state_->upstream = &upstream;
    // The event loop delivers readiness as edges; a hang-up that happened before the wait was
    // armed has already been consumed, so look once by hand first.
    switch (peek_socket(client.native_handle())) {
        case PeekResult::data:
            state_->active = false;
            return;  // pipelining: alive
        case PeekResult::closed:
            hang_up(*state_);
            return;
        case PeekResult::quiet:
            arm(state_);
            return;
    }
}

void HangupWatch::stop(tcp::socket& client) {
    if (!state_ || !state_->active) return;
    state_->active = false;
    error_code ignored;
    client.cancel(ignored);  // only the wait is pending on it at this point
}

void HangupWatch::arm(const std::shared_ptr<State>& state) {
    state->client->async_wait(tcp::socket::wait_read, [state](error_code ec) {
        // The state outlives the exchange; the sockets may not, so check before touching them.
        if (ec || !state->active) return;
        switch (peek_socket(state->client->native_handle())) {
            case PeekResult::data:
                state->active = false;
                return;
            case PeekResult::closed:
                hang_up(*state);
                return;
            case PeekResult::quiet:
                arm(state);
                return;
        }
    });
}

void HangupWatch::hang_up(State& state) {
    state.active = false;
    state.client_gone = true;
    error_code ignored;
    state.upstream->cancel(ignored);
    state.client->cancel(ignored);
}

}  // namespace ollama_proxy
