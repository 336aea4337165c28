// Reference quantizers, dot products and the matrix ops against independent arithmetic: round-trip
// error bounds per type, ref::vec_dot against a float64 dot of the dequantized operands, ops::matmul
// (every ISA) against float64 sums, and get_rows / dequantize against per-row dequantization.
#include <cmath>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "engine/core/fp16.h"
#include "engine/core/thread_pool.h"
#include "engine/kernels/ref/matmul.h"
#include "engine/kernels/ref/quants.h"
#include "engine/ops/ops.h"
#include "tests/engine/kernels/ops_test_util.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

const DType kAllTypes[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q4_0, DType::Q4_1,
                           DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q8_1, DType::Q2_K,
                           DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::Q8_K};

std::string type_name(DType t) { return std::string(dtype_name(t)); }

std::vector<uint8_t> quantize(DType t, const std::vector<float>& x) {
    std::vector<uint8_t> q(dtype_row_size(t, static_cast<int64_t>(x.size())));
    ref::quantize_row(t, x.data(), q.data(), static_cast<int64_t>(x.size()));
    return q;
}

std::vector<float> dequantize(DType t, const void* q, int64_t n) {
    std::vector<float> y(static_cast<size_t>(n));
    ref::dequantize_row(t, q, y.data(), n);
    return y;
}

// Q4_1 / Q5_1 dots use the Q8_1 block's stored s = fp16(d * Σq) for the min term, where the dequantized
// activations give d * Σq exactly: this returns Σ_blocks m_w · (s - d Σq), the part of ggml's result
// that a dot of dequantized values does not have.
double q8_1_sum_correction(DType t, const void* w, const void* x, int64_t n) {
    if (t != DType::Q4_1 && t != DType::Q5_1) return 0.0;
    const auto* xb = static_cast<const block_q8_1*>(x);
    double c = 0;
    for (int64_t ib = 0; ib < n / 32; ++ib) {
        const fp16_t m = t == DType::Q4_1 ? static_cast<const block_q4_1*>(w)[ib].m : static_cast<const block_q5_1*>(w)[ib].m;
        int sum = 0;
        for (int j = 0; j < 32; ++j) sum += xb[ib].qs[j];
        c += static_cast<double>(fp16_to_fp32(m)) *
             (static_cast<double>(fp16_to_fp32(xb[ib].s)) - static_cast<double>(fp16_to_fp32(xb[ib].d)) * sum);
    }
    return c;
}

double rel_rms(const std::vector<float>& a, const std::vector<float>& ref) {
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        num += (static_cast<double>(a[i]) - ref[i]) * (static_cast<double>(a[i]) - ref[i]);
        den += static_cast<double>(ref[i]) * ref[i];
    }
    return std::sqrt(num / den);
}

// Gaussian-like weights (sum of uniforms), like real weight matrices.
std::vector<float> gaussianish(size_t n, uint64_t seed) {
    std::vector<float> out(n, 0.0f);
    for (int k = 0; k < 4; ++k) {
        const auto u = test::random_floats(n, seed * 7 + k, -1.0f, 1.0f);
        for (size_t i = 0; i < n; ++i) out[i] += u[i] * 0.5f;
    }
    return out;
}

// Relative RMS error of quantize -> dequantize on 64 Ki gaussian-like values. Bounds: the measured
// figures plus ~10%; they match the step-size estimate d/sqrt(12) (e.g. Q8_0: amax/127 over a block
// of 32 gaussians ~ 0.018 sigma -> 0.5%, Q4_0: amax/8 -> ~8%).
TEST(QuantQuality, RoundTripErrorPerType) {
    struct Bound { DType t; double max_rel_rms; };
    const Bound bounds[] = {
        {DType::F32, 0.0},     {DType::F16, 3e-4},    {DType::BF16, 2.5e-3}, {DType::Q8_0, 0.0065},
        {DType::Q8_1, 0.0065}, {DType::Q8_K, 0.0070}, {DType::Q6_K, 0.019},  {DType::Q5_K, 0.038},
        {DType::Q5_0, 0.044},  {DType::Q5_1, 0.040},  {DType::Q4_K, 0.075},  {DType::Q4_0, 0.090},
        {DType::Q4_1, 0.083},  {DType::Q3_K, 0.160},  {DType::Q2_K, 0.320},
    };
    const auto x = gaussianish(65536, 11);
    for (const Bound& b : bounds) {
        const auto q = quantize(b.t, x);
        const auto y = dequantize(b.t, q.data(), static_cast<int64_t>(x.size()));
        const double err = rel_rms(y, x);
        EXPECT_LE(err, b.max_rel_rms) << type_name(b.t);
        RecordProperty(type_name(b.t) + "_rel_rms", std::to_string(err));
    }
}

