// BERT as llama.cpp builds it (post-LN, learned absolute positions, token types, GELU FFN with biases,
// non-causal attention). ref: llama.cpp d32676d7 src/models/bert.cpp (LLM_ARCH_BERT path),
// src/llama-model.cpp (LLM_ARCH_BERT hparams and tensors):
//
//   x = LN_embd(token_embd[id] + token_types[0] + position_embd[pos])          (pos restarts per sequence)
//   per layer:  a = attn_output(softmax(q kᵀ / sqrt(head_dim)) v)               (q, k, v with biases)
//               x = LN_attn(x + a)                                              (attn_output_norm)
//               f = ffn_down(gelu(ffn_up x + b_up)) + b_down                    (ggml's fp16-table GELU)
//               x = LN_out(x + f)                                               (layer_output_norm)
// Pooling and normalisation are the Embedder's (embedder.cpp).
#include "engine/models/embedding/bert.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/gguf/gguf.h"
#include "engine/ops/ops.h"
#include "engine/runtime/weight_loader.h"

namespace tessera {
namespace {

struct BertLayer {
    Tensor wq, wk, wv;  // ne [n_embd, n_embd]
    Tensor wo;          // ne [n_embd, n_embd]
    const float* bq = nullptr;  // (n_embd)
    const float* bk = nullptr;
    const float* bv = nullptr;
    const float* bo = nullptr;
    const float* attn_norm_w = nullptr;  // (n_embd) attn_output_norm
    const float* attn_norm_b = nullptr;
    Tensor ffn_up;    // ne [n_embd, n_ff]
    Tensor ffn_down;  // ne [n_ff, n_embd]
    const float* b_up = nullptr;    // (n_ff)
    const float* b_down = nullptr;  // (n_embd)
    const float* out_norm_w = nullptr;  // (n_embd) layer_output_norm
    const float* out_norm_b = nullptr;
};

class BertModel final : public EmbeddingModel {
public:
    static Result<std::unique_ptr<EmbeddingModel>> load(const GgufFile& file);

