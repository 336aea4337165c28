// Element-wise ops against values computed by hand or from the formula in double.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "engine/core/fp16.h"
#include "engine/ops/ops.h"
#include "tests/engine/kernels/ops_test_util.h"

namespace tessera {
namespace {

double gelu_tanh_exact(double x) {
    return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}
double gelu_erf_exact(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

TEST(OpsElementwise, SoftmaxOfKnownLogits) {
    test::for_each_isa([] {
        // (2, 3): row 0 = (1, 2, 3); row 1 = (1000, 1000, -inf): max subtraction keeps it finite.
        std::vector<float> x = {1, 2, 3, 1000, 1000, -INFINITY};
        ops::softmax(x.data(), 2, 3);
        const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
        for (int i = 0; i < 3; ++i) EXPECT_NEAR(x[i], std::exp(i + 1.0) / z, 1e-6) << i;
        EXPECT_NEAR(x[3], 0.5, 1e-7);
        EXPECT_NEAR(x[4], 0.5, 1e-7);
        EXPECT_EQ(x[5], 0.0f);
    });
}

TEST(OpsElementwise, SoftmaxLongRowSumsToOne) {
    test::for_each_isa([] {
        std::vector<float> x(4097);
        for (int i = 0; i < 4097; ++i) x[i] = 0.01f * static_cast<float>(i % 101);
        ops::softmax(x.data(), 1, 4097);
        double s = 0;
        for (float v : x) s += v;
        EXPECT_NEAR(s, 1.0, 1e-5);
        EXPECT_NEAR(x[100] / x[0], std::exp(1.0), 1e-5);
    });
}

TEST(OpsElementwise, SiluAtKnownPoints) {
    test::for_each_isa([] {
        const float x[5] = {0.0f, 1.0f, -1.0f, 20.0f, -100.0f};
        float y[5];
        ops::silu(x, 5, y);
        for (int i = 0; i < 5; ++i) EXPECT_NEAR(y[i], x[i] * sigmoid(x[i]), 1e-6 * (1 + std::fabs(x[i]))) << x[i];
        EXPECT_EQ(y[0], 0.0f);
        EXPECT_NEAR(y[1], 0.7310585786300049, 1e-6);
    });
}

TEST(OpsElementwise, GeluTanhIsTheFp16TableOfTheTanhFormula) {
    test::for_each_isa([] {
        // Inside (-10, 10): ggml rounds the input to fp16 and returns the fp16-rounded gelu, so the result
        // sits within fp16 rounding (input and output, ~2^-11 relative) of the exact formula.
        std::vector<float> x;
        for (float v = -9.9f; v < 9.9f; v += 0.173f) x.push_back(v);
        x.push_back(0.0f);
        std::vector<float> y(x.size());
        ops::gelu_tanh(x.data(), static_cast<int64_t>(x.size()), y.data());
        for (size_t i = 0; i < x.size(); ++i) {
            const double tol = 1.5e-3 * std::max(1.0, std::fabs(static_cast<double>(x[i])));
            EXPECT_NEAR(y[i], gelu_tanh_exact(x[i]), tol) << x[i];
        }
        // At fp16-exact inputs the output is exactly the fp16 rounding of the formula.
        const float exact_in[4] = {0.5f, -1.0f, 2.25f, -0.125f};
        float out[4];
        ops::gelu_tanh(exact_in, 4, out);
        for (int i = 0; i < 4; ++i) {
            const float want = fp16_to_fp32(fp32_to_fp16(static_cast<float>(gelu_tanh_exact(exact_in[i]))));
            EXPECT_EQ(out[i], want) << exact_in[i];
        }
        // Outside: x <= -10 → 0, x >= 10 → x (no rounding).
        const float big[4] = {-10.0f, -1e6f, 10.0f, 12345.678f};
        ops::gelu_tanh(big, 4, out);
        EXPECT_EQ(out[0], 0.0f);
        EXPECT_EQ(out[1], 0.0f);
        EXPECT_EQ(out[2], 10.0f);
        EXPECT_EQ(out[3], 12345.678f);
    });
}

TEST(OpsElementwise, GeluErfIsExact) {
    test::for_each_isa([] {
        const float x[5] = {0.0f, 1.0f, -1.0f, 3.5f, -0.3f};
        float y[5];
        ops::gelu_erf(x, 5, y);
        EXPECT_EQ(y[0], 0.0f);
        EXPECT_NEAR(y[1], 0.8413447460685429, 1e-6);
        EXPECT_NEAR(y[2], -0.15865525393145707, 1e-6);
        for (int i = 0; i < 5; ++i) EXPECT_NEAR(y[i], gelu_erf_exact(x[i]), 1e-6) << x[i];
    });
}

TEST(OpsElementwise, GeluQuickWithinFp16RoundingOfSigmoidForm) {
    test::for_each_isa([] {
        const float x[6] = {0.0f, 1.0f, -1.0f, 2.5f, -4.0f, 0.3f};
        float y[6];
        ops::gelu_quick(x, 6, y);
        for (int i = 0; i < 6; ++i) {
            const double want = x[i] * sigmoid(1.702 * x[i]);
            EXPECT_NEAR(y[i], want, 1.5e-3 * std::max(1.0, std::fabs(static_cast<double>(x[i])))) << x[i];
        }
        EXPECT_NEAR(y[1], 0.8457840, 5e-4);
    });
}

TEST(OpsElementwise, GatedUnits) {
    test::for_each_isa([] {
        const float g[7] = {0.0f, 1.0f, -1.0f, 2.0f, -3.0f, 0.5f, 11.0f};
        const float u[7] = {5.0f, 2.0f, -2.0f, 0.5f, 1.0f, -4.0f, 0.5f};
        float sw[7], ge[7], act[7];
        ops::swiglu(g, u, 7, sw);
        ops::geglu(g, u, 7, ge);
        ops::gelu_tanh(g, 7, act);
        for (int i = 0; i < 7; ++i) {
            EXPECT_NEAR(sw[i], g[i] * sigmoid(g[i]) * u[i], 1e-5) << i;
            EXPECT_EQ(ge[i], act[i] * u[i]) << i;  // same fp16 table, one product
        }
        EXPECT_EQ(ge[6], 5.5f);  // gate >= 10: gelu(x) = x
    });
}

TEST(OpsElementwise, Arithmetic) {
    test::for_each_isa([] {
        std::vector<float> a(19), b(19), out(19);
        for (int i = 0; i < 19; ++i) {
            a[i] = static_cast<float>(i) - 9.0f;
            b[i] = 0.5f * static_cast<float>(i);
        }
        ops::add(a.data(), b.data(), 19, out.data());
        for (int i = 0; i < 19; ++i) EXPECT_EQ(out[i], a[i] + b[i]);
        ops::mul(a.data(), b.data(), 19, out.data());
        for (int i = 0; i < 19; ++i) EXPECT_EQ(out[i], a[i] * b[i]);
        ops::scale(a.data(), -0.25f, 19, out.data());
        for (int i = 0; i < 19; ++i) EXPECT_EQ(out[i], a[i] * -0.25f);
        // add_row: (3, 5) + (5)
        const float bias[5] = {1, 2, 3, 4, 5};
        std::vector<float> x(15, 10.0f), y(15);
        ops::add_row(x.data(), bias, 3, 5, y.data());
        for (int r = 0; r < 3; ++r)
            for (int i = 0; i < 5; ++i) EXPECT_EQ(y[r * 5 + i], 11.0f + i);
    });
}

TEST(OpsElementwise, TopKOrderAndTies) {
    const float x[8] = {3, 1, 4, 1, 5, 9, 2, 6};
    int32_t idx[8];
    ops::top_k(x, 8, 3, idx);
    EXPECT_EQ(idx[0], 5);  // 9
    EXPECT_EQ(idx[1], 7);  // 6
    EXPECT_EQ(idx[2], 4);  // 5
    ops::top_k(x, 8, 8, idx);  // full sort, the two 1s in index order
    const int32_t full[8] = {5, 7, 4, 2, 0, 6, 1, 3};
    for (int i = 0; i < 8; ++i) EXPECT_EQ(idx[i], full[i]) << i;

    const float ties[6] = {2, 7, 7, 1, 7, 2};
    ops::top_k(ties, 6, 2, idx);
    EXPECT_EQ(idx[0], 1);
    EXPECT_EQ(idx[1], 2);
    ops::top_k(ties, 6, 5, idx);
    const int32_t want[5] = {1, 2, 4, 0, 5};
    for (int i = 0; i < 5; ++i) EXPECT_EQ(idx[i], want[i]) << i;

    const float with_nan[4] = {NAN, -1.0f, NAN, -INFINITY};
    ops::top_k(with_nan, 4, 4, idx);
    const int32_t nan_order[4] = {1, 3, 0, 2};
    for (int i = 0; i < 4; ++i) EXPECT_EQ(idx[i], nan_order[i]) << i;
}

TEST(OpsElementwise, ArgmaxLowestIndexOnTies) {
    test::for_each_isa([] {
        const float x[5] = {1, 3, 2, 3, 0};
        EXPECT_EQ(ops::argmax(x, 5), 1);
        const float one[1] = {-5};
        EXPECT_EQ(ops::argmax(one, 1), 0);
        std::vector<float> v(33, -1.0f);
        v[32] = 0.5f;
        v[17] = NAN;
        EXPECT_EQ(ops::argmax(v.data(), 33), 32);
        v[20] = 0.5f;
        EXPECT_EQ(ops::argmax(v.data(), 33), 20);
    });
}

}  // namespace
}  // namespace tessera