// The K-quant searches beat plain round-to-nearest at equal bits, and error falls with bits.
TEST(QuantQuality, KQuantsBeatLegacyAtEqualBits) {
    const auto x = gaussianish(65536, 12);
    auto err = [&](DType t) { return rel_rms(dequantize(t, quantize(t, x).data(), 65536), x); };
    EXPECT_LT(err(DType::Q4_K), err(DType::Q4_0));
    EXPECT_LT(err(DType::Q5_K), err(DType::Q5_0));
    EXPECT_LT(err(DType::Q2_K), 1.0);
    EXPECT_LT(err(DType::Q3_K), err(DType::Q2_K));
    EXPECT_LT(err(DType::Q4_K), err(DType::Q3_K));
    EXPECT_LT(err(DType::Q5_K), err(DType::Q4_K));
    EXPECT_LT(err(DType::Q6_K), err(DType::Q5_K));
}

TEST(QuantQuality, ConstantAndZeroRows) {
    for (DType t : kAllTypes) {
        const int64_t n = 512;
        const std::vector<float> zeros(n, 0.0f);
        const auto yz = dequantize(t, quantize(t, zeros).data(), n);
        for (float v : yz) ASSERT_EQ(v, 0.0f) << type_name(t);
        const std::vector<float> twos(n, 2.0f);
        const auto y2 = dequantize(t, quantize(t, twos).data(), n);
        for (float v : y2) ASSERT_NEAR(v, 2.0f, 0.02f) << type_name(t);
    }
}

// ref::vec_dot equals the float64 dot of the dequantized weight row and dequantized activations.
TEST(QuantQuality, VecDotMatchesDequantizedDot) {
    for (DType t : kAllTypes) {
        for (int64_t n : {256, 768, 4096}) {
            const auto w = gaussianish(static_cast<size_t>(n), 21 + n);
            const auto x = test::random_floats(static_cast<size_t>(n), 22 + n, -2.0f, 2.0f);
            const auto wq = quantize(t, w);
            const DType xt = ref::vec_dot_type(t);
            std::vector<uint8_t> xq(dtype_row_size(xt, n));
            ref::quantize_activations(xt, x.data(), xq.data(), n);
            const auto wd = dequantize(t, wq.data(), n);
            const auto xd = dequantize(xt, xq.data(), n);
            double expect = 0, scale = 0;
            for (int64_t i = 0; i < n; ++i) {
                expect += static_cast<double>(wd[i]) * xd[i];
                scale += std::fabs(static_cast<double>(wd[i]) * xd[i]);
            }
            expect += q8_1_sum_correction(t, wq.data(), xq.data(), n);
            const float got = ref::vec_dot(t, n, wq.data(), xq.data());
            EXPECT_NEAR(got, expect, 2e-6 * scale) << type_name(t) << " n=" << n;
        }
    }
}

// Quantized activations are close to the originals (what makes quantized logits track llama.cpp).
TEST(QuantQuality, ActivationQuantizationError) {
    const auto x = test::random_floats(4096, 5, -3.0f, 3.0f);
    for (DType xt : {DType::Q8_0, DType::Q8_1, DType::Q8_K, DType::F16, DType::BF16, DType::F32}) {
        std::vector<uint8_t> q(dtype_row_size(xt, 4096));
        ref::quantize_activations(xt, x.data(), q.data(), 4096);
        EXPECT_LT(rel_rms(dequantize(xt, q.data(), 4096), x), xt == DType::BF16 ? 3e-3 : 8e-3) << type_name(xt);
    }
}

TEST(QuantTensor, QuantizesRowsBackToBack) {
    const int64_t n_rows = 3, n = 512;
    const auto src = gaussianish(static_cast<size_t>(n_rows * n), 31);
    for (DType t : kAllTypes) {
        auto r = ref::quantize_tensor(t, src.data(), n_rows, n);
        ASSERT_TRUE(r.is_ok()) << r.status().to_string();
        const size_t row = dtype_row_size(t, n);
        ASSERT_EQ(r->size(), row * n_rows) << type_name(t);
        for (int64_t i = 0; i < n_rows; ++i) {
            std::vector<uint8_t> one(row);
            ref::quantize_row(t, src.data() + i * n, one.data(), n);
            EXPECT_EQ(std::memcmp(one.data(), r->data() + i * row, row), 0) << type_name(t) << " row " << i;
        }
    }
}

TEST(QuantTensor, RejectsBadShapesAndTypes) {
    const std::vector<float> src(300, 1.0f);
    auto bad_len = ref::quantize_tensor(DType::Q4_K, src.data(), 1, 300);
    ASSERT_FALSE(bad_len.is_ok());
    EXPECT_EQ(bad_len.status().code(), ErrorCode::invalid_argument);
    EXPECT_NE(bad_len.status().message().find("256"), std::string::npos) << bad_len.status().message();
    auto bad_type = ref::quantize_tensor(DType::IQ2_XS, src.data(), 1, 256);
    ASSERT_FALSE(bad_type.is_ok());
    EXPECT_EQ(bad_type.status().code(), ErrorCode::unsupported);
}

