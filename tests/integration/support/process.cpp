#include "support/process.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace it {

bool sanitized() {
    const char* value = std::getenv("OLLAMA_PROXY_TEST_SANITIZED");
    return value != nullptr && std::string(value) == "1";
}

Millis scaled(Millis budget) {
    return sanitized() ? budget * 4 : budget;
}

bool wait_until(const std::function<bool()>& condition, Millis timeout, Millis step) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        if (condition()) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(step);
    }
}

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ollama-proxy-it-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

namespace {

bool inherited(std::string_view entry, const EnvVars& overrides) {
    const std::string_view name = entry.substr(0, entry.find('='));
    if (name.starts_with("OLLAMA_PROXY_") && name != "OLLAMA_PROXY_TEST_SANITIZED") return false;
    // A suite run under a service manager must not have every proxy it starts report to it.
    if (name == "NOTIFY_SOCKET") return false;
    for (const auto& [key, value] : overrides) {
        if (key == name) return false;
    }
    return true;
}

std::vector<std::string> child_environment(const EnvVars& overrides) {
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        if (inherited(*entry, overrides)) env.emplace_back(*entry);
    }
    for (const auto& [key, value] : overrides)
        env.push_back(key + "=" + value);
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(const char* binary, char** argv, char** envp, const char* log_path,
                             const char* stdout_path, pid_t parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    const int null_fd = open("/dev/null", O_RDONLY);
    const int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int out_fd =
        stdout_path[0] != '\0' ? open(stdout_path, O_WRONLY | O_CREAT | O_APPEND, 0644) : log_fd;
    if (null_fd < 0 || log_fd < 0 || out_fd < 0) _exit(125);
    dup2(null_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(binary, argv, envp);
    _exit(127);
}

}  // namespace

Process Process::spawn(const std::string& binary, const std::vector<std::string>& args,
                       const SpawnOptions& options) {
    std::vector<std::string> argv_strings{binary};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<std::string> env_strings = child_environment(options.env);
    std::vector<char*> argv = pointers(argv_strings);
    std::vector<char*> envp = pointers(env_strings);

    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
    if (pid == 0) {
        exec_child(binary.c_str(), argv.data(), envp.data(), options.log_path.c_str(),
                   options.stdout_path.c_str(), parent);
    }
    return Process(pid);
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), exit_code_(other.exit_code_) {}

Process& Process::operator=(Process&& other) noexcept {
    if (this != &other) {
        kill();
        pid_ = std::exchange(other.pid_, -1);
        exit_code_ = other.exit_code_;
    }
    return *this;
}

Process::~Process() {
    kill();
}

void Process::signal(int signo) const {
    if (pid_ > 0 && !exit_code_) ::kill(pid_, signo);
}

bool Process::reap(int options) {
    if (pid_ <= 0 || exit_code_) return true;
    int status = 0;
    const pid_t done = waitpid(pid_, &status, options);
    if (done != pid_) return false;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
}

std::optional<int> Process::wait_exit(Millis timeout) {
    wait_until([this] { return reap(WNOHANG); }, timeout, 5ms);
    return exit_code_;
}

bool Process::running() {
    return pid_ > 0 && !reap(WNOHANG);
}

void Process::kill() {
    if (pid_ <= 0 || exit_code_) return;
    ::kill(pid_, SIGKILL);
    reap(0);
}

}  // namespace it
