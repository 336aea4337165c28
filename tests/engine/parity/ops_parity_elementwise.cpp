// Element-wise ops: ref vs each vector ISA on random inputs of odd lengths. Table GELUs, gelu_erf and
// plain arithmetic must match bit for bit; exp-based ops within a tight NMSE.
#include <cmath>
#include <string>
#include <vector>

#include "engine/ops/ops.h"
#include "tests/engine/parity/ops_parity_util.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

class OpsParityElementwise : public test::OpsIsaTest {};

constexpr int64_t kSizes[] = {1, 7, 33, 100, 4097};

// Compares ref and ISA results of `op(x, n, y)`.
template <class Op>
void unary_case(test::OpsIsaTest& t, Op op, float lo, float hi, uint64_t seed, bool exact, double bound) {
    for (int64_t n : kSizes) {
        SCOPED_TRACE("n=" + std::to_string(n));
        const auto x = test::random_floats(n, seed + n, lo, hi);
        std::vector<float> ref(n), out(n);
        t.use_ref();
        op(x.data(), n, ref.data());
        t.use_isa();
        op(x.data(), n, out.data());
        if (exact) EXPECT_EQ(out, ref);
        else EXPECT_LT(test::nmse(out.data(), ref.data(), n), bound);
    }
}

template <class Op>
void binary_case(test::OpsIsaTest& t, Op op, float lo, float hi, uint64_t seed, bool exact, double bound) {
    for (int64_t n : kSizes) {
        SCOPED_TRACE("n=" + std::to_string(n));
        const auto a = test::random_floats(n, seed + n, lo, hi);
        const auto b = test::random_floats(n, seed + 7 * n, -2.0f, 2.0f);
        std::vector<float> ref(n), out(n);
        t.use_ref();
        op(a.data(), b.data(), n, ref.data());
        t.use_isa();
        op(a.data(), b.data(), n, out.data());
        if (exact) EXPECT_EQ(out, ref);
        else EXPECT_LT(test::nmse(out.data(), ref.data(), n), bound);
    }
}

TEST_P(OpsParityElementwise, Softmax) {
    for (int64_t n : kSizes) {
        SCOPED_TRACE("n=" + std::to_string(n));
        auto x = test::random_floats(3 * n, 10 + n, -20.0f, 20.0f);
        std::vector<float> ref = x, out = x;
        use_ref();
        ops::softmax(ref.data(), 3, n);
        use_isa();
        ops::softmax(out.data(), 3, n);
        EXPECT_LT(test::nmse(out.data(), ref.data(), out.size()), 1e-12);
    }
}

TEST_P(OpsParityElementwise, Silu) { unary_case(*this, ops::silu, -20.0f, 20.0f, 20, false, 1e-12); }
TEST_P(OpsParityElementwise, GeluTanh) { unary_case(*this, ops::gelu_tanh, -12.0f, 12.0f, 30, true, 0); }
TEST_P(OpsParityElementwise, GeluErf) { unary_case(*this, ops::gelu_erf, -6.0f, 6.0f, 40, true, 0); }
TEST_P(OpsParityElementwise, GeluQuick) { unary_case(*this, ops::gelu_quick, -12.0f, 12.0f, 50, true, 0); }
TEST_P(OpsParityElementwise, Swiglu) { binary_case(*this, ops::swiglu, -20.0f, 20.0f, 60, false, 1e-12); }
TEST_P(OpsParityElementwise, Geglu) { binary_case(*this, ops::geglu, -12.0f, 12.0f, 70, true, 0); }
TEST_P(OpsParityElementwise, Add) { binary_case(*this, ops::add, -5.0f, 5.0f, 80, true, 0); }
TEST_P(OpsParityElementwise, Mul) { binary_case(*this, ops::mul, -5.0f, 5.0f, 90, true, 0); }

TEST_P(OpsParityElementwise, Scale) {
    auto op = [](const float* x, int64_t n, float* y) { ops::scale(x, -1.7f, n, y); };
    unary_case(*this, op, -5.0f, 5.0f, 100, true, 0);
}

TEST_P(OpsParityElementwise, AddRow) {
    for (int64_t n : kSizes) {
        SCOPED_TRACE("n=" + std::to_string(n));
        const auto x = test::random_floats(4 * n, 110 + n);
        const auto b = test::random_floats(n, 120 + n);
        std::vector<float> ref(4 * n), out(4 * n);
        use_ref();
        ops::add_row(x.data(), b.data(), 4, n, ref.data());
        use_isa();
        ops::add_row(x.data(), b.data(), 4, n, out.data());
        EXPECT_EQ(out, ref);
    }
}

TEST_P(OpsParityElementwise, Argmax) {
    for (int64_t n : kSizes) {
        SCOPED_TRACE("n=" + std::to_string(n));
        auto x = test::random_floats(n, 130 + n);
        use_ref();
        const int32_t r1 = ops::argmax(x.data(), n);
        use_isa();
        EXPECT_EQ(ops::argmax(x.data(), n), r1);
        // a tie for the maximum at a later index, and NaNs, do not move it
        x.push_back(x[r1]);
        x.push_back(NAN);
        use_ref();
        const int32_t r2 = ops::argmax(x.data(), n + 2);
        use_isa();
        EXPECT_EQ(ops::argmax(x.data(), n + 2), r2);
        EXPECT_EQ(r2, r1);
    }
}

TESSERA_OPS_PARITY_INSTANTIATE(OpsParityElementwise);

}  // namespace
}  // namespace tessera
