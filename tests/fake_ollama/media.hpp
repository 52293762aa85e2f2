#pragma once

#include "model_catalog.hpp"
#include "replies.hpp"

#include <optional>
#include <string>

namespace fake_ollama {

// The models that stand for what Ollama can do beyond text: x/fake-image generates images the
// way Ollama's image-generation models did (v0.14.3 to v0.32.5), x/fake-audio hears audio sent
// in `images`, and x/fake-moderator answers a `format` schema with a classification.

// POST /api/generate on an image model: progress lines, then the base64 `image` of the text
// "fake-image WxH seed S: PROMPT" (W, H and S as sent, or "auto"/"none").
reply image_generate(const model_entry& entry, const ojson& request);

// A text model asked for an image (width or height set) answers 400, as a model that cannot
// generate images does.
std::optional<reply> refuse_image_fields(const model_entry& entry, const ojson& request);

// POST /api/chat whose last user message carries audio: "Heard N bytes of audio." for the N
// bytes of its first (base64) entry; 400 for entries that are not base64.
std::optional<reply> audio_chat(const model_entry& entry, const ojson& request);

// POST /api/chat with `format` on the moderator: {"categories", "category_scores"} where a
// category is flagged (score 0.9, else 0.01) when the last user message contains its name;
// a message containing "unparseable" gets prose instead of JSON.
std::optional<reply> moderation_chat(const model_entry& entry, const ojson& request);

}  // namespace fake_ollama
