// The operator's status page served at /_proxy/: one self-contained HTML document (inline CSS and
// script, no external assets) compiled in from src/ops/status_page.html.
#pragma once

#include <string_view>

namespace ollama_proxy {

std::string_view status_page_html();

}  // namespace ollama_proxy
