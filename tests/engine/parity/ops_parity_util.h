#pragma once
// Shared by tests/engine/parity/ops_parity_*.cpp: each test is parameterised by a vector ISA, runs the
// op under tessera::set_active_isa(Isa::scalar) (the ref kernel) and under that ISA, and compares.
#include <string>

#include <gtest/gtest.h>

#include "engine/kernels/isa.h"

namespace tessera::test {

// Fixture base: skips when the CPU lacks the ISA, restores the active ISA afterwards.
class OpsIsaTest : public ::testing::TestWithParam<Isa> {
protected:
    void SetUp() override {
        saved_ = active_isa();
        if (static_cast<int>(GetParam()) > static_cast<int>(detected_isa()))
            GTEST_SKIP() << "this CPU lacks " << isa_name(GetParam()) << " (detected " << isa_name(detected_isa())
                         << ")";
    }
    void TearDown() override { set_active_isa(saved_); }

public:
    static void use_ref() { set_active_isa(Isa::scalar); }
    void use_isa() const { set_active_isa(GetParam()); }

private:
    Isa saved_ = Isa::scalar;
};

inline std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) { return isa_name(info.param); }

}  // namespace tessera::test

// Instantiates suite `suite` (derived from OpsIsaTest) for avx2 and avx512, as OpsIsa/<suite>.<test>/<isa>.
#define TESSERA_OPS_PARITY_INSTANTIATE(suite)                                                      \
    INSTANTIATE_TEST_SUITE_P(OpsIsa, suite, ::testing::Values(::tessera::Isa::avx2, ::tessera::Isa::avx512), \
                             ::tessera::test::isa_param_name)
