#include "support/proc_stats.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace it {
namespace {

std::uint64_t status_field_kb(pid_t pid, const std::string& field) {
    const std::string path = "/proc/" + std::to_string(pid) + "/status";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with(field + ":")) {
            std::istringstream value(line.substr(field.size() + 1));
            std::uint64_t kb = 0;
            value >> kb;
            return kb;
        }
    }
    throw std::runtime_error(field + " missing from " + path);
}

}  // namespace

std::uint64_t rss_kb(pid_t pid) {
    return status_field_kb(pid, "VmRSS");
}

std::uint64_t peak_rss_kb(pid_t pid) {
    return status_field_kb(pid, "VmHWM");
}

}  // namespace it
