// Bit layouts and quantizers against llama-quantize's output (../shared/fixtures/text): every
// quantized fixture model was made by `llama-quantize <f32> <out> <TYPE>` from the F32 file of the
// same model, so (1) dequantizing its tensors must land close to the F32 weights, and (2) our
// reference quantizer run on the F32 weights must reproduce llama-quantize's bytes.
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/gguf/gguf.h"
#include "engine/kernels/ref/quants.h"
#include "engine/ops/ops.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

const char* const kModels[] = {"llama", "llama-kq", "qwen2", "qwen3", "gemma3", "qwen3moe", "deepseek2"};
const char* const kVariants[] = {"q8_0", "q4_0", "q4_k_m", "q6_k"};

std::unique_ptr<GgufFile> open_or_fail(const std::filesystem::path& p) {
    auto r = GgufFile::open(p.string());
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? std::move(r).value() : nullptr;
}

// Calls fn(quantized tensor, f32 tensor of the same name) for every quantized tensor of every
// fixture model variant.
template <class Fn>
void for_each_quantized_tensor(Fn fn) {
    for (const char* model : kModels) {
        const auto f32_path = test::fixture(std::string("text/") + model + "-f32.gguf");
        if (!std::filesystem::exists(f32_path)) continue;
        auto f32 = open_or_fail(f32_path);
        ASSERT_TRUE(f32);
        for (const char* variant : kVariants) {
            const auto q_path = test::fixture(std::string("text/") + model + "-" + variant + ".gguf");
            if (!std::filesystem::exists(q_path)) continue;
            auto q = open_or_fail(q_path);
            ASSERT_TRUE(q);
            for (const GgufTensorInfo& info : q->tensors()) {
                const Tensor& t = info.tensor;
                if (!dtype_is_quantized(t.type)) continue;
                const Tensor* ref = f32->find_tensor(t.name);
                ASSERT_NE(ref, nullptr) << t.name;
                ASSERT_EQ(ref->type, DType::F32) << t.name;
                ASSERT_EQ(ref->n_elements(), t.n_elements()) << t.name;
                SCOPED_TRACE(std::string(model) + "-" + variant + " " + t.name + " (" + std::string(dtype_name(t.type)) + ")");
                fn(t, *ref);
            }
        }
    }
}

TEST(QuantFixtures, DequantizedTensorsMatchF32Weights) {
    const auto dir = test::fixture("text/llama-kq-f32.gguf");
    TESSERA_REQUIRE_FIXTURE(dir);
    // Relative RMS error bounds per type: the measured maxima over all fixture tensors (Q8_0 0.56%,
    // Q6_K 1.8%, Q5_1 3.8%, Q5_0 4.4%, Q4_K 7.2%, Q4_0 8.9%) plus ~10%.
    const std::map<DType, double> bound = {{DType::Q8_0, 0.0065}, {DType::Q6_K, 0.020}, {DType::Q5_1, 0.042},
                                           {DType::Q5_0, 0.048},  {DType::Q4_K, 0.078}, {DType::Q4_0, 0.097}};
    std::map<DType, double> worst;
    int n_checked = 0;
    for_each_quantized_tensor([&](const Tensor& t, const Tensor& ref) {
        ASSERT_TRUE(bound.count(t.type)) << "no bound for this type";
        std::vector<float> y(static_cast<size_t>(t.n_elements()));
        ops::dequantize(t, y.data());
        const float* r = static_cast<const float*>(ref.data);
        double num = 0, den = 0;
        for (size_t i = 0; i < y.size(); ++i) {
            num += (static_cast<double>(y[i]) - r[i]) * (static_cast<double>(y[i]) - r[i]);
            den += static_cast<double>(r[i]) * r[i];
        }
        const double rel = std::sqrt(num / den);
        EXPECT_LE(rel, bound.at(t.type));
        worst[t.type] = std::max(worst[t.type], rel);
        ++n_checked;
    });
    EXPECT_GT(n_checked, 100);
    for (const auto& [type, e] : worst) RecordProperty(std::string(dtype_name(type)) + "_worst_rel_rms", std::to_string(e));
}

// Our ggml *_ref ports produce llama-quantize's exact bytes (no importance matrix was used).
TEST(QuantFixtures, ReferenceQuantizerReproducesLlamaQuantizeBytes) {
    TESSERA_REQUIRE_FIXTURE(test::fixture("text/llama-kq-f32.gguf"));
    std::map<DType, int> matched, total;
    for_each_quantized_tensor([&](const Tensor& t, const Tensor& ref) {
        auto q = ref::quantize_tensor(t.type, static_cast<const float*>(ref.data), t.n_rows(), t.ne[0]);
        ASSERT_TRUE(q.is_ok()) << q.status().to_string();
        ASSERT_EQ(q->size(), t.row_size() * static_cast<size_t>(t.n_rows()));
        const bool same = std::memcmp(q->data(), t.data, q->size()) == 0;
        EXPECT_TRUE(same) << "bytes differ from llama-quantize";
        ++total[t.type];
        matched[t.type] += same;
    });
    EXPECT_GE(total.size(), 6u);  // Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q6_K
    for (const auto& [type, n] : total)
        RecordProperty(std::string(dtype_name(type)) + "_bit_exact", std::to_string(matched[type]) + "/" + std::to_string(n));
}

}  // namespace
}  // namespace tessera
