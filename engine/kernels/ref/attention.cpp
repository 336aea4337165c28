#include "engine/kernels/ref/attention.h"

#include <cmath>
#include <vector>

namespace tessera::ref {

void attention_tile(const AttentionArgs& a, int64_t kv_head, int64_t row0, int64_t n_rows, float* scratch) {
    const int64_t n_rep = a.n_head / a.n_head_kv;
    const int64_t dk = a.head_dim_k, dv = a.head_dim_v;
    const int64_t kv_stride_k = a.n_head_kv * dk, kv_stride_v = a.n_head_kv * dv;
    float* s = scratch;  // (n_kv) scores, then probabilities
    for (int64_t r = row0; r < row0 + n_rows; ++r) {
        const int64_t t = r / n_rep;
        const int64_t h = kv_head * n_rep + r % n_rep;
        const float* q = a.q + t * a.q_token_stride + h * dk;  // (dk)
        float* o = a.out + t * a.n_head * dv + h * dv;          // (dv)
        int64_t lo, hi;
        attention_key_range(a, a.q_pos[t], &lo, &hi);
        for (int64_t d = 0; d < dv; ++d) o[d] = 0.0f;
        if (hi <= lo) continue;
        float max = -INFINITY;
        for (int64_t j = lo; j < hi; ++j) {
            const float* kj = a.k + j * kv_stride_k + kv_head * dk;  // (dk)
            float dot = 0.0f;
            for (int64_t d = 0; d < dk; ++d) dot += q[d] * kj[d];
            float logit = dot * a.scale;
            if (a.softcap > 0.0f) logit = a.softcap * std::tanh(logit / a.softcap);
            s[j] = logit;
            if (logit > max) max = logit;
        }
        double sum = 0.0;
        for (int64_t j = lo; j < hi; ++j) {
            s[j] = std::exp(s[j] - max);
            sum += static_cast<double>(s[j]);
        }
        const float inv = static_cast<float>(1.0 / sum);
        for (int64_t j = lo; j < hi; ++j) {
            const float pj = s[j] * inv;
            const float* vj = a.v + j * kv_stride_v + kv_head * dv;  // (dv)
            for (int64_t d = 0; d < dv; ++d) o[d] += pj * vj[d];
        }
    }
}

void attention(const AttentionArgs& a) {
    std::vector<float> scratch(static_cast<size_t>(attention_scratch_floats(a.n_kv)));
    const int64_t rows = a.n_tokens * (a.n_head / a.n_head_kv);
    for (int64_t g = 0; g < a.n_head_kv; ++g) attention_tile(a, g, 0, rows, scratch.data());
}

}  // namespace tessera::ref
