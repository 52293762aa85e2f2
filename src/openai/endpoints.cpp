#include "ollama_proxy/openai/endpoints.hpp"

#include "ollama_proxy/openai/audio.hpp"
#include "ollama_proxy/openai/chat_completions.hpp"
#include "ollama_proxy/openai/completions.hpp"
#include "ollama_proxy/openai/embeddings.hpp"
#include "ollama_proxy/openai/images.hpp"
#include "ollama_proxy/openai/models.hpp"
#include "ollama_proxy/openai/moderations.hpp"
#include "ollama_proxy/openai/request_fields.hpp"
#include "ollama_proxy/openai/responses.hpp"
#include "openai/native_reply.hpp"

namespace ollama_proxy::openai {
namespace {

using nlohmann::json;

std::string text(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json native_reply(const std::string& body) {
    json parsed = parse_native_reply(body);
    if (!parsed.is_object()) {
        throw error_with_status(502, "remote Ollama sent a reply that is not a JSON object");
    }
    return parsed;
}

std::vector<json> native_replies(const std::vector<std::string>& bodies) {
    std::vector<json> replies;
    replies.reserve(bodies.size());
    for (const auto& body : bodies)
        replies.push_back(native_reply(body));
    return replies;
}

Plan chat_plan(std::string_view body, PlanContext& context) {
    ChatRequest request = translate_chat_request(parse_request_body(body), context.defaults);
    Plan plan;
    plan.model = request.model;
    Envelope envelope{context.ids.make("chatcmpl-"), context.now, request.model};
    const std::string native = text(request.native);
    for (int i = 0; i < request.choices; ++i)
        plan.calls.push_back({"POST", "/api/chat", native});
    if (request.stream) {
        plan.stream = make_chat_stream(std::move(envelope), request.include_usage, context.ids);
    } else {
        plan.assemble = [envelope = std::move(envelope),
                         &ids = context.ids](const std::vector<std::string>& bodies) {
            return chat_completion(native_replies(bodies), envelope, ids);
        };
    }
    return plan;
}

Plan completion_plan(std::string_view body, PlanContext& context) {
    CompletionRequest request =
        translate_completion_request(parse_request_body(body), context.defaults);
    Plan plan;
    plan.model = request.model;
    Envelope envelope{context.ids.make("cmpl-"), context.now, request.model};
    for (const json& native : request.natives)
        plan.calls.push_back({"POST", "/api/generate", text(native)});
    if (request.stream) {
        plan.stream = make_completion_stream(std::move(envelope), request.include_usage,
                                             std::move(request.echoes), request.per_prompt);
    } else {
        plan.assemble = [envelope = std::move(envelope), echoes = std::move(request.echoes),
                         per_prompt = request.per_prompt](const std::vector<std::string>& bodies) {
            return text_completion(native_replies(bodies), echoes, envelope, per_prompt);
        };
    }
    return plan;
}

Plan responses_plan(std::string_view body, PlanContext& context) {
    ResponsesRequest request =
        translate_responses_request(parse_request_body(body), context.defaults, context.responses);
    Plan plan;
    plan.model = request.model;
    plan.calls.push_back({"POST", "/api/chat", text(request.native)});
    const bool stream = request.stream;
    Envelope envelope{context.ids.make("resp_"), context.now, request.model};
    ResponseContext response =
        response_context(std::move(request), std::move(envelope), context.responses, context.clock);
    if (stream) {
        plan.stream = make_responses_stream(std::move(response), context.ids);
    } else {
        plan.assemble = [response = std::move(response),
                         &ids = context.ids](const std::vector<std::string>& bodies) {
            return response_object(native_reply(bodies.front()), response, ids);
        };
    }
    return plan;
}

Plan embedding_plan(std::string_view body, PlanContext& context) {
    EmbeddingRequest request =
        translate_embedding_request(parse_request_body(body), context.defaults);
    Plan plan;
    plan.model = request.model;
    plan.calls.push_back({"POST", "/api/embed", text(request.native)});
    plan.assemble = [request = std::move(request)](const std::vector<std::string>& bodies) {
        return embedding_list(native_reply(bodies.front()), request);
    };
    return plan;
}

Plan image_plan(std::string_view body, PlanContext& context) {
    ImageRequest request = translate_image_request(parse_request_body(body), context.defaults);
    Plan plan;
    plan.model = request.model;
    for (const json& native : request.natives)
        plan.calls.push_back({"POST", "/api/generate", text(native)});
    request.natives.clear();
    plan.assemble = [request = std::move(request),
                     created = context.now](const std::vector<std::string>& bodies) {
        return image_list(native_replies(bodies), request, created);
    };
    return plan;
}

Plan moderation_plan(std::string_view body, PlanContext& context) {
    ModerationRequest request = translate_moderation_request(
        parse_request_body(body), context.moderation_model, context.defaults);
    Plan plan;
    plan.model = request.model;
    for (const json& native : request.natives)
        plan.calls.push_back({"POST", "/api/chat", text(native)});
    request.natives.clear();
    plan.assemble = [request = std::move(request),
                     id = context.ids.make("modr-")](const std::vector<std::string>& bodies) {
        return moderation_result(native_replies(bodies), request, id);
    };
    return plan;
}

Plan audio_plan(AudioTask task, std::string_view body, PlanContext& context) {
    FormData parsed;
    if (context.form == nullptr) {
        if (!is_form_data(context.content_type)) {
            throw invalid_request(
                "Audio requests must be sent as multipart/form-data, with the audio as 'file' or "
                "a transcript as 'text'.");
        }
        parsed = parse_form(context.content_type, body);
    }
    const FormData& form = context.form != nullptr ? *context.form : parsed;
    AudioRequest request =
        translate_audio_request(task, form, context.translation_model, context.defaults);
    Plan plan;
    plan.model = request.model;
    plan.content_type = transcript_content_type(request.format);
    if (request.native) {
        plan.calls.push_back({"POST", "/api/chat", text(*request.native)});
        request.native.reset();
    }
    plan.assemble = [request = std::move(request)](const std::vector<std::string>& bodies) {
        if (bodies.empty()) return transcript_body(request, request.transcript);
        return transcript_body(request, reply_transcript(native_reply(bodies.front())));
    };
    return plan;
}

Plan transcription_plan(std::string_view body, PlanContext& context) {
    return audio_plan(AudioTask::transcription, body, context);
}

Plan translation_plan(std::string_view body, PlanContext& context) {
    return audio_plan(AudioTask::translation, body, context);
}

Plan list_plan() {
    Plan plan;
    plan.calls.push_back({"GET", "/api/tags", {}});
    plan.assemble = [](const std::vector<std::string>& bodies) {
        return model_list(native_reply(bodies.front()));
    };
    return plan;
}

Plan retrieve_plan(std::string_view tail) {
    std::string id = model_id_from_path(tail);
    Plan plan;
    plan.model = id;
    // `name` is what Ollama's own OpenAI layer and older servers send; `model` what the API
    // documents. Servers read either.
    plan.calls.push_back({"POST", "/api/show", text(json{{"model", id}, {"name", id}})});
    plan.assemble = [id = std::move(id)](const std::vector<std::string>& bodies) {
        return model_object(id, native_reply(bodies.front()));
    };
    return plan;
}

[[noreturn]] void wrong_method(std::string_view method, std::string_view path,
                               std::string_view allowed) {
    throw error_with_status(405,
                            "Method " + std::string(method) + " is not allowed for " +
                                std::string(path) + "; use " + std::string(allowed) + ".",
                            "invalid_request_error");
}

}  // namespace

bool takes_body(std::string_view method) {
    return method == "POST";
}

Plan plan_request(std::string_view method, std::string_view path, std::string_view body,
                  PlanContext& context) {
    const std::string full = std::string(context.base_path) + std::string(path);
    struct Route {
        std::string_view path;
        std::string_view method;
        Plan (*make)(std::string_view, PlanContext&);
    };
    static constexpr Route routes[] = {
        {"/chat/completions", "POST", chat_plan},
        {"/completions", "POST", completion_plan},
        {"/embeddings", "POST", embedding_plan},
        {"/images/generations", "POST", image_plan},
        {"/moderations", "POST", moderation_plan},
        {"/audio/transcriptions", "POST", transcription_plan},
        {"/audio/translations", "POST", translation_plan},
        {"/responses", "POST", responses_plan},
    };
    for (const Route& route : routes) {
        if (path != route.path) continue;
        if (method != route.method) wrong_method(method, full, route.method);
        return route.make(body, context);
    }
    if (path == "/models") {
        if (method != "GET") wrong_method(method, full, "GET");
        return list_plan();
    }
    constexpr std::string_view models_prefix = "/models/";
    if (path.substr(0, models_prefix.size()) == models_prefix) {
        if (method != "GET") wrong_method(method, full, "GET");
        return retrieve_plan(path.substr(models_prefix.size()));
    }
    throw error_with_status(404, "Invalid URL (" + std::string(method) + " " + full + ")",
                            "invalid_request_error");
}

}  // namespace ollama_proxy::openai
