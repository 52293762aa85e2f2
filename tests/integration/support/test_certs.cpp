#include "support/test_certs.hpp"

#include <cstdlib>
#include <stdexcept>

namespace it {
namespace {

constexpr const char* kKeyOptions = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

void openssl(const TestCerts& certs, const std::string& arguments) {
    const std::string log = certs.dir.file("openssl.log");
    const std::string command = "openssl " + arguments + " >>'" + log + "' 2>&1";
    if (std::system(command.c_str()) != 0) {
        throw std::runtime_error("openssl failed: " + command + "\n" + read_file(log));
    }
}

// A key and certificate signed by the test CA for the given subjectAltName.
void issue(TestCerts& certs, const std::string& name, const std::string& common_name,
           const std::string& alt_names, std::string& cert, std::string& key) {
    key = certs.dir.file(name + ".key");
    cert = certs.dir.file(name + ".pem");
    const std::string csr = certs.dir.file(name + ".csr");
    const std::string ext = certs.dir.file(name + ".ext");
    write_file(ext, "subjectAltName=" + alt_names +
                        "\nbasicConstraints=CA:FALSE\n"
                        "keyUsage=critical,digitalSignature,keyEncipherment\n"
                        "extendedKeyUsage=serverAuth\n");
    openssl(certs, std::string("req ") + kKeyOptions + " -keyout '" + key + "' -out '" + csr +
                       "' -subj '/CN=" + common_name + "'");
    openssl(certs, "x509 -req -in '" + csr + "' -CA '" + certs.ca_cert + "' -CAkey '" +
                       certs.ca_key + "' -CAcreateserial -days 2 -sha256 -extfile '" + ext +
                       "' -out '" + cert + "'");
}

}  // namespace

void make_test_certs(TestCerts& certs) {
    certs.ca_key = certs.dir.file("ca.key");
    certs.ca_cert = certs.dir.file("ca.pem");
    openssl(certs, std::string("req -x509 ") + kKeyOptions + " -keyout '" + certs.ca_key +
                       "' -out '" + certs.ca_cert +
                       "' -days 2 -sha256 -subj '/CN=ollama-proxy test CA'"
                       " -addext 'basicConstraints=critical,CA:TRUE'"
                       " -addext 'keyUsage=critical,keyCertSign,cRLSign'");
    issue(certs, "server", "localhost", "DNS:localhost,IP:127.0.0.1", certs.server_cert,
          certs.server_key);
    issue(certs, "wrong-name", "wrong-name.example", "DNS:wrong-name.example",
          certs.wrong_name_cert, certs.wrong_name_key);

    certs.self_signed_key = certs.dir.file("self-signed.key");
    certs.self_signed_cert = certs.dir.file("self-signed.pem");
    openssl(certs, std::string("req -x509 ") + kKeyOptions + " -keyout '" + certs.self_signed_key +
                       "' -out '" + certs.self_signed_cert +
                       "' -days 2 -sha256 -subj '/CN=localhost'"
                       " -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1'");
}

}  // namespace it
