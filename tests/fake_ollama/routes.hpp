#pragma once

#include "replies.hpp"

#include <optional>
#include <string_view>

namespace fake_ollama {

class blob_store;

enum class route_id {
    root,
    version,
    status,
    tags,
    ps,
    show,
    create,
    blob,
    copy,
    remove,
    pull,
    push,
    me,
    signout,
    user_keys,
    generate,
    chat,
    embed,
    embeddings,
    fake_requests,
    fake_fault,
    fake_stats,
    not_found,
    method_not_allowed,
};

struct route_match {
    route_id id = route_id::not_found;
    std::string_view param;  // the :digest of /api/blobs/:digest
    bool control = false;    // under /_fake/: never recorded, never faulted
};

// Matches like Ollama's gin router: an unknown path is 404, a known path with a method it was
// not registered for is 405. HEAD is only registered where Ollama registers it.
route_match match_route(std::string_view method, std::string_view path);

// Routes whose handler parses a JSON body; their bodies are buffered (with a cap). Every other
// body is only hashed and counted, so uploads of any size use bounded memory.
bool wants_json_body(route_id id);

struct request_view {
    std::string_view method;
    std::string_view user_agent;
    std::string_view body;
};

// Every /api route and /, except the body phase of a blob upload.
reply handle_route(const route_match& match, const request_view& request, blob_store& blobs);

// POST /api/blobs/:digest: checks that decide before the body is read (bad digest, blob
// already present), then the verdict once the streamed body has been hashed.
std::optional<reply> blob_upload_precheck(std::string_view digest, const blob_store& blobs);
reply blob_upload_finish(std::string_view digest, std::string_view actual_hex, blob_store& blobs);

}  // namespace fake_ollama
