// RMSNorm / LayerNorm against values computed by hand.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "engine/ops/ops.h"
#include "tests/engine/kernels/ops_test_util.h"

namespace tessera {
namespace {

TEST(OpsNorm, RmsNormOfOneToFour) {
    test::for_each_isa([] {
        const float x[4] = {1, 2, 3, 4};  // mean of squares = 30/4 = 7.5
        float y[4];
        ops::rms_norm(x, nullptr, 1, 4, 1e-5f, y);
        const double s = 1.0 / std::sqrt(7.5 + 1e-5);
        for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], x[i] * s, 1e-6) << i;

        const float w[4] = {1.0f, 0.5f, 2.0f, -1.0f};
        ops::rms_norm(x, w, 1, 4, 1e-5f, y);
        for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], x[i] * s * w[i], 1e-6) << i;
    });
}

TEST(OpsNorm, RmsNormRowsAndInPlace) {
    test::for_each_isa([] {
        // (2, 3): row 0 = [3, 0, 4] (mean sq 25/3), row 1 = [-1, -1, -1] (mean sq 1)
        std::vector<float> x = {3, 0, 4, -1, -1, -1};
        ops::rms_norm(x.data(), nullptr, 2, 3, 0.0f, x.data());
        const double s0 = 1.0 / std::sqrt(25.0 / 3.0);
        EXPECT_NEAR(x[0], 3 * s0, 1e-6);
        EXPECT_NEAR(x[1], 0.0, 1e-7);
        EXPECT_NEAR(x[2], 4 * s0, 1e-6);
        for (int i = 3; i < 6; ++i) EXPECT_NEAR(x[i], -1.0, 1e-6);
    });
}

TEST(OpsNorm, RmsNormLongRowHasUnitRms) {
    test::for_each_isa([] {
        std::vector<float> x(100), y(100);
        for (int i = 0; i < 100; ++i) x[i] = static_cast<float>(i % 7) - 3.0f;
        ops::rms_norm(x.data(), nullptr, 1, 100, 0.0f, y.data());
        double ss = 0;
        for (float v : y) ss += static_cast<double>(v) * v;
        EXPECT_NEAR(ss / 100.0, 1.0, 1e-6);
    });
}

TEST(OpsNorm, LayerNormOfOneToFour) {
    test::for_each_isa([] {
        const float x[4] = {1, 2, 3, 4};  // mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25
        float y[4];
        ops::layer_norm(x, nullptr, nullptr, 1, 4, 1e-5f, y);
        const double s = 1.0 / std::sqrt(1.25 + 1e-5);
        for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], (x[i] - 2.5) * s, 1e-6) << i;

        const float w[4] = {2.0f, 1.0f, -1.0f, 0.5f};
        const float b[4] = {0.1f, 0.2f, 0.3f, 0.4f};
        ops::layer_norm(x, w, b, 1, 4, 1e-5f, y);
        for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], (x[i] - 2.5) * s * w[i] + b[i], 1e-6) << i;

        ops::layer_norm(x, nullptr, b, 1, 4, 1e-5f, y);  // bias without weight
        for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], (x[i] - 2.5) * s + b[i], 1e-6) << i;
    });
}

TEST(OpsNorm, LayerNormConstantRowIsZeroPlusBias) {
    test::for_each_isa([] {
        std::vector<float> x(37, 5.0f), b(37);
        for (int i = 0; i < 37; ++i) b[i] = static_cast<float>(i);
        ops::layer_norm(x.data(), nullptr, b.data(), 1, 37, 1e-6f, x.data());  // in place
        for (int i = 0; i < 37; ++i) EXPECT_NEAR(x[i], static_cast<float>(i), 1e-5) << i;
    });
}

}  // namespace
}  // namespace tessera
