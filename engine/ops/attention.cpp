// ops::attention: validate, cut the work into tiles (query rows sharing a KV head, see
// kernels/ref/attention.h), hand tiles to the pool's threads through an atomic counter, each thread
// with its own scores buffer allocated once per call.
#include <algorithm>
#include <atomic>
#include <vector>

#include "engine/kernels/cpu/cpu_attention.h"
#include "engine/kernels/isa.h"
#include "engine/kernels/ref/attention.h"
#include "engine/ops/op_check.h"
#include "engine/ops/ops.h"

namespace tessera::ops {

void attention(const float* q, int64_t q_token_stride, const float* k, const float* v, const int32_t* q_pos,
               int64_t n_tokens, int64_t n_kv, const AttentionParams& p, float* out, ThreadPool& pool) {
    TS_OP_CHECK("attention", n_tokens >= 0 && n_kv >= 0);
    TS_OP_CHECK("attention", p.n_head > 0 && p.n_head_kv > 0 && p.n_head % p.n_head_kv == 0);
    TS_OP_CHECK("attention", p.head_dim_k > 0 && p.head_dim_v > 0);
    TS_OP_CHECK("attention", q_token_stride >= p.n_head * p.head_dim_k || n_tokens <= 1);
    TS_OP_CHECK("attention", p.sliding_window >= 0 && p.softcap >= 0.0f);
    TS_OP_CHECK("attention", p.bidir_begin >= 0 && p.bidir_begin <= p.bidir_end);
    if (n_tokens == 0) return;
    TS_OP_CHECK("attention", q && q_pos && out && (n_kv == 0 || (k && v)));

    AttentionArgs a;
    a.q = q;
    a.q_token_stride = q_token_stride;
    a.k = k;
    a.v = v;
    a.q_pos = q_pos;
    a.n_tokens = n_tokens;
    a.n_kv = n_kv;
    a.n_head = p.n_head;
    a.n_head_kv = p.n_head_kv;
    a.head_dim_k = p.head_dim_k;
    a.head_dim_v = p.head_dim_v;
    a.scale = p.scale;
    a.causal = p.causal;
    a.bidir_begin = p.bidir_begin;
    a.bidir_end = p.bidir_end;
    a.sliding_window = p.sliding_window;
    a.softcap = p.softcap;
    a.out = out;

    auto tile = ref::attention_tile;
    switch (active_isa()) {
        case Isa::avx512: tile = cpu::avx512::attention_tile; break;
        case Isa::avx2: tile = cpu::avx2::attention_tile; break;
        case Isa::scalar: break;
    }

    // Tiles of up to kAttentionMaxRows rows; smaller when that would leave threads idle (decode with
    // few KV heads). Results do not depend on the tile size.
    const int nth = pool.size();
    const int64_t rows_per_kv = n_tokens * (p.n_head / p.n_head_kv);
    int64_t tile_rows = kAttentionMaxRows;
    while (tile_rows > 1 && p.n_head_kv * ((rows_per_kv + tile_rows - 1) / tile_rows) < 2 * nth) --tile_rows;
    const int64_t tiles_per_kv = (rows_per_kv + tile_rows - 1) / tile_rows;
    const int64_t n_tiles = p.n_head_kv * tiles_per_kv;

    const int64_t per_thread = attention_scratch_floats(n_kv);
    std::vector<float> scratch(static_cast<size_t>(per_thread * std::min<int64_t>(nth, n_tiles)));
    std::atomic<int64_t> next{0};
    pool.run([&](int ith, int) {
        if (ith >= n_tiles) return;
        float* s = scratch.data() + ith * per_thread;
        for (;;) {
            const int64_t i = next.fetch_add(1, std::memory_order_relaxed);
            if (i >= n_tiles) break;
            const int64_t g = i / tiles_per_kv;
            const int64_t r0 = (i % tiles_per_kv) * tile_rows;
            tile(a, g, r0, std::min(tile_rows, rows_per_kv - r0), s);
        }
    });
}

}  // namespace tessera::ops
