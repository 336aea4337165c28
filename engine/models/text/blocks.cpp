#include "engine/models/text/blocks.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tessera::blocks {

AttentionWeights load_attention(WeightLoader& wl, int il, const AttentionConfig& c) {
    auto name = [&](const char* s) { return WeightLoader::layer_name(il, s); };
    const int64_t q_width = c.n_head * c.head_dim_k, k_width = c.n_head_kv * c.head_dim_k,
                  v_width = c.n_head_kv * c.head_dim_v;
    AttentionWeights w;
    w.wq = wl.require(name("attn_q.weight"), {c.n_embd, q_width});
    w.wk = wl.require(name("attn_k.weight"), {c.n_embd, k_width});
    w.wv = wl.require(name("attn_v.weight"), {c.n_embd, v_width});
    w.wo = wl.require(name("attn_output.weight"), {c.n_head * c.head_dim_v, c.n_embd});
    w.bq = wl.optional_f32(name("attn_q.bias"), q_width);
    w.bk = wl.optional_f32(name("attn_k.bias"), k_width);
    w.bv = wl.optional_f32(name("attn_v.bias"), v_width);
    w.bo = wl.optional_f32(name("attn_output.bias"), c.n_embd);
    w.q_norm = wl.optional_f32(name("attn_q_norm.weight"), c.head_dim_k);
    w.k_norm = wl.optional_f32(name("attn_k_norm.weight"), c.head_dim_k);
    return w;
}

BatchPositions resolve_positions(const DecoderBatch& b, bool mrope) {
    BatchPositions bp;
    bp.n = b.n_tokens;
    bp.row0 = b.row0;
    bp.bidirectional = b.bidirectional;
    bp.pos.resize(static_cast<size_t>(b.n_tokens));
    bp.rows.resize(static_cast<size_t>(b.n_tokens));
    for (int64_t i = 0; i < b.n_tokens; ++i) {
        bp.pos[i] = b.position(i);
        bp.rows[i] = static_cast<int32_t>(b.row0 + i);
    }
    if (mrope) {
        if (b.mrope_pos) {
            bp.mrope.assign(b.mrope_pos, b.mrope_pos + 4 * b.n_tokens);
        } else {
            // ref: llama.cpp llm_graph_input_pos::set_input: text tokens get t = y = x = pos, z = 0
            bp.mrope.assign(static_cast<size_t>(4 * b.n_tokens), 0);
            for (int s = 0; s < 3; ++s) std::copy(bp.pos.begin(), bp.pos.end(), bp.mrope.begin() + s * b.n_tokens);
        }
    }
    return bp;
}

void input_embeddings(const DecoderBatch& b, const Tensor& token_embd, int64_t n_embd, float* x) {
    if (b.tokens) ops::get_rows(token_embd, b.tokens, b.n_tokens, x);
    else std::copy(b.embd, b.embd + b.n_tokens * n_embd, x);
}

