#include "control.hpp"

#include "state.hpp"

namespace fake_ollama {
namespace {

reply arm_fault(std::string_view body, fake_state& state) {
    auto decoded = decode_body(body, "fault request");
    if (decoded.error) return *decoded.error;
    const ojson& doc = decoded.doc;
    const auto fault = doc.find("fault");
    if (fault == doc.end() || !fault->is_string()) {
        return error_reply(400, "\"fault\" must be a string such as \"die-after=2\"");
    }
    unsigned count = 1;
    if (const auto it = doc.find("count"); it != doc.end() && !it->is_null()) {
        if (!it->is_number_unsigned() || it->get<std::uint64_t>() == 0 ||
            it->get<std::uint64_t>() > 1'000'000'000) {
            return error_reply(400, "\"count\" must be a positive integer");
        }
        count = it->get<unsigned>();
    }
    const fault_parse_result parsed = parse_faults(fault->get<std::string>());
    if (!parsed.error.empty()) return error_reply(400, parsed.error);
    state.faults.arm(parsed.spec, count);
    return raw_json_reply("{}");
}

}  // namespace

reply handle_control(const route_match& match, std::string_view method, std::string_view body,
                     fake_state& state) {
    switch (match.id) {
        case route_id::fake_requests:
            if (method == "DELETE") {
                state.log.clear();
                state.stats.reset();
                return raw_json_reply("{}");
            }
            return raw_json_reply(state.log.to_json());
        case route_id::fake_fault:
            if (method == "DELETE") {
                state.faults.clear();
                return raw_json_reply("{}");
            }
            return arm_fault(body, state);
        case route_id::fake_stats:
            return raw_json_reply(state.stats.to_json());
        case route_id::method_not_allowed:
            return text_reply(405, "405 method not allowed", mime::text);
        default:
            return text_reply(404, "404 page not found", mime::text);
    }
}

}  // namespace fake_ollama
