// The fixture most suites share: one fake Ollama and one proxy in front of it, started once per
// suite, with the proxy's log printed when a test fails.
#pragma once

#include "support/servers.hpp"

#include <gtest/gtest.h>

#include <iostream>
#include <memory>

namespace it {

class ProxyAndFake : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        fake_ = FakeOllama::start();
        proxy_ = Proxy::start_for(*fake_);
    }
    static void TearDownTestSuite() {
        proxy_.reset();
        fake_.reset();
    }
    void TearDown() override {
        if (HasFailure()) std::cout << "proxy log:\n" << proxy_->log() << std::endl;
    }

    static inline std::unique_ptr<FakeOllama> fake_;
    static inline std::unique_ptr<Proxy> proxy_;
};

}  // namespace it
