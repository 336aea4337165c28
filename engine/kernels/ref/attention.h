#pragma once
// Scalar ground truth for attention (see engine/ops/ops.h for the contract), and the plain argument
// block shared with the per-ISA kernels (kernels/cpu/cpu_attention.h).
//
// Work is cut into tiles: query rows that share one KV head. Within KV head g the query rows are
// numbered r = t * n_rep + i (token t, query head g * n_rep + i, n_rep = n_head / n_head_kv); a tile is
// a run of at most kAttentionMaxRows consecutive rows. Every row's result depends only on its own
// inputs, never on how rows were grouped, so any tiling and any thread count give identical bits.
#include <cstdint>

namespace tessera {

struct AttentionArgs {
    const float* q = nullptr;      // query t head h at q + t*q_token_stride + h*head_dim_k
    int64_t q_token_stride = 0;    // floats
    const float* k = nullptr;      // (n_kv, n_head_kv, head_dim_k)
    const float* v = nullptr;      // (n_kv, n_head_kv, head_dim_v)
    const int32_t* q_pos = nullptr;  // (n_tokens)
    int64_t n_tokens = 0;
    int64_t n_kv = 0;
    int64_t n_head = 0;
    int64_t n_head_kv = 0;
    int64_t head_dim_k = 0;
    int64_t head_dim_v = 0;
    float scale = 1.0f;
    bool causal = true;
    int64_t bidir_begin = 0;       // causal only: queries in [bidir_begin, bidir_end) see keys < bidir_end
    int64_t bidir_end = 0;
    int64_t sliding_window = 0;
    float softcap = 0.0f;
    float* out = nullptr;          // (n_tokens, n_head * head_dim_v)
};

constexpr int64_t kAttentionMaxRows = 4;

// Floats of per-thread scratch a tile needs (scores of every row of the tile, padded).
static inline int64_t attention_scratch_floats(int64_t n_kv) {
    return kAttentionMaxRows * ((n_kv + 15) / 16 * 16 + 16);
}

// Keys [*lo, *hi) that query position `pos` may see (empty when *hi <= *lo). The one place the mask is
// defined, for the reference and every SIMD kernel: causal keys <= pos, extended to bidir_end inside
// the bidirectional block, cut from below by the sliding window. Always one contiguous range.
static inline void attention_key_range(const AttentionArgs& a, int64_t pos, int64_t* lo, int64_t* hi) {
    int64_t l = 0, h = a.n_kv;
    if (a.causal) {
        int64_t end = pos + 1;
        if (pos >= a.bidir_begin && pos < a.bidir_end && a.bidir_end > end) end = a.bidir_end;
        if (end < h) h = end;
    }
    if (a.sliding_window > 0 && pos - a.sliding_window + 1 > l) l = pos - a.sliding_window + 1;
    *lo = l;
    *hi = h;
}

namespace ref {

// Rows [row0, row0 + n_rows) of KV head `kv_head`; scratch: attention_scratch_floats(n_kv) floats.
// ref: llama.cpp build_attn_mha without flash attention: kq = k·q (f32), soft_max_ext(kq, mask, scale)
// with masked keys at -INF (ggml_compute_forward_soft_max_f32: max subtraction, expf, sum in double,
// scale by 1/sum), kqv = v·softmax. softcap (gemma2) is applied to the scaled logits. A query that
// sees no key gets a zero output.
void attention_tile(const AttentionArgs& a, int64_t kv_head, int64_t row0, int64_t n_rows, float* scratch);

// Whole op, single-threaded.
void attention(const AttentionArgs& a);

}  // namespace ref
}  // namespace tessera
