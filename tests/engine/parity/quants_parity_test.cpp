// SIMD quantized-matrix kernels (kernels/cpu, each ISA) against the scalar reference (kernels/ref):
// activation quantization bit for bit, vec_dot and ops::matmul by NMSE, for every supported type and
// for row lengths of odd block counts and tails; plus thread-count invariance of ops::matmul.
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "engine/core/thread_pool.h"
#include "engine/kernels/cpu/quants.h"
#include "engine/kernels/isa.h"
#include "engine/kernels/ref/matmul.h"
#include "engine/kernels/ref/quants.h"
#include "engine/ops/ops.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

const DType kTypes[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q4_0, DType::Q4_1,
                        DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q8_1, DType::Q2_K,
                        DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::Q8_K};

struct CpuKernels {
    bool (*supports)(DType);
    void (*quantize)(DType, const float*, void*, int64_t);
    float (*vec_dot)(DType, int64_t, const void*, const void*);
};

CpuKernels cpu_kernels(Isa isa) {
    if (isa == Isa::avx512) return {cpu::avx512::matmul_supports, cpu::avx512::quantize_activations, cpu::avx512::vec_dot};
    return {cpu::avx2::matmul_supports, cpu::avx2::quantize_activations, cpu::avx2::vec_dot};
}

// Row lengths: odd block counts (1, 3, 9, 33 blocks of 32; 1, 3, 5, 9 super-blocks) and, for the
// plain types, lengths that leave SIMD tails.
std::vector<int64_t> row_lengths(DType t) {
    const int64_t bs = dtype_info(t).block_size;
    if (bs == 1) return {1, 7, 33, 100, 257, 1056};
    if (bs == 32) return {32, 96, 288, 1056};
    return {256, 768, 1280, 2304};
}

// NMSE bound against the reference. Integer block sums are exact on every path; what remains is
// float summation order (and, for plain types, FMA vs double accumulation). Measured NMSE is
// 1e-15 .. 1e-13 for every type and ISA; 1e-11 leaves margin without hiding a wrong lane or block
// (one wrong block of 32 in 1056 elements gives ~1e-3).
double nmse_bound(DType) { return 1e-11; }

std::vector<float> weights(size_t n, uint64_t seed) {
    std::vector<float> out(n, 0.0f);
    for (int k = 0; k < 4; ++k) {
        const auto u = test::random_floats(n, seed * 13 + k, -1.0f, 1.0f);
        for (size_t i = 0; i < n; ++i) out[i] += u[i] * 0.5f;
    }
    // A few outliers, as real weights have, so that block scales vary.
    for (size_t i = 0; i < n; i += 97) out[i] *= 6.0f;
    return out;
}

using Param = std::tuple<DType, Isa>;

class QuantParity : public testing::TestWithParam<Param> {
protected:
    void SetUp() override {
        type_ = std::get<0>(GetParam());
        isa_ = std::get<1>(GetParam());
        if (static_cast<int>(detected_isa()) < static_cast<int>(isa_))
            GTEST_SKIP() << "this CPU lacks " << isa_name(isa_) << " (detected: " << isa_name(detected_isa()) << ")";
        saved_ = active_isa();
        k_ = cpu_kernels(isa_);
    }
    void TearDown() override { set_active_isa(saved_); }

    DType type_ = DType::F32;
    Isa isa_ = Isa::scalar;
    Isa saved_ = Isa::scalar;
    CpuKernels k_{};
};

TEST_P(QuantParity, SupportsType) { EXPECT_TRUE(k_.supports(type_)); }

TEST_P(QuantParity, ActivationQuantizationIsBitExact) {
    const DType xt = ref::vec_dot_type(type_);
    for (int64_t n : row_lengths(type_)) {
        // Scaled so that some blocks have tiny and some large ranges, plus an all-zero stretch.
        auto x = test::random_floats(static_cast<size_t>(n), 100 + n, -3.0f, 3.0f);
        for (int64_t i = 0; i < n; ++i) x[i] *= (i / 64) % 3 == 0 ? 0.01f : 1.0f;
        if (n >= 512) std::fill(x.begin() + 256, x.begin() + 512, 0.0f);
        const size_t bytes = dtype_row_size(xt, n);
        std::vector<uint8_t> want(bytes), got(bytes, 0xAB);
        ref::quantize_activations(xt, x.data(), want.data(), n);
        k_.quantize(xt, x.data(), got.data(), n);
        EXPECT_EQ(std::memcmp(want.data(), got.data(), bytes), 0) << dtype_name(xt) << " n=" << n;
    }
}