void attention_forward(const AttentionWeights& w, const AttentionConfig& c, const float* x, const BatchPositions& bp,
                       float* k_cache, float* v_cache, ForwardContext& ctx, float* out) {
    const int64_t n = bp.n;
    const int64_t q_width = c.n_head * c.head_dim_k, k_width = c.n_head_kv * c.head_dim_k,
                  v_width = c.n_head_kv * c.head_dim_v;
    const int64_t row0 = bp.row0;  // cache row of the first new token
    float* q = ctx.scratch.get(kSlotQ, static_cast<size_t>(n * q_width));  // (n, n_head, head_dim_k)
    float* k = k_cache + row0 * k_width;                                    // (n, n_head_kv, head_dim_k)
    float* v = v_cache + row0 * v_width;                                    // (n, n_head_kv, head_dim_v)

    ops::matmul(w.wq, x, n, q, ctx.pool);
    ops::matmul(w.wk, x, n, k, ctx.pool);
    ops::matmul(w.wv, x, n, v, ctx.pool);
    if (w.bq) ops::add_row(q, w.bq, n, q_width, q);
    if (w.bk) ops::add_row(k, w.bk, n, k_width, k);
    if (w.bv) ops::add_row(v, w.bv, n, v_width, v);
    if (w.q_norm) ops::rms_norm(q, w.q_norm, n * c.n_head, c.head_dim_k, c.norm_eps, q);
    if (w.k_norm) ops::rms_norm(k, w.k_norm, n * c.n_head_kv, c.head_dim_k, c.norm_eps, k);
    if (c.mrope) {
        ops::rope_multi(q, n, c.n_head, q_width, c.head_dim_k, bp.mrope.data(), c.mrope_sections,
                        ops::RopeMultiMode::mrope, c.rope);
        ops::rope_multi(k, n, c.n_head_kv, k_width, c.head_dim_k, bp.mrope.data(), c.mrope_sections,
                        ops::RopeMultiMode::mrope, c.rope);
    } else {
        ops::rope(q, n, c.n_head, q_width, c.head_dim_k, bp.pos.data(), c.rope);
        ops::rope(k, n, c.n_head_kv, k_width, c.head_dim_k, bp.pos.data(), c.rope);
    }

    ops::AttentionParams p;
    p.n_head = c.n_head;
    p.n_head_kv = c.n_head_kv;
    p.head_dim_k = c.head_dim_k;
    p.head_dim_v = c.head_dim_v;
    p.scale = c.scale;
    p.causal = true;
    if (bp.bidirectional) {
        p.bidir_begin = row0;
        p.bidir_end = row0 + n;
    }
    p.sliding_window = c.sliding_window;
    float* attn = ctx.scratch.get(kSlotAttnOut, static_cast<size_t>(n * c.n_head * c.head_dim_v));
    ops::attention(q, q_width, k_cache, v_cache, bp.rows.data(), n, row0 + n, p, attn, ctx.pool);
    ops::matmul(w.wo, attn, n, out, ctx.pool);
    if (w.bo) ops::add_row(out, w.bo, n, c.n_embd, out);
}

FfnWeights load_ffn(WeightLoader& wl, const std::string& prefix, int64_t n_embd, int64_t n_ff) {
    FfnWeights w;
    w.gate = wl.require(prefix + "ffn_gate.weight", {n_embd, n_ff});
    w.up = wl.require(prefix + "ffn_up.weight", {n_embd, n_ff});
    w.down = wl.require(prefix + "ffn_down.weight", {n_ff, n_embd});
    return w;
}

void ffn_forward(const FfnWeights& w, FfnActivation act, const float* x, int64_t n, ForwardContext& ctx, float* out) {
    const int64_t n_ff = w.gate.ne[1];
    float* gate = ctx.scratch.get(kSlotGate, static_cast<size_t>(n * n_ff));  // (n, n_ff)
    float* up = ctx.scratch.get(kSlotUp, static_cast<size_t>(n * n_ff));      // (n, n_ff)
    ops::matmul(w.gate, x, n, gate, ctx.pool);
    ops::matmul(w.up, x, n, up, ctx.pool);
    if (act == FfnActivation::silu) ops::swiglu(gate, up, n * n_ff, gate);
    else ops::geglu(gate, up, n * n_ff, gate);
    ops::matmul(w.down, gate, n, out, ctx.pool);
}

MoeWeights load_moe(WeightLoader& wl, int il, int64_t n_embd, int64_t n_ff_exp, int64_t n_expert, int64_t n_used) {
    auto name = [&](const char* s) { return WeightLoader::layer_name(il, s); };
    MoeWeights w;
    w.router = wl.require(name("ffn_gate_inp.weight"), {n_embd, n_expert});
    w.gate_exps = wl.require(name("ffn_gate_exps.weight"), {n_embd, n_ff_exp, n_expert});
    w.up_exps = wl.require(name("ffn_up_exps.weight"), {n_embd, n_ff_exp, n_expert});
    w.down_exps = wl.require(name("ffn_down_exps.weight"), {n_ff_exp, n_embd, n_expert});
    w.selection_bias = wl.optional_f32(name("exp_probs_b.bias"), n_expert);
    w.n_expert = n_expert;
    w.n_used = n_used;
    return w;
}

