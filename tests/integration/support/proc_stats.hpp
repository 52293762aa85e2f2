#pragma once

#include <cstdint>
#include <sys/types.h>

namespace it {

// Resident set size of a process now (VmRSS) and at its peak so far (VmHWM), in KiB, from
// /proc/PID/status. Throws if the process or the field is missing.
std::uint64_t rss_kb(pid_t pid);
std::uint64_t peak_rss_kb(pid_t pid);

}  // namespace it
