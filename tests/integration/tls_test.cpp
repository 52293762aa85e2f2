// HTTPS remotes: certificates are verified against the configured CA and the host name, and
// verification can only be switched off loudly.
#include "support/servers.hpp"
#include "support/test_certs.hpp"

#include <gtest/gtest.h>

namespace it {
namespace {

class Tls : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        certs_ = std::make_unique<TestCerts>();
        make_test_certs(*certs_);
    }
    static void TearDownTestSuite() { certs_.reset(); }

    static std::unique_ptr<FakeOllama> https_fake(const std::string& cert, const std::string& key) {
        return FakeOllama::start({"--tls-cert", cert, "--tls-key", key});
    }
    static std::string https_url(const FakeOllama& fake, const std::string& host = "localhost") {
        return "https://" + host + ":" + std::to_string(fake.port());
    }

    static inline std::unique_ptr<TestCerts> certs_;
};

TEST_F(Tls, RemoteCertificateFromTheConfiguredCaIsAccepted) {
    auto fake = https_fake(certs_->server_cert, certs_->server_key);
    auto proxy =
        Proxy::start({"--remote-host", https_url(*fake), "--remote-ca-file", certs_->ca_cert});
    const Response r = fetch(proxy->port(), make_request("GET", "/api/tags"));
    EXPECT_EQ(r.status(), 200) << r.body;
    EXPECT_NE(r.body.find("llama3.2:latest"), std::string::npos) << r.body;
    // Streams work over TLS too.
    const Response chat = fetch(
        proxy->port(),
        make_request("POST", "/api/chat", {{"x-fake-interval-ms", "0"}},
                     R"({"model":"llama3.2:latest","messages":[{"role":"user","content":"hi"}]})"));
    EXPECT_EQ(chat.status(), 200);
    EXPECT_EQ(chat.end, BodyEnd::clean);
    EXPECT_NE(chat.body.find(R"("done":true)"), std::string::npos) << chat.body;
}

TEST_F(Tls, RemoteCertificateIsAcceptedWhenAddressedByIp) {
    auto fake = https_fake(certs_->server_cert, certs_->server_key);
    auto proxy = Proxy::start(
        {"--remote-host", https_url(*fake, "127.0.0.1"), "--remote-ca-file", certs_->ca_cert});
    EXPECT_EQ(fetch(proxy->port(), make_request("GET", "/api/version")).status(), 200);
}

TEST_F(Tls, UnknownCaGives502NamingCertificateVerification) {
    auto fake = https_fake(certs_->server_cert, certs_->server_key);
    auto proxy = Proxy::start({"--remote-host", https_url(*fake)});
    const Response r = fetch(proxy->port(), make_request("GET", "/api/tags"));
    EXPECT_EQ(r.status(), 502);
    EXPECT_NE(r.body.find("certificate verif"), std::string::npos) << r.body;
}

TEST_F(Tls, CertificateForAnotherHostGives502) {
    auto fake = https_fake(certs_->wrong_name_cert, certs_->wrong_name_key);
    auto proxy =
        Proxy::start({"--remote-host", https_url(*fake), "--remote-ca-file", certs_->ca_cert});
    const Response r = fetch(proxy->port(), make_request("GET", "/api/tags"));
    EXPECT_EQ(r.status(), 502);
    EXPECT_NE(r.body.find("certificate"), std::string::npos) << r.body;
}

TEST_F(Tls, InsecureModeAcceptsASelfSignedCertificateAndWarnsLoudly) {
    auto fake = https_fake(certs_->self_signed_cert, certs_->self_signed_key);
    auto proxy = Proxy::start({"--remote-host", https_url(*fake), "--remote-insecure"});
    EXPECT_EQ(fetch(proxy->port(), make_request("GET", "/api/tags")).status(), 200);
    const std::string log = proxy->log();
    bool warned = false;
    for (const auto& line : non_empty_lines(log)) {
        warned = warned || (line.find("warn") != std::string::npos &&
                            line.find("verification") != std::string::npos);
    }
    EXPECT_TRUE(warned) << "no warning about disabled verification in the log:\n" << log;
}

TEST_F(Tls, SelfSignedCertificateIsRefusedWithoutInsecureMode) {
    auto fake = https_fake(certs_->self_signed_cert, certs_->self_signed_key);
    auto proxy =
        Proxy::start({"--remote-host", https_url(*fake), "--remote-ca-file", certs_->ca_cert});
    const Response r = fetch(proxy->port(), make_request("GET", "/api/tags"));
    EXPECT_EQ(r.status(), 502);
    EXPECT_NE(r.body.find("certificate verif"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace it
