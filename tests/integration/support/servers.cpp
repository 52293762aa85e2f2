#include "support/servers.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace it {
namespace {

std::optional<std::uint16_t> parse_port(const std::string& text) {
    std::size_t end = 0;
    try {
        const unsigned long value = std::stoul(text, &end);
        if (value == 0 || value > 65535) return std::nullopt;
        return static_cast<std::uint16_t>(value);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string tail(const std::string& text, std::size_t bytes = 4000) {
    return text.size() <= bytes ? text : text.substr(text.size() - bytes);
}

}  // namespace

std::uint16_t unused_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find an unused port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

std::vector<std::string> non_empty_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

bool serves_tags(std::uint16_t port) {
    try {
        return fetch(port, make_request("GET", "/api/tags"), scaled(10s)).status() == 200;
    } catch (const std::exception&) {
        return false;
    }
}

std::string chat_body(int words) {
    std::string content;
    for (int i = 0; i < words; ++i)
        content += (i == 0 ? "" : " ") + std::string("word");
    return R"({"model":"llama3.2:latest","messages":[{"role":"user","content":")" + content +
           R"("}]})";
}

// ---- FakeOllama ---------------------------------------------------------------------------

FakeOllama::FakeOllama(std::unique_ptr<TempDir> dir, Process process, std::string log_path,
                       std::uint16_t port)
    : dir_(std::move(dir)),
      process_(std::move(process)),
      log_path_(std::move(log_path)),
      port_(port) {}

std::unique_ptr<FakeOllama> FakeOllama::start(const std::vector<std::string>& args) {
    auto dir = std::make_unique<TempDir>();
    const std::string port_file = dir->file("port");
    const std::string log_path = dir->file("fake_ollama.log");
    std::vector<std::string> argv{"--host", "127.0.0.1", "--port", "0", "--port-file", port_file};
    argv.insert(argv.end(), args.begin(), args.end());
    Process process = Process::spawn(FAKE_OLLAMA_BIN, argv, {log_path, {}, {}});

    std::optional<std::uint16_t> port;
    const bool up = wait_until(
        [&] {
            port = parse_port(read_file(port_file));
            return port.has_value() || !process.running();
        },
        scaled(20s));
    if (!up || !port) {
        throw std::runtime_error("fake_ollama did not start; log:\n" + tail(read_file(log_path)));
    }
    // The port file is written once the socket listens; make sure of it all the same.
    Connection::open(*port, scaled(10s));
    return std::unique_ptr<FakeOllama>(
        new FakeOllama(std::move(dir), std::move(process), log_path, *port));
}

std::string FakeOllama::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

nlohmann::json FakeOllama::requests() const {
    const Response r = fetch(port_, make_request("GET", "/_fake/requests"), scaled(10s));
    if (r.status() != 200) throw std::runtime_error("GET /_fake/requests: " + r.body);
    return r.json();
}

std::optional<nlohmann::json> FakeOllama::last_request(const std::string& target) const {
    const nlohmann::json all = requests();
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
        if ((*it).value("target", "") == target) return *it;
    }
    return std::nullopt;
}

void FakeOllama::clear() const {
    const Response r = fetch(port_, make_request("DELETE", "/_fake/requests"), scaled(10s));
    if (r.status() != 200) throw std::runtime_error("DELETE /_fake/requests: " + r.body);
}

nlohmann::json FakeOllama::stats() const {
    const Response r = fetch(port_, make_request("GET", "/_fake/stats"), scaled(10s));
    if (r.status() != 200) throw std::runtime_error("GET /_fake/stats: " + r.body);
    return r.json();
}

void FakeOllama::stop() {
    process_.signal(SIGTERM);
    if (!process_.wait_exit(scaled(5s))) process_.kill();
}

// ---- Proxy --------------------------------------------------------------------------------

Proxy::Proxy(std::unique_ptr<TempDir> dir, Process process, std::string log_path,
             std::uint16_t port)
    : dir_(std::move(dir)),
      process_(std::move(process)),
      log_path_(std::move(log_path)),
      port_(port) {}

std::unique_ptr<Proxy> Proxy::start(const std::vector<std::string>& args, const EnvVars& env) {
    auto dir = std::make_unique<TempDir>();
    const std::string log_path = dir->file("ollama-proxy.log");
    std::vector<std::string> argv{"--port", "0"};
    argv.insert(argv.end(), args.begin(), args.end());
    Process process = Process::spawn(OLLAMA_PROXY_BIN, argv, {log_path, {}, env});

    static const std::regex listening(R"(listening on http://[^ ]*:(\d+))");
    std::optional<std::uint16_t> port;
    const bool up = wait_until(
        [&] {
            std::smatch match;
            const std::string log = read_file(log_path);
            if (std::regex_search(log, match, listening)) port = parse_port(match[1].str());
            return port.has_value() || !process.running();
        },
        scaled(20s));
    if (!up || !port) {
        throw std::runtime_error("ollama-proxy did not start; log:\n" + tail(read_file(log_path)));
    }
    return std::unique_ptr<Proxy>(new Proxy(std::move(dir), std::move(process), log_path, *port));
}

std::unique_ptr<Proxy> Proxy::start_for(const FakeOllama& fake,
                                        const std::vector<std::string>& extra_args) {
    std::vector<std::string> args{"--remote-host", fake.address()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return start(args);
}

std::optional<int> Proxy::stop(Millis timeout) {
    process_.signal(SIGTERM);
    return process_.wait_exit(timeout);
}

RunResult run_proxy(const std::vector<std::string>& args, const EnvVars& env, Millis timeout) {
    TempDir dir;
    const std::string err_path = dir.file("stderr");
    const std::string out_path = dir.file("stdout");
    Process process = Process::spawn(OLLAMA_PROXY_BIN, args, {err_path, out_path, env});
    RunResult result;
    result.exit_code = process.wait_exit(timeout);
    process.kill();
    result.out = read_file(out_path);
    result.err = read_file(err_path);
    return result;
}

}  // namespace it
