#include "model_catalog.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace fake_ollama {
namespace {

constexpr std::string_view kDefaultHost = "registry.ollama.ai";
constexpr std::string_view kDefaultNamespace = "library";
constexpr std::string_view kDefaultTag = "latest";

constexpr std::array<std::string_view, 1> kLlamaFamilies{"llama"};
constexpr std::array<std::string_view, 1> kQwenFamilies{"qwen3"};
constexpr std::array<std::string_view, 1> kNomicFamilies{"nomic-bert"};
constexpr std::array<std::string_view, 2> kLlavaFamilies{"llama", "clip"};
constexpr std::array<std::string_view, 1> kFakeFamilies{"fake"};

constexpr std::array<std::string_view, 2> kToolsCaps{"completion", "tools"};
constexpr std::array<std::string_view, 3> kThinkingCaps{"completion", "tools", "thinking"};
constexpr std::array<std::string_view, 1> kEmbeddingCaps{"embedding"};
constexpr std::array<std::string_view, 2> kVisionCaps{"completion", "vision"};
constexpr std::array<std::string_view, 1> kImageCaps{"image"};
constexpr std::array<std::string_view, 2> kAudioCaps{"completion", "audio"};
constexpr std::array<std::string_view, 1> kCompletionCaps{"completion"};

const std::array<model_entry, 7> kModels{{
    {"llama3.2:latest", "llama", kLlamaFamilies, "3.2B", "Q4_K_M", 2019393189,
     "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
     "2025-12-20T10:15:30.123456789Z", kToolsCaps, 131072, 3072},
    {"qwen3:8b", "qwen3", kQwenFamilies, "8.2B", "Q4_K_M", 5225388164,
     "500a1f067a9f782620b40bee6f7b0c89e17ae61f686b92c24933e4ca4b2b8b41",
     "2025-12-12T08:00:00.000000001Z", kThinkingCaps, 40960, 4096},
    {"nomic-embed-text:latest", "nomic-bert", kNomicFamilies, "137M", "F16", 274302450,
     "0a109f422b47e3a30ba2b10eca18548e944e8a23073ee3f3e947efcf3c45e59f", "2025-11-02T17:45:10.5Z",
     kEmbeddingCaps, 2048, 768},
    {"llava:7b", "llama", kLlavaFamilies, "7B", "Q4_0", 4733363377,
     "8dd30f6b0cb19f555f2c7a7ebda861449ea2cc76bf1f44e262931f45fc81d081", "2025-10-01T12:00:00Z",
     kVisionCaps, 32768, 4096},
    {"x/fake-image:latest", "fake", kFakeFamilies, "6B", "Q4_0", 3800000000,
     "1c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1", "2025-09-01T00:00:00Z",
     kImageCaps, 0, 0},
    {"x/fake-audio:latest", "fake", kFakeFamilies, "4B", "Q4_K_M", 3000000000,
     "2c0ffee2c0ffee2c0ffee2c0ffee2c0ffee2c0ffee2c0ffee2c0ffee2c0ffee2", "2025-08-01T00:00:00Z",
     kAudioCaps, 32768, 2048},
    {"x/fake-moderator:latest", "fake", kFakeFamilies, "1B", "Q8_0", 1600000000,
     "3c0ffee3c0ffee3c0ffee3c0ffee3c0ffee3c0ffee3c0ffee3c0ffee3c0ffee3", "2025-07-01T00:00:00Z",
     kCompletionCaps, 131072, 2048},
}};

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
}

// Ollama's part rules, simplified: letters, digits, '_', '-', '.', starting with a letter or
// digit (the host may also carry a ":port").
bool valid_part(std::string_view part, std::size_t max_len, bool allow_colon) {
    if (part.empty() || part.size() > max_len) return false;
    if (std::isalnum(static_cast<unsigned char>(part.front())) == 0) return false;
    return std::all_of(part.begin(), part.end(),
                       [&](char c) { return is_name_char(c) || (allow_colon && c == ':'); });
}

}  // namespace

bool model_entry::has(std::string_view capability) const {
    return std::find(capabilities.begin(), capabilities.end(), capability) != capabilities.end();
}

std::span<const model_entry> catalogue() {
    return kModels;
}

bool model_name::valid() const {
    return valid_part(host, 350, true) && valid_part(name_space, 80, false) &&
           valid_part(model, 80, false) && valid_part(tag, 80, false);
}

std::string model_name::full() const {
    return host + "/" + name_space + "/" + model + ":" + tag;
}

std::string model_name::shortest() const {
    std::string out;
    if (host != kDefaultHost) {
        out = host + "/" + name_space + "/";
    } else if (name_space != kDefaultNamespace) {
        out = name_space + "/";
    }
    return out + model + ":" + tag;
}

model_name parse_model_name(std::string_view raw) {
    // A "@sha256:..." suffix pins a digest; it does not change which model is meant.
    if (auto at = raw.find('@'); at != std::string_view::npos) raw = raw.substr(0, at);

    model_name name{
        std::string(kDefaultHost), std::string(kDefaultNamespace), {}, std::string(kDefaultTag)};
    // The tag is after the last ':' only if that colon follows the last '/'; an earlier colon
    // belongs to a host port.
    const auto slash = raw.rfind('/');
    const auto colon = raw.rfind(':');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
        name.tag = std::string(raw.substr(colon + 1));
        raw = raw.substr(0, colon);
    }

    std::array<std::string_view, 4> parts{};
    std::size_t count = 0;
    while (count < parts.size()) {
        const auto cut = raw.find('/');
        parts[count++] = raw.substr(0, cut);
        if (cut == std::string_view::npos) break;
        raw = raw.substr(cut + 1);
    }
    switch (count) {
        case 1:
            name.model = parts[0];
            break;
        case 2:
            name.name_space = parts[0];
            name.model = parts[1];
            break;
        case 3:
            name.host = parts[0];
            name.name_space = parts[1];
            name.model = parts[2];
            break;
        default:
            name.model.clear();  // too many segments: invalid
            break;
    }
    return name;
}

const model_entry* find_model(std::string_view raw) {
    const model_name name = parse_model_name(raw);
    if (!name.valid()) return nullptr;
    const std::string wanted = lower(name.full());
    for (const model_entry& entry : kModels) {
        if (lower(parse_model_name(entry.name).full()) == wanted) return &entry;
    }
    return nullptr;
}

}  // namespace fake_ollama
