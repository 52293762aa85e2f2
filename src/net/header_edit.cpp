#include "net/header_edit.hpp"

#include "ollama_proxy/header_rules.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace ollama_proxy {
namespace http = boost::beast::http;

void strip_hop_by_hop(http::fields& fields) {
    std::vector<std::string> listed;
    const auto [first, last] = fields.equal_range(http::field::connection);
    for (auto field = first; field != last; ++field) {
        auto tokens = connection_tokens(field->value());
        listed.insert(listed.end(), tokens.begin(), tokens.end());
    }
    std::erase_if(listed,
                  [](const std::string& t) { return t == "content-length" || t == "host"; });
    const auto named = [&](std::string_view name) {
        return std::any_of(listed.begin(), listed.end(),
                           [&](const std::string& t) { return iequals(t, name); });
    };
    for (auto it = fields.begin(); it != fields.end();) {
        const std::string_view name = it->name_string();
        if (is_hop_by_hop(name) || named(name)) {
            it = fields.erase(it);
        } else {
            ++it;
        }
    }
}

}  // namespace ollama_proxy
