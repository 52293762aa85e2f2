#pragma once

#include <cstddef>
#include <string>

namespace fake_ollama {

struct server_options {
    std::string host = "127.0.0.1";
    unsigned short port = 0;  // 0: an ephemeral port, reported on stdout and in port_file
    std::string port_file;
    unsigned interval_ms = 20;  // pause between NDJSON lines of a stream
    unsigned threads = 1;
    std::string tls_cert;  // PEM; with tls_key, serve HTTPS only
    std::string tls_key;
    bool log_requests = false;
    std::size_t log_limit = 10000;  // entries kept by the request log
};

// Serves until SIGINT or SIGTERM. Returns the process exit code.
int run_server(const server_options& options);

}  // namespace fake_ollama
