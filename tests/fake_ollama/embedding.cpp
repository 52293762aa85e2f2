#include "embedding.hpp"

#include "generation.hpp"
#include "hashing.hpp"
#include "model_catalog.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

namespace fake_ollama {
namespace {

// Raw components in [-1, 1), seeded by the input text.
std::vector<double> raw_vector(std::string_view input, std::size_t length) {
    std::uint64_t state = fnv1a(input);
    std::vector<double> values(length);
    for (double& v : values) {
        v = static_cast<double>(splitmix(state) >> 11) * 0x1.0p-53 * 2.0 - 1.0;
    }
    return values;
}

template <class Number>
void append_number(std::string& out, Number value) {
    std::array<char, 64> buf{};
    const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
    out.append(buf.data(), ec == std::errc{} ? end : buf.data());
}

template <class Number>
void append_array(std::string& out, const std::vector<Number>& values) {
    out.push_back('[');
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i != 0) out.push_back(',');
        append_number(out, values[i]);
    }
    out.push_back(']');
}

// ---- embed --------------------------------------------------------------------------------

struct embed_inputs {
    std::vector<std::string> texts;
    std::optional<reply> error;
};

embed_inputs read_inputs(const ojson& req) {
    embed_inputs out;
    const auto it = req.find("input");
    if (it == req.end() || it->is_null()) return out;
    if (it->is_string()) {
        if (!it->get_ref<const std::string&>().empty()) out.texts.push_back(it->get<std::string>());
        return out;
    }
    if (it->is_array()) {
        for (const ojson& item : *it) {
            if (!item.is_string()) {
                out.error = error_reply(400, "invalid input type");
                return out;
            }
            out.texts.push_back(item.get<std::string>());
        }
        return out;
    }
    out.error = error_reply(400, "invalid input type");
    return out;
}

reply embed_not_found(const std::string& model) {
    return error_reply(404, "model " + go_quote(model) + " not found, try pulling it first");
}

}  // namespace

std::vector<float> embedding_for(std::string_view input, std::size_t length) {
    const std::vector<double> raw = raw_vector(input, length);
    double norm = 0;
    for (double v : raw)
        norm += v * v;
    norm = std::sqrt(norm);
    std::vector<float> out(length);
    for (std::size_t i = 0; i < length; ++i) {
        out[i] = static_cast<float>(norm > 0 ? raw[i] / norm : 0.0);
    }
    return out;
}

reply handle_embed(std::string_view body) {
    auto decoded = decode_body(body, "api.EmbedRequest");
    if (decoded.error) return *decoded.error;
    const ojson& req = decoded.doc;
    if (auto err = check_fields(req, "EmbedRequest",
                                {{"model", json_kind::string, "string"},
                                 {"truncate", json_kind::boolean, "bool"},
                                 {"dimensions", json_kind::integer, "int"},
                                 {"options", json_kind::object, "map[string]interface {}"}})) {
        return *err;
    }
    const embed_inputs inputs = read_inputs(req);
    if (inputs.error) return *inputs.error;
    const std::string model = string_field(req, "model");
    const model_entry* entry = find_model(model);
    if (entry == nullptr) return embed_not_found(model);

    std::string out = "{\"model\":" + dump(ojson(model)) + ",\"embeddings\":[";
    if (inputs.texts.empty()) return raw_json_reply(out + "]}");

    unsigned words = 0;
    for (const auto& text : inputs.texts)
        words += count_words(text);
    if (!bool_field(req, "truncate", true) && words > entry->context_length) {
        return error_reply(400, "the input length exceeds the context length");
    }
    std::size_t length = entry->embedding_length;
    const auto dims = req.find("dimensions");
    if (dims != req.end() && dims->is_number()) {
        const double wanted = dims->get<double>();
        if (wanted > 0 && wanted < static_cast<double>(length)) {
            length = static_cast<std::size_t>(wanted);
        }
    }
    out.reserve(out.size() + inputs.texts.size() * length * 14 + 128);
    for (std::size_t i = 0; i < inputs.texts.size(); ++i) {
        if (i != 0) out.push_back(',');
        append_array(out, embedding_for(inputs.texts[i], length));
    }
    out += "],\"total_duration\":";
    append_number(out, kLoadDuration + kPromptEvalDuration + kOverheadDuration);
    out += ",\"load_duration\":";
    append_number(out, kLoadDuration);
    out += ",\"prompt_eval_count\":";
    append_number(out, words);
    out.push_back('}');
    return raw_json_reply(std::move(out));
}

reply handle_embeddings(std::string_view body) {
    auto decoded = decode_body(body, "api.EmbeddingRequest");
    if (decoded.error) return *decoded.error;
    const ojson& req = decoded.doc;
    if (auto err = check_fields(req, "EmbeddingRequest",
                                {{"model", json_kind::string, "string"},
                                 {"prompt", json_kind::string, "string"},
                                 {"options", json_kind::object, "map[string]interface {}"}})) {
        return *err;
    }
    const std::string model = string_field(req, "model");
    if (model.empty()) return error_reply(400, "model is required");
    const model_entry* entry = find_model(model);
    if (entry == nullptr) return embed_not_found(model);

    const std::string prompt = string_field(req, "prompt");
    std::string out = "{\"embedding\":";
    // The legacy route returns the raw, unnormalised vector.
    append_array(
        out, prompt.empty() ? std::vector<double>{} : raw_vector(prompt, entry->embedding_length));
    out.push_back('}');
    return raw_json_reply(std::move(out));
}

}  // namespace fake_ollama
