#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace it {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// True when the suite runs against sanitizer builds (OLLAMA_PROXY_TEST_SANITIZED=1), where the
// binaries are several times slower.
bool sanitized();

// A time budget stretched for sanitizer builds. Budgets are upper bounds for waiting on a
// condition, never fixed sleeps.
Millis scaled(Millis budget);

// Polls `condition` every `step` until it holds or `timeout` passes; returns its last value.
bool wait_until(const std::function<bool()>& condition, Millis timeout, Millis step = 10ms);

// A private directory under the system temp directory, removed with its contents on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] std::string file(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);

using EnvVars = std::vector<std::pair<std::string, std::string>>;

struct SpawnOptions {
    std::string log_path;     // stderr, and stdout unless stdout_path is set
    std::string stdout_path;  // optional separate file for stdout
    EnvVars env;              // added to (or replacing in) the inherited environment
};

// A child process started with fork/exec. Variables named OLLAMA_PROXY_* and NOTIFY_SOCKET are not
// inherited (they would configure the proxy under test behind the test's back); pass them in `env`
// instead. The
// child is killed (SIGKILL) if this object is destroyed while it still runs, and also if the test
// process itself dies.
class Process {
  public:
    static Process spawn(const std::string& binary, const std::vector<std::string>& args,
                         const SpawnOptions& options);

    Process(Process&& other) noexcept;
    Process& operator=(Process&& other) noexcept;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    ~Process();

    [[nodiscard]] pid_t pid() const { return pid_; }
    void signal(int signo) const;
    // The exit code (128 + signal number when killed by a signal), or nullopt if the process is
    // still running after `timeout`.
    std::optional<int> wait_exit(Millis timeout);
    bool running();
    void kill();

  private:
    explicit Process(pid_t pid) : pid_(pid) {}
    bool reap(int options);

    pid_t pid_ = -1;
    std::optional<int> exit_code_;
};

}  // namespace it
