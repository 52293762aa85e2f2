#include "ollama_proxy/target_path.hpp"

#include <cctype>

namespace ollama_proxy {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
    return -1;
}

// Percent-decodes a segment. Decoding is only used to *judge* the segment; the forwarded target
// keeps the caller's bytes exactly.
std::string percent_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size()) {
            const int hi = hex_value(in[i + 1]);
            const int lo = hex_value(in[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(in[i]);
    }
    return out;
}

// Walks the decoded path and tracks its depth below the root. Encoded slashes and backslashes
// count as separators too: some servers split on them after decoding, and a proxy must judge the
// path the way the most permissive server behind it might.
bool climbs_above_root(std::string_view path) {
    const std::string decoded = percent_decode(path);
    int depth = 0;
    std::size_t start = 0;
    while (start <= decoded.size()) {
        std::size_t end = decoded.find_first_of("/\\", start);
        if (end == std::string::npos) end = decoded.size();
        const std::string_view segment{decoded.data() + start, end - start};
        if (segment == "..") {
            if (--depth < 0) return true;
        } else if (!segment.empty() && segment != ".") {
            ++depth;
        }
        start = end + 1;
    }
    return false;
}

// Absolute-form ("http://host/path?q") is turned into origin-form; the authority is dropped
// because the remote is fixed by configuration, never chosen by the caller.
std::string strip_absolute_form(std::string_view target) {
    for (const std::string_view scheme : {"http://", "https://"}) {
        if (target.size() >= scheme.size()) {
            bool same = true;
            for (std::size_t i = 0; i < scheme.size() && same; ++i)
                same = std::tolower(static_cast<unsigned char>(target[i])) == scheme[i];
            if (!same) continue;
            const auto rest = target.substr(scheme.size());
            const auto slash = rest.find_first_of("/?");
            if (slash == std::string_view::npos) return "/";
            if (rest[slash] == '?') return "/" + std::string(rest.substr(slash));
            return std::string(rest.substr(slash));
        }
    }
    return std::string(target);
}

}  // namespace

std::string_view target_path(std::string_view target) {
    const auto query = target.find_first_of("?#");
    return query == std::string_view::npos ? target : target.substr(0, query);
}

bool path_is_under(std::string_view path, std::string_view prefix) {
    if (path.substr(0, prefix.size()) != prefix) return false;
    return path.size() == prefix.size() || path[prefix.size()] == '/' || prefix.back() == '/';
}

TargetVerdict upstream_target(std::string_view base_path, std::string_view request_target) {
    const std::string target = strip_absolute_form(request_target);
    if (target.empty()) return {"", "empty request target"};
    if (target.front() != '/') return {"", "request target must be an absolute path"};
    if (target.find('#') != std::string_view::npos)
        return {"", "request target must not contain a fragment"};
    if (climbs_above_root(target_path(target)))
        return {"", "request path climbs above the root with '..' segments"};

    std::string joined;
    if (base_path.empty() || base_path == "/") {
        joined.assign(target);
    } else {
        joined.reserve(base_path.size() + target.size());
        joined.append(base_path);
        if (joined.back() == '/') joined.pop_back();
        joined.append(target);
    }
    return {std::move(joined), ""};
}

}  // namespace ollama_proxy
