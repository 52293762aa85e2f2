#include "ollama_proxy/openai/images.hpp"

#include "ollama_proxy/openai/encoding.hpp"
#include "ollama_proxy/openai/request_fields.hpp"
#include "openai/native_reply.hpp"

#include <charconv>

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr int kMaxImages = 10;
// Ollama refused larger images natively; a bound here also keeps the numbers sane.
constexpr int kMaxSide = 4096;

ApiError unsupported(const std::string& message, const std::string& param) {
    return invalid_request(message, param, "unsupported_value");
}

std::optional<int> side(std::string_view text) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > kMaxSide)
        return std::nullopt;
    return value;
}

// "auto" leaves the size to the model; "WxH" becomes native width and height.
void map_size(const Fields& request, json& native) {
    const auto size = request.string("size");
    if (!size || *size == "auto") return;
    const auto x = size->find('x');
    const auto width =
        x == std::string::npos ? std::nullopt : side(std::string_view(*size).substr(0, x));
    const auto height =
        x == std::string::npos ? std::nullopt : side(std::string_view(*size).substr(x + 1));
    if (!width || !height) {
        throw invalid_request("Invalid value for 'size': '" + *size +
                                  "'. Use \"auto\" or WIDTHxHEIGHT, each side from 1 to " +
                                  std::to_string(kMaxSide) + ", e.g. \"1024x1024\".",
                              "size", "invalid_value");
    }
    native["width"] = *width;
    native["height"] = *height;
}

// What the proxy cannot do is refused rather than quietly done differently.
void refuse_unsupported(const Fields& request) {
    const auto format = request.string("response_format");
    if (format == "url") {
        throw unsupported(
            "response_format 'url' is not supported by this server: it hosts no files. Use "
            "'b64_json'.",
            "response_format");
    }
    if (format && *format != "b64_json") {
        throw invalid_request("Invalid value for 'response_format': '" + *format +
                                  "'. Supported values are: 'url', 'b64_json'.",
                              "response_format", "invalid_value");
    }
    if (const auto output = request.string("output_format"); output && *output != "png") {
        throw unsupported("output_format '" + *output +
                              "' is not supported by this server: images come as the model "
                              "makes them. Use 'png' or leave it out.",
                          "output_format");
    }
    if (request.string("background") == "transparent") {
        throw unsupported(
            "background 'transparent' is not supported by this server: the model decides "
            "the background.",
            "background");
    }
    if (request.boolean("stream").value_or(false)) {
        throw unsupported("Streaming image generation is not supported by this server.", "stream");
    }
}

ApiError bad_reply(const std::string& why) {
    return error_with_status(502, "remote Ollama sent an invalid image reply: " + why);
}

}  // namespace

ImageRequest translate_image_request(const json& body, const ModelDefaultsTable& defaults) {
    const Fields request(body, "");
    ImageRequest out;
    out.model = request.required_string("model");
    const std::string prompt = request.required_string("prompt");
    const int images = static_cast<int>(request.integer("n", 1, kMaxImages).value_or(1));
    refuse_unsupported(request);
    json native = {{"model", out.model}, {"prompt", prompt}, {"stream", false}};
    map_size(request, native);
    if (auto steps = request.integer("steps", 1, 1000)) native["steps"] = *steps;
    map_native_extras(request, native);
    apply_model_defaults(native, defaults);
    const auto seed = request.integer("seed", INT64_MIN, INT64_MAX - kMaxImages);
    for (int i = 0; i < images; ++i) {
        // One seed for every image would make n copies of one picture.
        if (seed) native["options"]["seed"] = *seed + i;
        out.natives.push_back(native);
    }
    return out;
}

std::string image_list(const std::vector<json>& replies, const ImageRequest& request,
                       std::int64_t created) {
    ordered_json data = ordered_json::array();
    for (const json& reply : replies) {
        const auto image = reply.find("image");
        if (image == reply.end() || !image->is_string() ||
            image->get_ref<const std::string&>().empty()) {
            const auto text = reply.find("response");
            if (text != reply.end() && text->is_string() &&
                !text->get_ref<const std::string&>().empty()) {
                throw invalid_request("The model '" + request.model +
                                          "' answered with text, not an image: it cannot "
                                          "generate images.",
                                      "model", "model_not_supported");
            }
            throw bad_reply("no image");
        }
        if (!is_base64(image->get_ref<const std::string&>()))
            throw bad_reply("the image is not base64");
        ordered_json item;
        item["b64_json"] = *image;
        data.push_back(std::move(item));
    }
    ordered_json out;
    out["created"] = created;
    out["data"] = std::move(data);
    return dump(out);
}

}  // namespace ollama_proxy::openai
