#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace fake_ollama {

// One installed model. The catalogue is fixed for the life of the process so that every test
// sees the same answers, whatever other tests did before (copy/delete/create do not mutate it).
struct model_entry {
    std::string_view name;  // shortest display form, e.g. "llama3.2:latest"
    std::string_view family;
    std::span<const std::string_view> families;
    std::string_view parameter_size;
    std::string_view quantization_level;
    std::uint64_t size = 0;
    std::string_view digest;       // 64 lowercase hex digits, no "sha256:" prefix
    std::string_view modified_at;  // RFC 3339 with nanoseconds
    std::span<const std::string_view> capabilities;
    unsigned context_length = 0;
    unsigned embedding_length = 0;

    [[nodiscard]] bool has(std::string_view capability) const;
};

// Models ordered most recently modified first, the order /api/tags uses.
std::span<const model_entry> catalogue();

// A parsed `[host/][namespace/]model[:tag]` name with Ollama's defaults filled in.
struct model_name {
    std::string host;
    std::string name_space;
    std::string model;
    std::string tag;

    [[nodiscard]] bool valid() const;
    // registry.ollama.ai/library/llama3.2:latest
    [[nodiscard]] std::string full() const;
    // llama3.2:latest (drops the default host and namespace)
    [[nodiscard]] std::string shortest() const;
};

model_name parse_model_name(std::string_view raw);

// Finds a model by any spelling Ollama accepts ("llama3.2", "library/llama3.2:latest", ...).
const model_entry* find_model(std::string_view raw);

}  // namespace fake_ollama