// ref: llama.cpp llm_graph_context::build_moe_ffn (probabilities, top-k selection, weight normalisation)
void moe_forward(const MoeWeights& w, const float* x, int64_t n, int64_t n_embd, ForwardContext& ctx, float* out) {
    const int64_t n_expert = w.n_expert, n_used = w.n_used, n_ff = w.gate_exps.ne[1];
    float* probs = ctx.scratch.get(kSlotRouter, static_cast<size_t>(n * n_expert));  // (n, n_expert)
    ops::matmul(w.router, x, n, probs, ctx.pool);

    std::vector<int32_t> chosen(static_cast<size_t>(n * n_used));  // (n, n_used)
    std::vector<float> weights(static_cast<size_t>(n * n_used));   // (n, n_used)
    std::vector<float> select(static_cast<size_t>(n_expert));
    for (int64_t t = 0; t < n; ++t) {
        float* p = probs + t * n_expert;
        if (w.gating == MoeGating::softmax) {
            ops::softmax(p, 1, n_expert);
        } else {
            for (int64_t e = 0; e < n_expert; ++e) p[e] = 1.0f / (1.0f + std::exp(-p[e]));
        }
        for (int64_t e = 0; e < n_expert; ++e) select[e] = p[e] + (w.selection_bias ? w.selection_bias[e] : 0.0f);
        int32_t* idx = chosen.data() + t * n_used;
        ops::top_k(select.data(), n_expert, n_used, idx);
        float sum = 0;
        for (int64_t k = 0; k < n_used; ++k) sum += p[idx[k]];
        sum = std::max(sum, 6.103515625e-5f);  // as llama.cpp clamps the normaliser
        for (int64_t k = 0; k < n_used; ++k) {
            float wk = p[idx[k]];
            if (w.normalize_weights) wk /= sum;
            weights[t * n_used + k] = wk * w.weights_scale;
        }
    }

    std::fill(out, out + n * n_embd, 0.0f);
    std::vector<int64_t> rows;  // (token, slot) pairs routed to the current expert
    for (int64_t e = 0; e < n_expert; ++e) {
        rows.clear();
        for (int64_t i = 0; i < n * n_used; ++i)
            if (chosen[i] == e) rows.push_back(i);
        if (rows.empty()) continue;
        const int64_t m = static_cast<int64_t>(rows.size());
        float* xe = ctx.scratch.get(kSlotMoeX, static_cast<size_t>(m * n_embd));    // (m, n_embd)
        float* ge = ctx.scratch.get(kSlotMoeGate, static_cast<size_t>(m * n_ff));   // (m, n_ff)
        float* ue = ctx.scratch.get(kSlotMoeUp, static_cast<size_t>(m * n_ff));     // (m, n_ff)
        float* ye = ctx.scratch.get(kSlotMoeOut, static_cast<size_t>(m * n_embd));  // (m, n_embd)
        for (int64_t r = 0; r < m; ++r) {
            const int64_t t = rows[r] / n_used;
            std::copy(x + t * n_embd, x + (t + 1) * n_embd, xe + r * n_embd);
        }
        ops::matmul(w.gate_exps.expert(e), xe, m, ge, ctx.pool);
        ops::matmul(w.up_exps.expert(e), xe, m, ue, ctx.pool);
        ops::swiglu(ge, ue, m * n_ff, ge);
        ops::matmul(w.down_exps.expert(e), ge, m, ye, ctx.pool);
        for (int64_t r = 0; r < m; ++r) {
            const int64_t t = rows[r] / n_used;
            const float wt = weights[rows[r]];
            float* o = out + t * n_embd;
            const float* y = ye + r * n_embd;
            for (int64_t i = 0; i < n_embd; ++i) o[i] += wt * y[i];
        }
    }
}

void output_logits(const Tensor& output, const float* norm_w, float eps, const float* x, int64_t n, int64_t n_embd,
                   LogitsMode mode, ForwardContext& ctx, float* logits) {
    if (mode == LogitsMode::none || !logits) return;
    const int64_t rows = mode == LogitsMode::all ? n : 1;
    const float* src = mode == LogitsMode::all ? x : x + (n - 1) * n_embd;
    float* normed = ctx.scratch.get(kSlotTmp, static_cast<size_t>(rows * n_embd));  // (rows, n_embd)
    ops::rms_norm(src, norm_w, rows, n_embd, eps, normed);
    ops::matmul(output, normed, rows, logits, ctx.pool);
}

