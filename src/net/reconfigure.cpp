#include "net/reconfigure.hpp"

#include "net/worker.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace ollama_proxy {
namespace {

// The sections a running daemon cannot take over without a restart.
std::vector<std::string> restart_only_changes(const Config& running, const Config& loaded) {
    const auto before = nlohmann::json::parse(redacted_json(running));
    const auto after = nlohmann::json::parse(redacted_json(loaded));
    std::vector<std::string> changed;
    for (const auto& [section, value] : after.items()) {
        if (section == "auth" || section == "cors" || section == "remote") continue;
        if (!before.contains(section) || before[section] != value) changed.push_back(section);
    }
    return changed;
}

// A new target for `remote`, or why none can be made (an unreadable CA file, say).
std::variant<TargetPtr, std::string> make_target(const RemoteConfig& remote) {
    try {
        return std::make_shared<const UpstreamTarget>(make_upstream_target(remote));
    } catch (const std::exception& e) {
        return "cannot set up TLS for " + remote_display(remote) + ": " + e.what();
    }
}

// After a write-back: what a reload or restart would now pick, when that is not the new remote.
std::string overridden_by(const ProxyState& state, const RemoteConfig& wanted) {
    if (!state.config_source) return {};
    auto loaded = state.config_source();
    if (auto* error = std::get_if<ConfigError>(&loaded))
        return "the configuration no longer loads: " + error->message;
    const RemoteConfig& next = std::get<Config>(loaded).remote;
    if (next == wanted) return {};
    return "the command line or the environment also names the remote and wins over the config "
           "file: a reload or restart would go back to " +
           remote_display(next);
}

}  // namespace

ReloadReport reload_configuration(ProxyState& state) {
    ReloadReport report;
    if (!state.config_source) {
        report.error = "this daemon has no configuration source to reload";
        spdlog::warn("reload requested, but {}", *report.error);
        return report;
    }
    std::lock_guard lock(state.reconfiguring);
    auto loaded = state.config_source();
    if (auto* error = std::get_if<ConfigError>(&loaded)) {
        report.error = error->message;
        spdlog::error("reload failed, keeping the running configuration: {}", *report.error);
        return report;
    }
    const Config& config = std::get<Config>(loaded);
    TargetPtr target = state.remote();
    if (!(config.remote == target->remote)) {
        auto made = make_target(config.remote);
        if (auto* problem = std::get_if<std::string>(&made)) {
            report.error = *problem;
            spdlog::error("reload failed, keeping the running configuration: {}", *problem);
            return report;
        }
        spdlog::info("reload: remote switched from {} to {}", target->display,
                     std::get<TargetPtr>(made)->display);
        target = std::move(std::get<TargetPtr>(made));
    }
    auto previous = state.access_policy();
    state.access.store(std::make_shared<const auth::AccessPolicy>(config, previous.get()),
                       std::memory_order_release);
    const bool switched = target != state.remote();
    state.upstream.store(std::move(target), std::memory_order_release);
    if (switched && state.remote_switched) state.remote_switched();
    spdlog::info("reloaded: auth {}, {} key(s), {} extra origin(s)",
                 config.auth.enabled ? "enabled" : "disabled",
                 config.auth.tokens.size() + config.auth.file_tokens.size(),
                 config.cors.origins.size());
    report.restart_required = restart_only_changes(state.config, config);
    if (!report.restart_required.empty())
        spdlog::warn("reload: changes to {} take effect only after a restart",
                     fmt::join(report.restart_required, ", "));
    return report;
}

SwitchReport switch_remote(ProxyState& state, const RemoteSwitchRequest& request,
                           const std::string& who) {
    SwitchReport report;
    Config candidate = state.config;
    candidate.remote = request.remote;
    candidate.server.port = state.listening_port;  // so that a loop to this very proxy is seen
    if (auto problem = validate(candidate)) {
        report.error = problem->message;
        return report;
    }
    auto made = make_target(request.remote);
    if (auto* problem = std::get_if<std::string>(&made)) {
        report.error = *problem;
        return report;
    }
    std::lock_guard lock(state.reconfiguring);
    const TargetPtr next = std::get<TargetPtr>(made);
    const TargetPtr before = state.upstream.exchange(next, std::memory_order_acq_rel);
    spdlog::info("remote switched from {} to {} (asked by {})", before->display, next->display,
                 who);
    if (state.remote_switched) state.remote_switched();
    if (state.config.config_file.empty()) {
        report.warning =
            "no config file is in use (--config), so the switch lasts until the "
            "daemon restarts or reloads";
        return report;
    }
    if (auto problem = save_remote(state.config.config_file, request)) {
        report.warning = "the switch lasts until the daemon restarts or reloads: " + *problem;
        spdlog::warn("remote switch not saved: {}", *problem);
        return report;
    }
    report.persisted = true;
    report.warning = overridden_by(state, request.remote);
    spdlog::info("remote saved to {}", state.config.config_file);
    if (!report.warning.empty()) spdlog::warn("remote switch: {}", report.warning);
    return report;
}

}  // namespace ollama_proxy
