#pragma once

#include "support/process.hpp"

#include <string>

namespace it {

// Certificates made with the openssl command line in a temporary directory.
struct TestCerts {
    TempDir dir;
    std::string ca_cert;  // the test CA
    std::string ca_key;
    std::string server_cert;  // signed by the CA, for DNS:localhost and IP:127.0.0.1
    std::string server_key;
    std::string wrong_name_cert;  // signed by the CA, but only for DNS:wrong-name.example
    std::string wrong_name_key;
    std::string self_signed_cert;  // for localhost and 127.0.0.1, not issued by the CA
    std::string self_signed_key;
};

// Throws with openssl's output if a step fails.
void make_test_certs(TestCerts& certs);

}  // namespace it
