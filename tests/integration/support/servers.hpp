#pragma once

#include "support/http_client.hpp"
#include "support/process.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace it {

// A loopback TCP port that nothing listens on right now.
std::uint16_t unused_port();

// The fake Ollama server (tests/fake_ollama), on an ephemeral port.
class FakeOllama {
  public:
    // Launches `fake_ollama --host 127.0.0.1 --port 0 --port-file <tmp> <args>` and waits until
    // it accepts connections.
    static std::unique_ptr<FakeOllama> start(const std::vector<std::string>& args = {});

    [[nodiscard]] std::uint16_t port() const { return port_; }
    // "127.0.0.1:<port>", as the proxy's --remote-host takes it.
    [[nodiscard]] std::string address() const;
    [[nodiscard]] std::string log() const { return read_file(log_path_); }
    Process& process() { return process_; }

    // GET /_fake/requests: the recorded non-control requests, oldest first.
    [[nodiscard]] nlohmann::json requests() const;
    // The most recent recorded request with this exact target, if any.
    [[nodiscard]] std::optional<nlohmann::json> last_request(const std::string& target) const;
    // DELETE /_fake/requests: forgets recorded requests and zeroes the counters.
    void clear() const;
    // GET /_fake/stats.
    [[nodiscard]] nlohmann::json stats() const;
    // Stops the server (SIGTERM, then SIGKILL) and waits for it to exit.
    void stop();

  private:
    FakeOllama(std::unique_ptr<TempDir> dir, Process process, std::string log_path,
               std::uint16_t port);

    std::unique_ptr<TempDir> dir_;
    Process process_;
    std::string log_path_;
    std::uint16_t port_;
};

// The proxy under test, on an ephemeral port.
class Proxy {
  public:
    // Launches `ollama-proxy --port 0 <args>` and waits for its "listening on" log line.
    static std::unique_ptr<Proxy> start(const std::vector<std::string>& args,
                                        const EnvVars& env = {});
    // The same, forwarding to `fake`.
    static std::unique_ptr<Proxy> start_for(const FakeOllama& fake,
                                            const std::vector<std::string>& extra_args = {});

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::string log() const { return read_file(log_path_); }
    Process& process() { return process_; }

    // Sends SIGTERM and waits for the exit code; nullopt if it does not exit in time.
    std::optional<int> stop(Millis timeout = scaled(10s));

  private:
    Proxy(std::unique_ptr<TempDir> dir, Process process, std::string log_path, std::uint16_t port);

    std::unique_ptr<TempDir> dir_;
    Process process_;
    std::string log_path_;
    std::uint16_t port_;
};

// The proxy binary run to completion (for start-up checks): exit code, stdout and stderr.
struct RunResult {
    std::optional<int> exit_code;  // nullopt: still running after the timeout (then killed)
    std::string out;
    std::string err;
};
RunResult run_proxy(const std::vector<std::string>& args, const EnvVars& env = {},
                    Millis timeout = scaled(15s));

// Non-empty lines of a text.
std::vector<std::string> non_empty_lines(const std::string& text);

// A GET /api/tags through `port` answered with 200: the server still works.
bool serves_tags(std::uint16_t port);

// A native /api/chat body whose user message has `words` words; the fake answers with one
// streamed line per word (plus its own), so `words` sets the length of the stream.
std::string chat_body(int words);

}  // namespace it
