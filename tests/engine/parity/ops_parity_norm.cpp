// RMSNorm / LayerNorm: ref vs each vector ISA on random rows of odd lengths.
#include <vector>

#include "engine/ops/ops.h"
#include "tests/engine/parity/ops_parity_util.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

class OpsParityNorm : public test::OpsIsaTest {};

TEST_P(OpsParityNorm, RmsNorm) {
    for (int64_t n : {1, 7, 33, 100, 4097}) {
        SCOPED_TRACE("n=" + std::to_string(n));
        const int64_t rows = 3;
        const auto x = test::random_floats(rows * n, 100 + n, -3.0f, 3.0f);
        const auto w = test::random_floats(n, 200 + n, 0.5f, 1.5f);
        std::vector<float> ref(rows * n), out(rows * n), ref_nw(rows * n), out_nw(rows * n);
        use_ref();
        ops::rms_norm(x.data(), w.data(), rows, n, 1e-6f, ref.data());
        ops::rms_norm(x.data(), nullptr, rows, n, 1e-6f, ref_nw.data());
        use_isa();
        ops::rms_norm(x.data(), w.data(), rows, n, 1e-6f, out.data());
        ops::rms_norm(x.data(), nullptr, rows, n, 1e-6f, out_nw.data());
        EXPECT_LT(test::nmse(out.data(), ref.data(), out.size()), 1e-12);
        EXPECT_LT(test::nmse(out_nw.data(), ref_nw.data(), out.size()), 1e-12);
        // in place gives the same as out of place
        std::vector<float> inplace = x;
        ops::rms_norm(inplace.data(), w.data(), rows, n, 1e-6f, inplace.data());
        EXPECT_EQ(inplace, out);
    }
}

TEST_P(OpsParityNorm, LayerNorm) {
    for (int64_t n : {1, 7, 33, 100, 4097}) {
        SCOPED_TRACE("n=" + std::to_string(n));
        const int64_t rows = 3;
        // an offset mean exercises the centred variance
        const auto x = test::random_floats(rows * n, 300 + n, 1.0f, 4.0f);
        const auto w = test::random_floats(n, 400 + n, 0.5f, 1.5f);
        const auto b = test::random_floats(n, 500 + n, -0.5f, 0.5f);
        std::vector<float> ref(rows * n), out(rows * n), ref2(rows * n), out2(rows * n);
        use_ref();
        ops::layer_norm(x.data(), w.data(), b.data(), rows, n, 1e-5f, ref.data());
        ops::layer_norm(x.data(), nullptr, nullptr, rows, n, 1e-5f, ref2.data());
        use_isa();
        ops::layer_norm(x.data(), w.data(), b.data(), rows, n, 1e-5f, out.data());
        ops::layer_norm(x.data(), nullptr, nullptr, rows, n, 1e-5f, out2.data());
        EXPECT_LT(test::nmse(out.data(), ref.data(), out.size()), 1e-11);
        EXPECT_LT(test::nmse(out2.data(), ref2.data(), out.size()), 1e-11);
        std::vector<float> inplace = x;
        ops::layer_norm(inplace.data(), w.data(), b.data(), rows, n, 1e-5f, inplace.data());
        EXPECT_EQ(inplace, out);
    }
}

TESSERA_OPS_PARITY_INSTANTIATE(OpsParityNorm);

}  // namespace
}  // namespace tessera
