// fake_ollama: an HTTP server that speaks Ollama's native API with deterministic answers and
// injectable faults, for the proxy's integration tests, demo and benchmarks.
#include "server.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

int main(int argc, char** argv) {
    fake_ollama::server_options options;
    CLI::App app{"Fake Ollama server for tests and benchmarks"};
    app.add_option("--host", options.host, "Address to listen on")->capture_default_str();
    app.add_option("--port", options.port, "Port; 0 picks a free one")->capture_default_str();
    app.add_option("--port-file", options.port_file,
                   "Write the bound port here (atomically) once listening");
    app.add_option("--interval-ms", options.interval_ms,
                   "Pause between NDJSON lines; header x-fake-interval-ms overrides it")
        ->capture_default_str();
    app.add_option("--threads", options.threads, "Threads running the event loop")
        ->check(CLI::Range(1U, 256U))
        ->capture_default_str();
    auto* cert = app.add_option("--tls-cert", options.tls_cert,
                                "PEM certificate chain; "
                                "serve HTTPS only")
                     ->check(CLI::ExistingFile);
    auto* key =
        app.add_option("--tls-key", options.tls_key, "PEM private key")->check(CLI::ExistingFile);
    cert->needs(key);
    key->needs(cert);
    app.add_flag("--log-requests", options.log_requests, "Print one line per request to stderr");
    app.add_option("--log-limit", options.log_limit,
                   "Requests kept for GET /_fake/requests (oldest dropped first)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        return fake_ollama::run_server(options);
    } catch (const std::exception& e) {
        std::cerr << "fake_ollama: " << e.what() << '\n';
        return 1;
    }
}