Result<TextHParams> read_common_hparams(const GgufFile& f, const std::string& arch) {
    TextHParams h;
    h.arch = arch;
    auto key = [&](const char* s) { return arch + "." + s; };
    TS_ASSIGN_OR_RETURN(h.n_embd, f.get_int(key("embedding_length")));
    TS_ASSIGN_OR_RETURN(h.n_layer, f.get_int(key("block_count")));
    TS_ASSIGN_OR_RETURN(h.n_head, f.get_int(key("attention.head_count")));
    h.n_head_kv = f.get_int_or(key("attention.head_count_kv"), h.n_head);
    h.n_ctx_train = f.get_int_or(key("context_length"), 2048);
    h.n_ff = f.get_int_or(key("feed_forward_length"), 0);
    auto bad = [&](const std::string& what) {
        return make_error(ErrorCode::format_error, f.path() + ": " + what);
    };
    if (h.n_embd <= 0 || h.n_embd > (1 << 20)) return bad(key("embedding_length") + " = " + std::to_string(h.n_embd) + " is out of range");
    if (h.n_layer <= 0 || h.n_layer > 4096) return bad(key("block_count") + " = " + std::to_string(h.n_layer) + " is out of range");
    if (h.n_head <= 0 || h.n_head > 4096) return bad(key("attention.head_count") + " = " + std::to_string(h.n_head) + " is out of range");
    if (h.n_head_kv <= 0 || h.n_head % h.n_head_kv != 0)
        return bad(key("attention.head_count_kv") + " = " + std::to_string(h.n_head_kv) + " must divide head_count " +
                   std::to_string(h.n_head));
    h.head_dim_k = f.get_int_or(key("attention.key_length"), h.n_embd / h.n_head);
    h.head_dim_v = f.get_int_or(key("attention.value_length"), h.head_dim_k);
    if (h.head_dim_k <= 0 || h.head_dim_v <= 0) return bad("attention key/value length must be positive");
    h.norm_eps = static_cast<float>(f.get_float_or(key("attention.layer_norm_rms_epsilon"),
                                                   f.get_float_or(key("attention.layer_norm_epsilon"), 1e-5)));

    h.n_vocab = f.get_int_or(key("vocab_size"), 0);
    if (h.n_vocab <= 0) {
        if (const Tensor* emb = f.find_tensor("token_embd.weight")) h.n_vocab = emb->ne[1];
    }
    if (h.n_vocab <= 0) return bad("cannot determine the vocabulary size (no vocab_size, no token_embd.weight)");

    ops::RopeParams& r = h.rope;
    r.n_rot = static_cast<int>(f.get_int_or(key("rope.dimension_count"), h.head_dim_k));
    r.freq_base = static_cast<float>(f.get_float_or(key("rope.freq_base"), 10000.0));
    const std::string scaling = f.get_string_or(key("rope.scaling.type"), "none");
    const double factor = f.get_float_or(key("rope.scaling.factor"), 0.0);
    if (scaling == "linear" || scaling == "yarn") {
        if (factor > 0) r.freq_scale = static_cast<float>(1.0 / factor);
    } else if (scaling != "none" && !scaling.empty()) {
        return make_error(ErrorCode::unsupported, f.path() + ": rope scaling type '" + scaling + "' is not supported");
    }
    r.n_ctx_orig = static_cast<int>(f.get_int_or(key("rope.scaling.original_context_length"), h.n_ctx_train));
    if (scaling == "yarn") {
        r.ext_factor = 1.0f;
        r.attn_factor = static_cast<float>(f.get_float_or(key("rope.scaling.attn_factor"), 1.0));
        r.beta_fast = static_cast<float>(f.get_float_or(key("rope.scaling.yarn_beta_fast"), 32.0));
        r.beta_slow = static_cast<float>(f.get_float_or(key("rope.scaling.yarn_beta_slow"), 1.0));
    }
    if (r.n_rot <= 0 || r.n_rot > h.head_dim_k || r.n_rot % 2 != 0)
        return bad(key("rope.dimension_count") + " = " + std::to_string(r.n_rot) + " is invalid for head size " +
                   std::to_string(h.head_dim_k));
    if (f.has(key("rope.dimension_sections"))) {
        TS_ASSIGN_OR_RETURN(std::vector<int64_t> sections, f.get_int_array(key("rope.dimension_sections")));
        if (sections.size() < 3 || sections.size() > 4)
            return bad(key("rope.dimension_sections") + " must have 3 or 4 entries, found " +
                       std::to_string(sections.size()));
        int64_t total = 0;
        for (size_t i = 0; i < sections.size(); ++i) {
            if (sections[i] < 0 || sections[i] > r.n_rot) return bad(key("rope.dimension_sections") + " has an invalid entry");
            h.rope_sections[i] = static_cast<int>(sections[i]);
            total += sections[i];
        }
        if (total <= 0 || total > r.n_rot / 2)
            return bad(key("rope.dimension_sections") + " sum " + std::to_string(total) + " must be in 1.." +
                       std::to_string(r.n_rot / 2) + " (rotary pairs)");
    }
    return h;
}

}  // namespace tessera::blocks