    Status encode(const int32_t* ids, const int64_t* seq_lens, int64_t n_seqs, float* states, ThreadPool& pool,
                  const std::atomic<bool>* cancel) const override;

private:
    Tensor token_embd_;     // ne [n_embd, n_vocab] (F16 in most files)
    Tensor token_types_;    // ne [n_embd, n_token_types]
    Tensor position_embd_;  // ne [n_embd, n_ctx]
    const float* embd_norm_w_ = nullptr;  // (n_embd)
    const float* embd_norm_b_ = nullptr;
    std::vector<BertLayer> layers_;
};

Result<std::unique_ptr<EmbeddingModel>> BertModel::load(const GgufFile& file) {
    auto model = std::unique_ptr<BertModel>(new BertModel());
    EmbeddingHParams& hp = model->hparams_;
    hp.arch = file.get_string_or("general.architecture", "");
    const std::string a = hp.arch;
    TS_ASSIGN_OR_RETURN(hp.n_embd, file.get_int(a + ".embedding_length"));
    TS_ASSIGN_OR_RETURN(hp.n_layer, file.get_int(a + ".block_count"));
    TS_ASSIGN_OR_RETURN(hp.n_head, file.get_int(a + ".attention.head_count"));
    TS_ASSIGN_OR_RETURN(hp.n_ff, file.get_int(a + ".feed_forward_length"));
    TS_ASSIGN_OR_RETURN(hp.n_ctx, file.get_int(a + ".context_length"));
    hp.norm_eps = static_cast<float>(file.get_float_or(a + ".attention.layer_norm_epsilon", 1e-12));
    const int64_t pooling = file.get_int_or(a + ".pooling_type", 1);
    if (pooling < 0 || pooling > 3) {
        return make_error(ErrorCode::unsupported, file.path() + ": " + a + ".pooling_type " + std::to_string(pooling) +
                                                      " is not supported (none 0, mean 1, cls 2, last 3)");
    }
    hp.pooling = static_cast<PoolingType>(pooling);
    if (file.get_bool_or(a + ".attention.causal", false)) {
        return make_error(ErrorCode::unsupported, file.path() + ": causal BERT encoders are not supported");
    }
    auto bad = [&](const char* what, int64_t v) {
        return make_error(ErrorCode::format_error, file.path() + ": " + a + " " + what + " = " + std::to_string(v) +
                                                       " is out of range");
    };
    if (hp.n_embd <= 0 || hp.n_embd > (1 << 16)) return bad("embedding_length", hp.n_embd);
    if (hp.n_layer <= 0 || hp.n_layer > 1024) return bad("block_count", hp.n_layer);
    if (hp.n_head <= 0 || hp.n_embd % hp.n_head != 0) return bad("attention.head_count", hp.n_head);
    if (hp.n_ff <= 0 || hp.n_ff > (1 << 20)) return bad("feed_forward_length", hp.n_ff);
    if (hp.n_ctx <= 0 || hp.n_ctx > (1 << 20)) return bad("context_length", hp.n_ctx);
    if (!(hp.norm_eps > 0.0f) || hp.norm_eps > 1.0f) {
        return make_error(ErrorCode::format_error, file.path() + ": layer_norm_epsilon out of range");
    }
    hp.head_dim = hp.n_embd / hp.n_head;

    const Tensor* te = file.find_tensor("token_embd.weight");
    if (!te) return make_error(ErrorCode::format_error, file.path() + ": required tensor 'token_embd.weight' is missing");
    hp.n_vocab = te->ne[1];
    const Tensor* tt = file.find_tensor("token_types.weight");
    hp.n_token_types = tt ? tt->ne[1] : 0;

    const int64_t E = hp.n_embd, F = hp.n_ff;
    WeightLoader wl(file);
    model->token_embd_ = wl.require("token_embd.weight", {E, hp.n_vocab});
    if (hp.n_token_types > 0) model->token_types_ = wl.require("token_types.weight", {E, hp.n_token_types});
    model->position_embd_ = wl.require("position_embd.weight", {E, hp.n_ctx});
    model->embd_norm_w_ = wl.require_f32("token_embd_norm.weight", E);
    model->embd_norm_b_ = wl.require_f32("token_embd_norm.bias", E);
    model->layers_.resize(static_cast<size_t>(hp.n_layer));
    for (int il = 0; il < hp.n_layer; ++il) {
        auto name = [&](const char* s) { return WeightLoader::layer_name(il, s); };
        BertLayer& l = model->layers_[static_cast<size_t>(il)];
        l.wq = wl.require(name("attn_q.weight"), {E, E});
        l.wk = wl.require(name("attn_k.weight"), {E, E});
        l.wv = wl.require(name("attn_v.weight"), {E, E});
        l.wo = wl.require(name("attn_output.weight"), {E, E});
        l.bq = wl.require_f32(name("attn_q.bias"), E);
        l.bk = wl.require_f32(name("attn_k.bias"), E);
        l.bv = wl.require_f32(name("attn_v.bias"), E);
        l.bo = wl.require_f32(name("attn_output.bias"), E);
        l.attn_norm_w = wl.require_f32(name("attn_output_norm.weight"), E);
        l.attn_norm_b = wl.require_f32(name("attn_output_norm.bias"), E);
        l.ffn_up = wl.require(name("ffn_up.weight"), {E, F});
        l.b_up = wl.require_f32(name("ffn_up.bias"), F);
        l.ffn_down = wl.require(name("ffn_down.weight"), {F, E});
        l.b_down = wl.require_f32(name("ffn_down.bias"), E);
        l.out_norm_w = wl.require_f32(name("layer_output_norm.weight"), E);
        l.out_norm_b = wl.require_f32(name("layer_output_norm.bias"), E);
    }
    TS_RETURN_IF_ERROR(wl.status());
    return std::unique_ptr<EmbeddingModel>(std::move(model));
}

Status BertModel::encode(const int32_t* ids, const int64_t* seq_lens, int64_t n_seqs, float* x, ThreadPool& pool,
                         const std::atomic<bool>* cancel) const {
    const EmbeddingHParams& hp = hparams_;
    const int64_t E = hp.n_embd, F = hp.n_ff;
    int64_t n = 0;  // tokens in the batch
    for (int64_t s = 0; s < n_seqs; ++s) n += seq_lens[s];
    if (n == 0) return Status::ok();

    // Positions restart at 0 in every sequence.
    std::vector<int32_t> pos(static_cast<size_t>(n));  // (n)
    for (int64_t s = 0, t = 0; s < n_seqs; ++s)
        for (int64_t i = 0; i < seq_lens[s]; ++i) pos[static_cast<size_t>(t++)] = static_cast<int32_t>(i);

    // Embeddings: token + type 0 + position, then LayerNorm.
    std::vector<float> tmp(static_cast<size_t>(n * E));  // (n, n_embd)
    ops::get_rows(token_embd_, ids, n, x);
    if (token_types_.valid()) {
        const int32_t type0 = 0;
        std::vector<float> type_row(static_cast<size_t>(E));
        ops::get_rows(token_types_, &type0, 1, type_row.data());
        ops::add_row(x, type_row.data(), n, E, x);
    }
    ops::get_rows(position_embd_, pos.data(), n, tmp.data());
    ops::add(x, tmp.data(), n * E, x);
    ops::layer_norm(x, embd_norm_w_, embd_norm_b_, n, E, hp.norm_eps, x);

    std::vector<float> q(static_cast<size_t>(n * E)), k(static_cast<size_t>(n * E)), v(static_cast<size_t>(n * E));
    std::vector<float> attn(static_cast<size_t>(n * E));  // (n, n_head * head_dim)
    std::vector<float> up(static_cast<size_t>(n * F));    // (n, n_ff)

    ops::AttentionParams ap;
    ap.n_head = hp.n_head;
    ap.n_head_kv = hp.n_head;
    ap.head_dim_k = hp.head_dim;
    ap.head_dim_v = hp.head_dim;
    ap.scale = 1.0f / std::sqrt(static_cast<float>(hp.head_dim));
    ap.causal = false;

    for (const BertLayer& l : layers_) {
        if (cancel && cancel->load(std::memory_order_relaxed)) return make_error(ErrorCode::cancelled, "embedding cancelled");
        ops::matmul(l.wq, x, n, q.data(), pool);
        ops::matmul(l.wk, x, n, k.data(), pool);
        ops::matmul(l.wv, x, n, v.data(), pool);
        ops::add_row(q.data(), l.bq, n, E, q.data());
        ops::add_row(k.data(), l.bk, n, E, k.data());
        ops::add_row(v.data(), l.bv, n, E, v.data());
        // Attention inside each sequence: its rows of q/k/v are contiguous (n_s, n_head, head_dim).
        for (int64_t s = 0, t0 = 0; s < n_seqs; t0 += seq_lens[s], ++s) {
            const int64_t len = seq_lens[s];
            ops::attention(q.data() + t0 * E, E, k.data() + t0 * E, v.data() + t0 * E, pos.data() + t0, len, len, ap,
                           attn.data() + t0 * E, pool);
        }
        ops::matmul(l.wo, attn.data(), n, tmp.data(), pool);
        ops::add_row(tmp.data(), l.bo, n, E, tmp.data());
        ops::add(x, tmp.data(), n * E, x);
        ops::layer_norm(x, l.attn_norm_w, l.attn_norm_b, n, E, hp.norm_eps, x);

        ops::matmul(l.ffn_up, x, n, up.data(), pool);
        ops::add_row(up.data(), l.b_up, n, F, up.data());
        ops::gelu_tanh(up.data(), n * F, up.data());
        ops::matmul(l.ffn_down, up.data(), n, tmp.data(), pool);
        ops::add_row(tmp.data(), l.b_down, n, E, tmp.data());
        ops::add(x, tmp.data(), n * E, x);
        ops::layer_norm(x, l.out_norm_w, l.out_norm_b, n, E, hp.norm_eps, x);
    }
    return Status::ok();
}

}  // namespace

Result<std::unique_ptr<EmbeddingModel>> load_bert(const GgufFile& file) { return BertModel::load(file); }

}  // namespace tessera
