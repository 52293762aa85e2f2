#include "media.hpp"

#include "generation.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

namespace fake_ollama {
namespace {

constexpr std::string_view kModerator = "x/fake-moderator:latest";
constexpr std::array<std::string_view, 13> kCategories{"harassment",
                                                       "harassment/threatening",
                                                       "hate",
                                                       "hate/threatening",
                                                       "illicit",
                                                       "illicit/violent",
                                                       "self-harm",
                                                       "self-harm/intent",
                                                       "self-harm/instructions",
                                                       "sexual",
                                                       "sexual/minors",
                                                       "violence",
                                                       "violence/graphic"};

std::string base64(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// Go's base64 decoder refuses what is not padded standard base64; so does this one.
std::optional<std::string> unbase64(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) return std::nullopt;
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0) return std::nullopt;
    const auto padding = static_cast<std::size_t>(std::count(text.end() - 2, text.end(), '='));
    out.resize(static_cast<std::size_t>(n) - padding);
    return out;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    });
    return text;
}

const ojson* last_user_message(const ojson& request) {
    const auto messages = request.find("messages");
    if (messages == request.end() || !messages->is_array()) return nullptr;
    for (auto it = messages->rbegin(); it != messages->rend(); ++it) {
        if (it->is_object() && string_field(*it, "role") == "user") return &*it;
    }
    return nullptr;
}

std::string field_text(const ojson& request, std::string_view key) {
    const auto it = request.find(key);
    if (it == request.end() || it->is_null()) return key == "seed" ? "none" : "auto";
    return it->dump();
}

// One answer, whole or as a stream of one content line and the final line.
reply answer(const std::string& model, const std::string& content, bool stream) {
    ojson message{{"role", "assistant"}, {"content", content}};
    ojson done{{"model", model}, {"created_at", created_at(stream ? 1 : 0)}};
    done["message"] = stream ? ojson{{"role", "assistant"}, {"content", ""}} : message;
    done["done"] = true;
    done["done_reason"] = "stop";
    done["eval_count"] = count_words(content);
    if (!stream) return json_reply(done);
    ojson first{
        {"model", model}, {"created_at", created_at(0)}, {"message", message}, {"done", false}};
    return stream_reply({dump_line(first), dump_line(done)});
}

}  // namespace

reply image_generate(const model_entry& entry, const ojson& request) {
    const ojson options = request.value("options", ojson::object());
    const std::string picture =
        "fake-image " + field_text(request, "width") + "x" + field_text(request, "height") +
        " seed " + field_text(options, "seed") + ": " + string_field(request, "prompt");
    ojson done{{"model", entry.name}, {"created_at", created_at(2)}, {"response", ""},
               {"done", true},        {"done_reason", "stop"},       {"image", base64(picture)}};
    if (!bool_field(request, "stream", true)) return json_reply(done);
    std::vector<std::string> lines;
    for (int step = 1; step <= 2; ++step) {
        lines.push_back(dump_line(ojson{{"model", entry.name},
                                        {"created_at", created_at(step - 1)},
                                        {"completed", step},
                                        {"total", 2},
                                        {"done", false}}));
    }
    lines.push_back(dump_line(done));
    return stream_reply(std::move(lines));
}

std::optional<reply> refuse_image_fields(const model_entry& entry, const ojson& request) {
    if (entry.has("image") || (!request.contains("width") && !request.contains("height")))
        return std::nullopt;
    return error_reply(400, go_quote(entry.name) + " does not support image generation");
}

std::optional<reply> audio_chat(const model_entry& entry, const ojson& request) {
    const ojson* message = last_user_message(request);
    if (!entry.has("audio") || message == nullptr || !message->contains("images"))
        return std::nullopt;
    const ojson& images = (*message)["images"];
    if (!images.is_array() || images.empty() || !images[0].is_string()) return std::nullopt;
    const auto audio = unbase64(images[0].get<std::string>());
    if (!audio) return error_reply(400, "illegal base64 data at input byte 0");
    return answer(std::string(entry.name),
                  "Heard " + std::to_string(audio->size()) + " bytes of audio.",
                  bool_field(request, "stream", true));
}

std::optional<reply> moderation_chat(const model_entry& entry, const ojson& request) {
    const ojson* message = last_user_message(request);
    if (entry.name != kModerator || message == nullptr || !request.contains("format"))
        return std::nullopt;
    const std::string text = lower(string_field(*message, "content"));
    std::string content = "I cannot classify this.";
    if (text.find("unparseable") == std::string::npos) {
        ojson categories = ojson::object(), scores = ojson::object();
        for (const std::string_view key : kCategories) {
            const bool flagged = text.find(key) != std::string::npos;
            categories[std::string(key)] = flagged;
            scores[std::string(key)] = flagged ? 0.9 : 0.01;
        }
        content = dump(ojson{{"categories", categories}, {"category_scores", scores}});
    }
    return answer(std::string(entry.name), content, bool_field(request, "stream", true));
}

}  // namespace fake_ollama