Tensor make_tensor(DType t, const std::vector<uint8_t>& data, int64_t ne0, int64_t ne1) {
    Tensor w;
    w.name = "test.weight";
    w.type = t;
    w.n_dims = 2;
    w.ne[0] = ne0;
    w.ne[1] = ne1;
    w.data = data.data();
    w.nbytes = data.size();
    return w;
}

// ops::matmul on every ISA against float64 sums over dequantized weights and activations.
TEST(OpsMatmul, MatchesFloat64OfDequantizedOperands) {
    const int64_t n_in = 512, n_out = 19, n_tok = 5;
    const auto wf = gaussianish(static_cast<size_t>(n_in * n_out), 41);
    const auto x = test::random_floats(static_cast<size_t>(n_in * n_tok), 42, -1.0f, 1.0f);
    ThreadPool pool(2);
    for (DType t : kAllTypes) {
        auto wq = ref::quantize_tensor(t, wf.data(), n_out, n_in);
        ASSERT_TRUE(wq.is_ok());
        const Tensor w = make_tensor(t, *wq, n_in, n_out);
        std::vector<float> wd(static_cast<size_t>(n_in * n_out));
        ops::dequantize(w, wd.data());
        const DType xt = ref::vec_dot_type(t);
        std::vector<double> expect(static_cast<size_t>(n_tok * n_out)), scale(expect.size());
        for (int64_t tk = 0; tk < n_tok; ++tk) {
            std::vector<uint8_t> xq(dtype_row_size(xt, n_in));
            ref::quantize_activations(xt, x.data() + tk * n_in, xq.data(), n_in);
            const auto xd = dequantize(xt, xq.data(), n_in);
            for (int64_t r = 0; r < n_out; ++r) {
                expect[tk * n_out + r] += q8_1_sum_correction(t, wq->data() + r * dtype_row_size(t, n_in), xq.data(), n_in);
                for (int64_t i = 0; i < n_in; ++i) {
                    const double p = static_cast<double>(wd[r * n_in + i]) * xd[i];
                    expect[tk * n_out + r] += p;
                    scale[tk * n_out + r] += std::fabs(p);
                }
            }
        }
        test::for_each_isa([&] {
            std::vector<float> y(static_cast<size_t>(n_tok * n_out), -1.0f);
            ops::matmul(w, x.data(), n_tok, y.data(), pool);
            for (size_t i = 0; i < y.size(); ++i)
                ASSERT_NEAR(y[i], expect[i], 1e-5 * scale[i] + 1e-6) << type_name(t) << " output " << i;
        });
    }
}

TEST(OpsMatmul, EmptyBatchIsANoOp) {
    const auto wf = gaussianish(64 * 4, 3);
    auto wq = ref::quantize_tensor(DType::Q8_0, wf.data(), 4, 64);
    ASSERT_TRUE(wq.is_ok());
    ThreadPool pool(1);
    float y = 7.0f;
    ops::matmul(make_tensor(DType::Q8_0, *wq, 64, 4), nullptr, 0, &y, pool);
    EXPECT_EQ(y, 7.0f);
}

TEST(OpsGetRows, DequantizesSelectedRows) {
    const int64_t ne0 = 256, n_rows = 6;
    const auto wf = gaussianish(static_cast<size_t>(ne0 * n_rows), 51);
    for (DType t : kAllTypes) {
        auto wq = ref::quantize_tensor(t, wf.data(), n_rows, ne0);
        ASSERT_TRUE(wq.is_ok());
        const Tensor w = make_tensor(t, *wq, ne0, n_rows);
        const int32_t ids[3] = {4, 0, 4};
        std::vector<float> out(3 * ne0);
        ops::get_rows(w, ids, 3, out.data());
        std::vector<float> all(static_cast<size_t>(ne0 * n_rows));
        ops::dequantize(w, all.data());
        for (int k = 0; k < 3; ++k) {
            const auto row = dequantize(t, wq->data() + ids[k] * dtype_row_size(t, ne0), ne0);
            for (int64_t i = 0; i < ne0; ++i) {
                ASSERT_EQ(out[k * ne0 + i], row[i]) << type_name(t);
                ASSERT_EQ(all[ids[k] * ne0 + i], row[i]) << type_name(t);
            }
        }
    }
}

TEST(OpsMatmulDeath, RejectsRowLengthNotMultipleOfBlock) {
    std::vector<uint8_t> data(1024, 0);
    Tensor w = make_tensor(DType::Q4_0, data, 48, 2);  // 48 is not a multiple of 32
    ThreadPool pool(1);
    std::vector<float> x(48, 0.0f), y(2);
    EXPECT_DEATH(ops::matmul(w, x.data(), 1, y.data(), pool), "multiple of the block size 32");
}

}  // namespace
}  // namespace tessera