TEST_P(QuantParity, VecDotMatchesReference) {
    const DType xt = ref::vec_dot_type(type_);
    for (int64_t n : row_lengths(type_)) {
        const int rows = 8;
        const auto wf = weights(static_cast<size_t>(n * rows), 7 + n);
        auto wq = ref::quantize_tensor(type_, wf.data(), rows, n);
        ASSERT_TRUE(wq.is_ok());
        const auto x = test::random_floats(static_cast<size_t>(n), 9 + n, -2.0f, 2.0f);
        std::vector<uint8_t> xq(dtype_row_size(xt, n));
        ref::quantize_activations(xt, x.data(), xq.data(), n);
        std::vector<float> want(rows), got(rows);
        const size_t row = dtype_row_size(type_, n);
        for (int r = 0; r < rows; ++r) {
            want[r] = ref::vec_dot(type_, n, wq->data() + r * row, xq.data());
            got[r] = k_.vec_dot(type_, n, wq->data() + r * row, xq.data());
        }
        const double e = test::nmse(got.data(), want.data(), rows);
        EXPECT_LE(e, nmse_bound(type_)) << "n=" << n;
    }
}

// ops::matmul on the forced ISA against ref::matmul, for decode (1 token) and token tiles with a
// remainder (3 = one partial tile, 17 = four full tiles + 1); n_out odd.
TEST_P(QuantParity, OpsMatmulMatchesReference) {
    const auto lengths = row_lengths(type_);
    ASSERT_EQ(set_active_isa(isa_), isa_);
    ThreadPool pool1(1), pool2(2);
    for (int64_t n_in : {lengths[1], lengths[3]}) {
        const int64_t n_out = 37;
        const auto wf = weights(static_cast<size_t>(n_in * n_out), 3 + n_in);
        auto wq = ref::quantize_tensor(type_, wf.data(), n_out, n_in);
        ASSERT_TRUE(wq.is_ok());
        Tensor w;
        w.name = "parity.weight";
        w.type = type_;
        w.n_dims = 2;
        w.ne[0] = n_in;
        w.ne[1] = n_out;
        w.data = wq->data();
        w.nbytes = wq->size();
        for (int64_t n_tok : {1, 3, 17}) {
            const auto x = test::random_floats(static_cast<size_t>(n_in * n_tok), 5 + n_in + n_tok, -1.5f, 1.5f);
            std::vector<float> want(static_cast<size_t>(n_tok * n_out)), got1(want.size()), got2(want.size());
            ref::matmul(type_, wq->data(), n_out, n_in, x.data(), n_tok, want.data());
            ops::matmul(w, x.data(), n_tok, got1.data(), pool1);
            ops::matmul(w, x.data(), n_tok, got2.data(), pool2);
            EXPECT_LE(test::nmse(got1.data(), want.data(), want.size()), nmse_bound(type_))
                << "n_in=" << n_in << " n_tokens=" << n_tok;
            EXPECT_EQ(std::memcmp(got1.data(), got2.data(), got1.size() * sizeof(float)), 0)
                << "1 vs 2 threads differ, n_in=" << n_in << " n_tokens=" << n_tok;
        }
    }
}

std::string param_name(const testing::TestParamInfo<Param>& info) {
    return std::string(dtype_name(std::get<0>(info.param))) + "_" + isa_name(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(AllTypes, QuantParity,
                         testing::Combine(testing::ValuesIn(kTypes), testing::Values(Isa::avx2, Isa::avx512)),
                         param_name);

// The scalar path of ops::matmul is ref::matmul split over threads: identical results.
TEST(QuantParityScalar, OpsMatmulScalarIsReference) {
    const Isa saved = active_isa();
    set_active_isa(Isa::scalar);
    ThreadPool pool(2);
    for (DType t : kTypes) {
        const int64_t n_in = dtype_info(t).block_size == 1 ? 100 : 768, n_out = 37, n_tok = 3;
        const auto wf = weights(static_cast<size_t>(n_in * n_out), 77);
        auto wq = ref::quantize_tensor(t, wf.data(), n_out, n_in);
        ASSERT_TRUE(wq.is_ok());
        Tensor w;
        w.type = t;
        w.n_dims = 2;
        w.ne[0] = n_in;
        w.ne[1] = n_out;
        w.data = wq->data();
        const auto x = test::random_floats(static_cast<size_t>(n_in * n_tok), 78, -1.0f, 1.0f);
        std::vector<float> want(static_cast<size_t>(n_tok * n_out)), got(want.size());
        ref::matmul(t, wq->data(), n_out, n_in, x.data(), n_tok, want.data());
        ops::matmul(w, x.data(), n_tok, got.data(), pool);
        EXPECT_EQ(std::memcmp(want.data(), got.data(), got.size() * sizeof(float)), 0) << dtype_name(t);
    }
    set_active_isa(saved);
}

}  // namespace
}  // namespace tessera
