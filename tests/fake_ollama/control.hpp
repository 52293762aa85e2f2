#pragma once

#include "replies.hpp"
#include "routes.hpp"

#include <string_view>

namespace fake_ollama {

struct fake_state;

// The /_fake/ endpoints that tests use to inspect and steer the fake.
reply handle_control(const route_match& match, std::string_view method, std::string_view body,
                     fake_state& state);

}  // namespace fake_ollama
