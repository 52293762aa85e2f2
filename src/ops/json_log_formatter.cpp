#include "ops/json_log_formatter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <string_view>

namespace ollama_proxy {
namespace {

void append(spdlog::memory_buf_t& dest, std::string_view text) {
    dest.append(text.data(), text.data() + text.size());
}

// A JSON string literal; invalid UTF-8 is passed through byte for byte only where it cannot
// break the line (control bytes are escaped).
void append_quoted(spdlog::memory_buf_t& dest, std::string_view text) {
    dest.push_back('"');
    for (const char c : text) {
        switch (c) {
            case '"':
                append(dest, "\\\"");
                break;
            case '\\':
                append(dest, "\\\\");
                break;
            case '\n':
                append(dest, "\\n");
                break;
            case '\r':
                append(dest, "\\r");
                break;
            case '\t':
                append(dest, "\\t");
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    fmt::format_to(std::back_inserter(dest), "\\u{:04x}",
                                   static_cast<unsigned>(static_cast<unsigned char>(c)));
                } else {
                    dest.push_back(c);
                }
        }
    }
    dest.push_back('"');
}

bool is_number(std::string_view text) {
    if (text.empty() || text.size() > 20) return false;
    const bool digits = std::all_of(text.begin(), text.end(),
                                    [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    return digits && text.front() != '.' && text.back() != '.' &&
           std::count(text.begin(), text.end(), '.') <= 1 &&
           !(text.size() > 1 && text.front() == '0' && text[1] != '.');
}

// "access id=a status=200 ..." -> ,"event":"access","id":"a","status":200,...
void append_access_fields(spdlog::memory_buf_t& dest, std::string_view fields) {
    append(dest, R"(,"event":"access")");
    while (!fields.empty()) {
        const std::size_t space = fields.find(' ');
        const std::string_view field = fields.substr(0, space);
        const std::size_t equals = field.find('=');
        if (equals != std::string_view::npos && equals > 0) {
            const std::string_view name = field.substr(0, equals);
            const std::string_view value = field.substr(equals + 1);
            dest.push_back(',');
            append_quoted(dest, name);
            dest.push_back(':');
            if (value == "-") {
                append(dest, "null");
            } else if (is_number(value) && name != "id") {
                append(dest, value);
            } else {
                append_quoted(dest, value);
            }
        }
        if (space == std::string_view::npos) break;
        fields.remove_prefix(space + 1);
    }
}

}  // namespace

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    const auto since = msg.time.time_since_epoch();
    const std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since).count();
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    fmt::format_to(std::back_inserter(dest),
                   R"({{"time":"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z","level":")",
                   utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                   utc.tm_sec, millis);
    const auto level = spdlog::level::to_string_view(msg.level);
    append(dest, std::string_view(level.data(), level.size()));
    dest.push_back('"');
    const std::string_view text(msg.payload.data(), msg.payload.size());
    constexpr std::string_view kAccess = "access ";
    if (text.substr(0, kAccess.size()) == kAccess) {
        append_access_fields(dest, text.substr(kAccess.size()));
    } else {
        append(dest, R"(,"msg":)");
        append_quoted(dest, text);
    }
    append(dest, "}\n");
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
    return std::make_unique<JsonLogFormatter>();
}

}  // namespace ollama_proxy
