#include "ollama_proxy/remote_switch.hpp"

#include "config/settings.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ollama_proxy {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// The members of the remote section a switch rewrites; TLS options stay as the operator wrote.
constexpr std::string_view kSwitched[] = {"protocol", "host", "port", "basePath"};

ParseResult<RemoteSwitchRequest> refused(std::string message) {
    return {std::nullopt, std::move(message)};
}

std::optional<std::string> read_api_key(const json& body, RemoteSwitchRequest& request) {
    const auto it = body.find("apiKey");
    if (it == body.end()) return std::nullopt;
    if (it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty())) {
        request.key_change = ApiKeyChange::clear;
        request.remote.api_key.clear();
        return std::nullopt;
    }
    if (!it->is_string()) return "apiKey: expected a string or null";
    request.key_change = ApiKeyChange::set;
    request.remote.api_key = it->get<std::string>();
    return std::nullopt;
}

}  // namespace

ParseResult<RemoteSwitchRequest> parse_remote_switch(std::string_view body,
                                                     const RemoteConfig& current) {
    const json parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        return refused(R"(expected a JSON object like {"url": "http://host:11434"})");
    for (const auto& [name, value] : parsed.items()) {
        if (name != "url" && name != "apiKey")
            return refused("unknown member \"" + name + "\" (known: url, apiKey)");
    }
    const auto url = parsed.find("url");
    if (url == parsed.end() || !url->is_string() || url->get_ref<const std::string&>().empty())
        return refused("url: the remote's address is required, e.g. http://gpu-box:11434");
    const auto host = parse_remote_host(url->get_ref<const std::string&>());
    if (!host.ok()) return refused("url: " + host.error);

    RemoteSwitchRequest request;
    request.remote = current;
    request.remote.protocol = host.value->protocol.value_or("http");
    request.remote.host = host.value->host;
    request.remote.port = host.value->port.value_or(
        host.value->protocol ? default_port(*host.value->protocol) : std::uint16_t{11434});
    request.remote.base_path = host.value->base_path.value_or("/");
    if (auto problem = read_api_key(parsed, request)) return refused(*problem);
    return {std::move(request), {}};
}

ParseResult<std::string> config_with_remote(std::string_view file_text,
                                            const RemoteSwitchRequest& request) {
    ordered_json doc = ordered_json::parse(file_text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return {std::nullopt, "the config file is no longer a JSON object"};
    // A file may spell a setting flat ("remote.host") or nested; the nested form is written, so
    // flat spellings of what changes must go or they would contradict it.
    for (const std::string_view name : kSwitched)
        doc.erase("remote." + std::string(name));
    if (request.key_change != ApiKeyChange::keep) doc.erase("remote.apiKey");
    ordered_json& remote = doc["remote"];
    if (!remote.is_object()) {
        if (!remote.is_null())
            return {std::nullopt, "remote: the config file's remote is not an object"};
        remote = ordered_json::object();
    }
    const RemoteConfig& next = request.remote;
    remote["protocol"] = next.protocol;
    remote["host"] = next.host;
    remote["port"] = next.port;
    remote["basePath"] = next.base_path;
    if (request.key_change == ApiKeyChange::set) remote["apiKey"] = next.api_key;
    if (request.key_change == ApiKeyChange::clear) remote.erase("apiKey");
    return {doc.dump(2) + "\n", {}};
}

std::optional<std::string> save_remote(const std::string& path,
                                       const RemoteSwitchRequest& request) {
    std::string text;
    if (const int error = settings::read_file(path, text); error != 0)
        return "cannot read " + path + ": " + std::strerror(error);
    auto rewritten = config_with_remote(text, request);
    if (!rewritten.ok()) return path + ": " + rewritten.error;
    return write_file_atomically(path, *rewritten.value);
}

std::optional<std::string> write_file_atomically(const std::string& path,
                                                 std::string_view content) {
    // Through a symlink (a config kept under version control elsewhere, say) the target is
    // replaced; renaming over the link would turn it into a plain file.
    char resolved[PATH_MAX];
    const std::string target = ::realpath(path.c_str(), resolved) != nullptr ? resolved : path;
    struct stat before {};
    const bool existed = ::stat(target.c_str(), &before) == 0;

    std::string temporary = target + ".XXXXXX";
    const int fd = ::mkstemp(temporary.data());
    if (fd < 0) return "cannot create a file beside " + target + ": " + std::strerror(errno);
    auto fail = [&](const char* step) {
        const std::string reason =
            std::string(step) + " " + temporary + ": " + std::strerror(errno);
        ::close(fd);
        ::unlink(temporary.c_str());
        return reason;
    };
    // The config may hold keys: the new file is never more readable than the old one was.
    if (::fchmod(fd, existed ? (before.st_mode & 07777) : 0600) != 0) return fail("cannot chmod");
    if (existed && ::geteuid() == 0) (void)::fchown(fd, before.st_uid, before.st_gid);
    for (std::size_t written = 0; written < content.size();) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail("cannot write");
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) return fail("cannot sync");
    if (::close(fd) != 0) {
        ::unlink(temporary.c_str());
        return "cannot close " + temporary + ": " + std::strerror(errno);
    }
    if (::rename(temporary.c_str(), target.c_str()) != 0) {
        const std::string reason = "cannot replace " + target + ": " + std::strerror(errno);
        ::unlink(temporary.c_str());
        return reason;
    }
    // The rename itself is durable only once the directory is synced.
    const std::string dir = target.substr(0, std::max<std::size_t>(target.rfind('/'), 1));
    const int dir_fd = ::open(target.find('/') == std::string::npos ? "." : dir.c_str(),
                              O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        (void)::fsync(dir_fd);
        ::close(dir_fd);
    }
    return std::nullopt;
}

}  // namespace ollama_proxy
