#include "routes.hpp"

#include "embedding.hpp"
#include "generation.hpp"
#include "hashing.hpp"
#include "model_catalog.hpp"
#include "recorder.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace fake_ollama {
namespace {

constexpr std::string_view kVersion = "0.33.0-fake";
constexpr std::string_view kBlobsPrefix = "/api/blobs/";
constexpr std::string_view kUserKeysPrefix = "/api/user/keys/";

struct route_entry {
    std::string_view path;
    route_id id;
    std::string_view methods;  // space-separated
};

const std::array<route_entry, 22> kRoutes{{
    {"/", route_id::root, "GET HEAD"},
    {"/api/version", route_id::version, "GET HEAD"},
    {"/api/status", route_id::status, "GET"},
    {"/api/tags", route_id::tags, "GET HEAD"},
    {"/api/ps", route_id::ps, "GET"},
    {"/api/show", route_id::show, "POST"},
    {"/api/create", route_id::create, "POST"},
    {"/api/copy", route_id::copy, "POST"},
    {"/api/delete", route_id::remove, "DELETE"},
    {"/api/pull", route_id::pull, "POST"},
    {"/api/push", route_id::push, "POST"},
    {"/api/me", route_id::me, "POST"},
    {"/api/signout", route_id::signout, "POST"},
    {"/api/generate", route_id::generate, "POST"},
    {"/api/chat", route_id::chat, "POST"},
    {"/api/embed", route_id::embed, "POST"},
    {"/api/embeddings", route_id::embeddings, "POST"},
    {"/_fake/requests", route_id::fake_requests, "GET DELETE"},
    {"/_fake/fault", route_id::fake_fault, "POST DELETE"},
    {"/_fake/stats", route_id::fake_stats, "GET"},
    {"", route_id::blob, "HEAD POST"},
    {"", route_id::user_keys, "DELETE"},
}};

const route_entry& entry_for(route_id id) {
    return *std::find_if(kRoutes.begin(), kRoutes.end(),
                         [id](const route_entry& e) { return e.id == id; });
}

route_match with_method(route_match match, std::string_view method) {
    std::string_view methods = entry_for(match.id).methods;
    while (!methods.empty()) {
        const auto space = methods.find(' ');
        if (methods.substr(0, space) == method) return match;
        methods = space == std::string_view::npos ? std::string_view{} : methods.substr(space + 1);
    }
    match.id = route_id::method_not_allowed;
    return match;
}

// ---- model views --------------------------------------------------------------------------

ojson details_json(const model_entry& m) {
    return ojson{
        {"parent_model", ""},
        {"format", "gguf"},
        {"family", m.family},
        {"families", ojson(std::vector<std::string_view>(m.families.begin(), m.families.end()))},
        {"parameter_size", m.parameter_size},
        {"quantization_level", m.quantization_level}};
}

ojson capabilities_json(const model_entry& m) {
    return ojson(std::vector<std::string_view>(m.capabilities.begin(), m.capabilities.end()));
}

ojson tag_json(const model_entry& m) {
    return ojson{{"name", m.name},
                 {"model", m.name},
                 {"modified_at", m.modified_at},
                 {"size", m.size},
                 {"digest", m.digest},
                 {"details", details_json(m)},
                 {"capabilities", capabilities_json(m)}};
}

// Built once: /api/tags is the most common benchmark target besides chat.
const std::string& tags_body() {
    static const std::string body = [] {
        ojson models = ojson::array();
        for (const model_entry& m : catalogue())
            models.push_back(tag_json(m));
        return dump(ojson{{"models", std::move(models)}});
    }();
    return body;
}

const std::string& ps_body() {
    static const std::string body = [] {
        const model_entry& m = catalogue().front();
        ojson entry{{"name", m.name},
                    {"model", m.name},
                    {"size", m.size},
                    {"digest", m.digest},
                    {"details", details_json(m)},
                    {"expires_at", "2026-01-01T00:05:00Z"},
                    {"size_vram", m.size},
                    {"context_length", 4096}};
        return dump(ojson{{"models", ojson::array({std::move(entry)})}});
    }();
    return body;
}

std::uint64_t parameter_count(std::string_view size) {
    if (size.empty()) return 0;
    const double scale = size.back() == 'B' ? 1e9 : size.back() == 'M' ? 1e6 : 1.0;
    return static_cast<std::uint64_t>(
        std::llround(std::strtod(std::string(size).c_str(), nullptr) * scale));
}

std::string base_name(std::string_view name) {
    return std::string(name.substr(0, name.find(':')));
}

ojson model_info_json(const model_entry& m, std::string_view basename, bool verbose) {
    const std::string family(m.family);
    // Without verbose, Ollama empties arrays longer than five elements.
    ojson tokens = verbose ? ojson::array({"<unk>", "<s>", "</s>", "a", "b", "c"}) : ojson::array();
    return ojson{{"general.architecture", m.family},
                 {"general.basename", basename},
                 {"general.parameter_count", parameter_count(m.parameter_size)},
                 {"general.quantization_version", 2},
                 {family + ".context_length", m.context_length},
                 {family + ".embedding_length", m.embedding_length},
                 {"tokenizer.ggml.model", "gpt2"},
                 {"tokenizer.ggml.tokens", std::move(tokens)}};
}

// ---- handlers -----------------------------------------------------------------------------

reply show(const request_view& req) {
    auto decoded = decode_body(req.body, "api.ShowRequest");
    if (decoded.error) return *decoded.error;
    if (auto err = check_fields(decoded.doc, "ShowRequest",
                                {{"model", json_kind::string, "string"},
                                 {"name", json_kind::string, "string"},
                                 {"verbose", json_kind::boolean, "bool"}})) {
        return *err;
    }
    std::string name = string_field(decoded.doc, "model");
    if (name.empty()) name = string_field(decoded.doc, "name");
    if (name.empty()) return error_reply(400, "model is required");
    const model_entry* m = find_model(name);
    if (m == nullptr) {
        return error_reply(404, "model '" + parse_model_name(name).shortest() + "' not found");
    }
    // GitHub Copilot gets the name it asked for, as Ollama special-cases it.
    const std::string basename =
        req.user_agent.starts_with("GitHubCopilotChat/") ? name : base_name(m->name);
    return json_reply(ojson{
        {"license", "Fake license for tests."},
        {"modelfile",
         "# Modelfile generated by \"ollama show\"\nFROM " + std::string(m->name) + "\n"},
        {"parameters", "stop                           \"<|end|>\""},
        {"template", "{{ .Prompt }}"},
        {"details", details_json(*m)},
        {"model_info", model_info_json(*m, basename, bool_field(decoded.doc, "verbose", false))},
        {"capabilities", capabilities_json(*m)},
        {"modified_at", m->modified_at},
    });
}

std::string raw_name(const ojson& doc) {
    std::string name = string_field(doc, "model");
    return name.empty() ? string_field(doc, "name") : name;
}

reply copy(const request_view& req) {
    auto decoded = decode_body(req.body, "api.CopyRequest");
    if (decoded.error) return *decoded.error;
    if (auto err = check_fields(decoded.doc, "CopyRequest",
                                {{"source", json_kind::string, "string"},
                                 {"destination", json_kind::string, "string"}})) {
        return *err;
    }
    const std::string source = string_field(decoded.doc, "source");
    const std::string destination = string_field(decoded.doc, "destination");
    if (!parse_model_name(source).valid()) {
        return error_reply(400, "source \"" + source + "\" is invalid");
    }
    if (!parse_model_name(destination).valid()) {
        return error_reply(400, "destination \"" + destination + "\" is invalid");
    }
    // The catalogue stays fixed; a copy only succeeds or fails.
    if (find_model(source) == nullptr)
        return error_reply(404, "model \"" + source + "\" not found");
    return empty_reply(200);
}

reply remove(const request_view& req) {
    auto decoded = decode_body(req.body, "api.DeleteRequest");
    if (decoded.error) return *decoded.error;
    if (auto err = check_fields(
            decoded.doc, "DeleteRequest",
            {{"model", json_kind::string, "string"}, {"name", json_kind::string, "string"}})) {
        return *err;
    }
    const std::string name = raw_name(decoded.doc);
    if (!parse_model_name(name).valid())
        return error_reply(400, "name \"" + name + "\" is invalid");
    if (find_model(name) == nullptr) return error_reply(404, "model '" + name + "' not found");
    return empty_reply(200);
}

// Streams `lines`, or with stream:false answers with the last one alone: the final status, or
// the error with `error_status`, as Ollama's non-streaming pull/push/create do.
reply progress_reply(const ojson& req, const std::vector<ojson>& lines, unsigned error_status) {
    if (bool_field(req, "stream", true)) {
        std::vector<std::string> out;
        out.reserve(lines.size());
        for (const ojson& line : lines)
            out.push_back(dump_line(line));
        return stream_reply(std::move(out));
    }
    const ojson& last = lines.back();
    if (last.contains("error")) return json_reply(last, error_status);
    return json_reply(last, 200, mime::json);
}

ojson status_line(std::string_view status) {
    return ojson{{"status", status}};
}

ojson layer_line(std::string_view verb, const std::string& digest, std::uint64_t total,
                 std::optional<std::uint64_t> completed) {
    ojson line{{"status", std::string(verb) + " " + digest.substr(0, 12)},
               {"digest", "sha256:" + digest},
               {"total", total}};
    if (completed) line["completed"] = *completed;
    return line;
}

// The weights layer plus a small params layer, with stable digests.
std::vector<std::pair<std::string, std::uint64_t>> layers_of(const model_entry& m) {
    return {{std::string(m.digest), m.size}, {fake_digest(m.name), 485}};
}

std::optional<reply> check_progress_fields(const ojson& doc, std::string_view go_struct) {
    return check_fields(doc, go_struct,
                        {{"model", json_kind::string, "string"},
                         {"name", json_kind::string, "string"},
                         {"insecure", json_kind::boolean, "bool"},
                         {"stream", json_kind::boolean, "*bool"}});
}

reply pull(const request_view& req) {
    auto decoded = decode_body(req.body, "api.PullRequest");
    if (decoded.error) return *decoded.error;
    if (auto err = check_progress_fields(decoded.doc, "PullRequest")) return *err;
    const std::string name = raw_name(decoded.doc);
    if (!parse_model_name(name).valid()) return error_reply(400, "invalid model name");

    std::vector<ojson> lines{status_line("pulling manifest")};
    const model_entry* m = find_model(name);
    if (m == nullptr) {
        lines.push_back(ojson{{"error", "pull model manifest: file does not exist"}});
        return progress_reply(decoded.doc, lines, 500);
    }
    for (const auto& [digest, total] : layers_of(*m)) {
        lines.push_back(layer_line("pulling", digest, total, std::nullopt));
        lines.push_back(layer_line("pulling", digest, total, total / 2));
        lines.push_back(layer_line("pulling", digest, total, total));
    }
    lines.push_back(status_line("verifying sha256 digest"));
    lines.push_back(status_line("writing manifest"));
    lines.push_back(status_line("success"));
    return progress_reply(decoded.doc, lines, 500);
}

reply push(const request_view& req) {
    auto decoded = decode_body(req.body, "api.PushRequest");
    if (decoded.error) return *decoded.error;
    if (auto err = check_progress_fields(decoded.doc, "PushRequest")) return *err;
    const std::string name = raw_name(decoded.doc);
    if (name.empty()) return error_reply(400, "model is required");
    if (!parse_model_name(name).valid()) return error_reply(400, "invalid model name");

    std::vector<ojson> lines{status_line("retrieving manifest")};
    const model_entry* m = find_model(name);
    if (m == nullptr) {
        lines.push_back(ojson{{"error", "model \"" + name + "\" not found"}});
        return progress_reply(decoded.doc, lines, 404);
    }
    for (const auto& [digest, total] : layers_of(*m)) {
        lines.push_back(layer_line("pushing", digest, total, 0));
        lines.push_back(layer_line("pushing", digest, total, total));
    }
    lines.push_back(status_line("pushing manifest"));
    lines.push_back(status_line("success"));
    return progress_reply(decoded.doc, lines, 500);
}

bool relative_path(std::string_view path) {
    if (path.empty() || path.front() == '/') return false;
    return path != ".." && !path.starts_with("../") && path.find("/../") == std::string_view::npos;
}

std::optional<reply> check_create_files(const ojson& files) {
    for (const auto& [path, digest] : files.items()) {
        if (!relative_path(path)) return error_reply(400, "file path must be relative");
        if (!digest.is_string() || digest.get_ref<const std::string&>().empty()) {
            return error_reply(400, "invalid digest format");
        }
    }
    return std::nullopt;
}

std::vector<ojson> create_lines(const ojson& doc) {
    std::vector<ojson> lines;
    const std::string from = string_field(doc, "from");
    const auto files = doc.find("files");
    const bool has_files = files != doc.end() && files->is_object() && !files->empty();
    if (from.empty() && !has_files) {
        lines.push_back(ojson{{"error", "neither 'from' or 'files' was specified"}});
        return lines;
    }
    if (has_files) {
        lines.push_back(status_line("parsing GGUF"));
        for (const auto& [path, digest] : files->items()) {
            lines.push_back(status_line("using existing layer " + digest.get<std::string>()));
        }
    } else if (!parse_model_name(from).valid()) {
        lines.push_back(ojson{{"error", "invalid model name"}});
        return lines;
    } else if (const model_entry* base = find_model(from); base != nullptr) {
        lines.push_back(status_line("using existing layer sha256:" + std::string(base->digest)));
    } else {
        lines.push_back(ojson{{"error", "pull model manifest: file does not exist"}});
        return lines;
    }
    const std::string quantize = string_field(doc, "quantize");
    if (!quantize.empty()) {
        std::string level = quantize;
        std::transform(level.begin(), level.end(), level.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        lines.push_back(status_line("quantizing F16 model to " + level));
    }
    for (const char* key : {"template", "system", "license", "parameters", "messages"}) {
        if (doc.contains(key) && !doc[key].is_null()) {
            lines.push_back(
                status_line("creating new layer sha256:" + fake_digest(dump(doc[key]))));
        }
    }
    lines.push_back(status_line("writing manifest"));
    lines.push_back(status_line("success"));
    return lines;
}

reply create(const request_view& req) {
    auto decoded = decode_body(req.body, "api.CreateRequest");
    if (decoded.error) return *decoded.error;
    if (auto err = check_fields(decoded.doc, "CreateRequest",
                                {{"model", json_kind::string, "string"},
                                 {"name", json_kind::string, "string"},
                                 {"from", json_kind::string, "string"},
                                 {"files", json_kind::object, "map[string]string"},
                                 {"quantize", json_kind::string, "string"},
                                 {"stream", json_kind::boolean, "*bool"}})) {
        return *err;
    }
    if (!parse_model_name(raw_name(decoded.doc)).valid()) {
        return error_reply(400, "invalid model name");
    }
    if (const auto files = decoded.doc.find("files");
        files != decoded.doc.end() && files->is_object()) {
        if (auto err = check_create_files(*files)) return *err;
    }
    return progress_reply(decoded.doc, create_lines(decoded.doc), 400);
}

reply me() {
    return json_reply(ojson{{"id", "6f1c2a3b-0000-4000-8000-00000000fa4e"},
                            {"email", "fake.user@example.com"},
                            {"name", "fake-user"},
                            {"plan", "free"}});
}

bool valid_digest(std::string_view digest) {
    constexpr std::string_view kAlgo = "sha256";
    if (digest.size() != kAlgo.size() + 1 + 64 || !digest.starts_with(kAlgo)) return false;
    if (digest[kAlgo.size()] != ':' && digest[kAlgo.size()] != '-') return false;
    const auto hex = digest.substr(kAlgo.size() + 1);
    return std::all_of(hex.begin(), hex.end(),
                       [](unsigned char c) { return std::isxdigit(c) != 0; });
}

// Blobs are stored under the "sha256:" spelling; either separator finds them, as Ollama maps
// both to the same file.
std::string stored_digest(std::string_view digest) {
    return "sha256:" + std::string(digest.substr(7));
}

reply blob_head(std::string_view digest, const blob_store& blobs) {
    if (!valid_digest(digest)) return error_reply(400, "invalid digest format");
    if (blobs.contains(stored_digest(digest))) return empty_reply(200);
    return error_reply(404, "blob \"" + stored_digest(digest) + "\" not found");
}

}  // namespace

route_match match_route(std::string_view method, std::string_view path) {
    route_match match;
    match.control = path.starts_with("/_fake/");
    if (path.starts_with(kBlobsPrefix) || path.starts_with(kUserKeysPrefix)) {
        const bool blob = path.starts_with(kBlobsPrefix);
        const auto param = path.substr(blob ? kBlobsPrefix.size() : kUserKeysPrefix.size());
        if (param.empty() || param.find('/') != std::string_view::npos) return match;
        match.id = blob ? route_id::blob : route_id::user_keys;
        match.param = param;
        return with_method(match, method);
    }
    for (const route_entry& entry : kRoutes) {
        if (!entry.path.empty() && entry.path == path) {
            match.id = entry.id;
            return with_method(match, method);
        }
    }
    return match;
}

bool wants_json_body(route_id id) {
    switch (id) {
        case route_id::show:
        case route_id::create:
        case route_id::copy:
        case route_id::remove:
        case route_id::pull:
        case route_id::push:
        case route_id::generate:
        case route_id::chat:
        case route_id::embed:
        case route_id::embeddings:
        case route_id::fake_fault:
            return true;
        default:
            return false;
    }
}

reply handle_route(const route_match& match, const request_view& req, blob_store& blobs) {
    switch (match.id) {
        case route_id::root:
            return text_reply(200, "Ollama is running", mime::text_utf8);
        case route_id::version:
            return json_reply(ojson{{"version", kVersion}});
        case route_id::status:
            return json_reply(ojson{{"cloud", {{"disabled", false}, {"source", "default"}}}});
        case route_id::tags:
            return raw_json_reply(tags_body());
        case route_id::ps:
            return raw_json_reply(ps_body());
        case route_id::show:
            return show(req);
        case route_id::create:
            return create(req);
        case route_id::copy:
            return copy(req);
        case route_id::remove:
            return remove(req);
        case route_id::pull:
            return pull(req);
        case route_id::push:
            return push(req);
        case route_id::me:
            return me();
        case route_id::signout:
        case route_id::user_keys:
            return raw_json_reply("null");
        case route_id::generate:
            return handle_generate(req.body);
        case route_id::chat:
            return handle_chat(req.body);
        case route_id::embed:
            return handle_embed(req.body);
        case route_id::embeddings:
            return handle_embeddings(req.body);
        case route_id::blob:
            return blob_head(match.param, blobs);
        case route_id::method_not_allowed:
            return text_reply(405, "405 method not allowed", mime::text);
        default:
            return text_reply(404, "404 page not found", mime::text);
    }
}

std::optional<reply> blob_upload_precheck(std::string_view digest, const blob_store& blobs) {
    if (!valid_digest(digest)) return error_reply(400, "invalid digest format");
    if (blobs.contains(stored_digest(digest))) return empty_reply(200);
    return std::nullopt;
}

reply blob_upload_finish(std::string_view digest, std::string_view actual_hex, blob_store& blobs) {
    const std::string actual = "sha256:" + std::string(actual_hex);
    // Ollama compares the digest as given, so the "sha256-" spelling never matches.
    if (digest != actual) {
        return error_reply(400, "digest mismatch, expected \"" + std::string(digest) +
                                    "\", got \"" + actual + "\"");
    }
    blobs.add(actual);
    return empty_reply(201);
}

}  // namespace fake_ollama
