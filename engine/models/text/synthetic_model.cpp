#include "engine/models/text/synthetic_model.h"

#include <cmath>
#include <cstring>
#include <random>

#include "engine/gguf/gguf_writer.h"
#include "engine/kernels/ref/quants.h"

namespace tessera {
namespace {

struct Preset {
    const char* name;
    SyntheticModelSpec spec;
};

SyntheticModelSpec make(const char* arch, int64_t vocab, int64_t ctx, int64_t embd, int64_t layers, int64_t heads,
                        int64_t kv_heads, int64_t ff, float base, float eps) {
    SyntheticModelSpec s;
    s.arch = arch;
    s.n_vocab = vocab;
    s.n_ctx_train = ctx;
    s.n_embd = embd;
    s.n_layer = layers;
    s.n_head = heads;
    s.n_head_kv = kv_heads;
    s.head_dim = embd / heads;
    s.n_ff = ff;
    s.rope_freq_base = base;
    s.rms_eps = eps;
    s.tied_embeddings = true;
    return s;
}

// Shapes from the models' config.json (HF): hidden size, layers, heads, KV heads, intermediate size.
const Preset kPresets[] = {
    {"smollm2-135m", make("llama", 49152, 8192, 576, 30, 9, 3, 1536, 100000.0f, 1e-5f)},
    {"qwen2.5-0.5b", make("qwen2", 151936, 32768, 896, 24, 14, 2, 4864, 1000000.0f, 1e-6f)},
    {"llama3.2-1b", make("llama", 128256, 131072, 2048, 16, 32, 8, 8192, 500000.0f, 1e-5f)},
};

// llama-quantize's fallback when a row length is not a multiple of 256 (llama-quant.cpp).
DType fallback(DType t, int64_t row) {
    if (row % 256 == 0) return t;
    switch (t) {
        case DType::Q4_K: return DType::Q5_0;
        case DType::Q5_K: return DType::Q5_1;
        case DType::Q6_K: return DType::Q8_0;
        default: return t;
    }
}

// llama-quantize's use_more_bits: layers that get the larger type in *_M mixes.
bool use_more_bits(int64_t i, int64_t n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

Result<DType> type_for(const std::string& wt, const std::string& name, int64_t layer, int64_t n_layer, int64_t row) {
    DType t;
    if (wt == "f32") t = DType::F32;
    else if (wt == "f16") t = DType::F16;
    else if (wt == "q8_0") t = DType::Q8_0;
    else if (wt == "q4_0") t = name == "output.weight" ? DType::Q6_K : DType::Q4_0;
    else if (wt == "q6_k") t = DType::Q6_K;
    else if (wt == "q4_k_m") {
        t = DType::Q4_K;
        if (name == "output.weight") t = DType::Q6_K;
        const bool more = layer >= 0 && use_more_bits(layer, n_layer);
        if (more && (name.find("attn_v.weight") != std::string::npos || name.find("ffn_down.weight") != std::string::npos))
            t = DType::Q6_K;
    } else {
        return make_error(ErrorCode::invalid_argument, "unknown weight type '" + wt + "' (f32, f16, q8_0, q4_0, q4_k_m, q6_k)");
    }
    return fallback(t, row);
}

class Generator {
public:
    Generator(const SyntheticModelSpec& s, GgufWriter& w) : spec_(s), w_(w), rng_(s.seed) {}

    Status matrix(const std::string& name, int64_t n_in, int64_t n_out, int64_t layer, float stddev) {
        // Tied embeddings double as the output projection, which llama-quantize keeps at higher precision.
        const std::string role = name == "token_embd.weight" && spec_.tied_embeddings ? "output.weight" : name;
        TS_ASSIGN_OR_RETURN(DType t, type_for(spec_.weight_type, role, layer, spec_.n_layer, n_in));
        std::vector<float> v(static_cast<size_t>(n_in * n_out));
        std::normal_distribution<float> dist(0.0f, stddev);
        for (auto& x : v) x = dist(rng_);
        TS_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ref::quantize_tensor(t, v.data(), n_out, n_in));
        return w_.add_tensor(name, t, {n_in, n_out}, std::move(bytes));
    }

    Status vector(const std::string& name, int64_t n, float mean, float stddev) {
        std::vector<float> v(static_cast<size_t>(n));
        std::normal_distribution<float> dist(mean, stddev);
        for (auto& x : v) x = dist(rng_);
        return w_.add_tensor_f32(name, {n}, v);
    }

private:
    const SyntheticModelSpec& spec_;
    GgufWriter& w_;
    std::mt19937_64 rng_;
};

void write_tokenizer(GgufWriter& w, int64_t n_vocab) {
    // SentencePiece layout like llama2's: <unk> <s> </s>, 256 byte tokens, then pieces.
    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;
    tokens.reserve(static_cast<size_t>(n_vocab));
    tokens = {"<unk>", "<s>", "</s>"};
    scores = {0, 0, 0};
    types = {2, 3, 3};
    char buf[16];
    for (int b = 0; b < 256 && static_cast<int64_t>(tokens.size()) < n_vocab; ++b) {
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        tokens.emplace_back(buf);
        scores.push_back(0);
        types.push_back(6);
    }
    const char* letters = "abcdefghijklmnopqrstuvwxyz";
    for (int64_t i = 0; static_cast<int64_t>(tokens.size()) < n_vocab; ++i) {
        std::string piece = "\xE2\x96\x81";  // ▁
        int64_t k = i;
        do {
            piece += letters[k % 26];
            k /= 26;
        } while (k > 0);
        tokens.push_back(piece);
        scores.push_back(-static_cast<float>(i));
        types.push_back(1);
    }
    w.set_string("tokenizer.ggml.model", "llama");
    w.set("tokenizer.ggml.tokens", GgufValue::make_string_array(tokens));
    w.set("tokenizer.ggml.scores", GgufValue::make_f32_array(scores));
    w.set("tokenizer.ggml.token_type", GgufValue::make_i32_array(types));
    w.set_u32("tokenizer.ggml.bos_token_id", 1);
    w.set_u32("tokenizer.ggml.eos_token_id", 2);
    w.set_u32("tokenizer.ggml.unknown_token_id", 0);
    w.set_bool("tokenizer.ggml.add_bos_token", true);
}

}  // namespace

std::vector<std::string> synthetic_preset_names() {
    std::vector<std::string> v;
    for (const auto& p : kPresets) v.emplace_back(p.name);
    return v;
}

Result<SyntheticModelSpec> synthetic_preset(const std::string& preset) {
    for (const auto& p : kPresets)
        if (preset == p.name) return p.spec;
    std::string list;
    for (const auto& p : kPresets) list += std::string(list.empty() ? "" : ", ") + p.name;
    return make_error(ErrorCode::invalid_argument, "unknown preset '" + preset + "' (known: " + list + ")");
}

Status write_synthetic_text_model(const SyntheticModelSpec& s, const std::string& path) {
    const std::string& a = s.arch;
    if (a != "llama" && a != "qwen2" && a != "qwen3" && a != "gemma3")
        return make_error(ErrorCode::invalid_argument, "gen-model: unknown architecture '" + a + "' (llama, qwen2, qwen3, gemma3)");
    if (s.n_embd <= 0 || s.n_layer <= 0 || s.n_head <= 0 || s.n_head_kv <= 0 || s.n_head % s.n_head_kv != 0 ||
        s.head_dim <= 0 || s.head_dim % 2 != 0 || s.n_vocab < 259 || s.n_ff <= 0)
        return make_error(ErrorCode::invalid_argument, "gen-model: inconsistent model shape");
    GgufWriter w;
    w.set_string("general.architecture", a);
    w.set_string("general.name", "tessera-synthetic-" + a);
    w.set_string("general.description", "random weights (seed " + std::to_string(s.seed) + ") written by tessera gen-model");
    w.set_u32(a + ".context_length", static_cast<uint32_t>(s.n_ctx_train));
    w.set_u32(a + ".embedding_length", static_cast<uint32_t>(s.n_embd));
    w.set_u32(a + ".block_count", static_cast<uint32_t>(s.n_layer));
    w.set_u32(a + ".feed_forward_length", static_cast<uint32_t>(s.n_ff));
    w.set_u32(a + ".attention.head_count", static_cast<uint32_t>(s.n_head));
    w.set_u32(a + ".attention.head_count_kv", static_cast<uint32_t>(s.n_head_kv));
    w.set_u32(a + ".attention.key_length", static_cast<uint32_t>(s.head_dim));
    w.set_u32(a + ".attention.value_length", static_cast<uint32_t>(s.head_dim));
    w.set_f32(a + ".rope.freq_base", s.rope_freq_base);
    w.set_f32(a + ".attention.layer_norm_rms_epsilon", s.rms_eps);
    w.set_u32(a + ".vocab_size", static_cast<uint32_t>(s.n_vocab));
    if (a == "gemma3") {
        w.set_u32("gemma3.attention.sliding_window", 512);
        w.set_u32("gemma3.attention.sliding_window_pattern", 6);
        w.set_f32("gemma3.rope.freq_base_swa", 10000.0f);
    }
    write_tokenizer(w, s.n_vocab);

    Generator g(s, w);
    const float lin = 0.02f;
    const int64_t q_width = s.n_head * s.head_dim, kv_width = s.n_head_kv * s.head_dim;
    TS_RETURN_IF_ERROR(g.matrix("token_embd.weight", s.n_embd, s.n_vocab, -1, 0.05f));
    TS_RETURN_IF_ERROR(g.vector("output_norm.weight", s.n_embd, 1.0f, 0.05f));
    if (!s.tied_embeddings) TS_RETURN_IF_ERROR(g.matrix("output.weight", s.n_embd, s.n_vocab, -1, 0.05f));
    for (int64_t il = 0; il < s.n_layer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        TS_RETURN_IF_ERROR(g.vector(p + "attn_norm.weight", s.n_embd, 1.0f, 0.05f));
        TS_RETURN_IF_ERROR(g.matrix(p + "attn_q.weight", s.n_embd, q_width, il, lin));
        TS_RETURN_IF_ERROR(g.matrix(p + "attn_k.weight", s.n_embd, kv_width, il, lin));
        TS_RETURN_IF_ERROR(g.matrix(p + "attn_v.weight", s.n_embd, kv_width, il, lin));
        TS_RETURN_IF_ERROR(g.matrix(p + "attn_output.weight", q_width, s.n_embd, il, lin));
        if (a == "qwen2") {
            TS_RETURN_IF_ERROR(g.vector(p + "attn_q.bias", q_width, 0.0f, 0.02f));
            TS_RETURN_IF_ERROR(g.vector(p + "attn_k.bias", kv_width, 0.0f, 0.02f));
            TS_RETURN_IF_ERROR(g.vector(p + "attn_v.bias", kv_width, 0.0f, 0.02f));
        }
        if (a == "qwen3" || a == "gemma3") {
            TS_RETURN_IF_ERROR(g.vector(p + "attn_q_norm.weight", s.head_dim, 1.0f, 0.05f));
            TS_RETURN_IF_ERROR(g.vector(p + "attn_k_norm.weight", s.head_dim, 1.0f, 0.05f));
        }
        if (a == "gemma3") TS_RETURN_IF_ERROR(g.vector(p + "post_attention_norm.weight", s.n_embd, 1.0f, 0.05f));
        TS_RETURN_IF_ERROR(g.vector(p + "ffn_norm.weight", s.n_embd, 1.0f, 0.05f));
        TS_RETURN_IF_ERROR(g.matrix(p + "ffn_gate.weight", s.n_embd, s.n_ff, il, lin));
        TS_RETURN_IF_ERROR(g.matrix(p + "ffn_up.weight", s.n_embd, s.n_ff, il, lin));
        TS_RETURN_IF_ERROR(g.matrix(p + "ffn_down.weight", s.n_ff, s.n_embd, il, lin));
        if (a == "gemma3") TS_RETURN_IF_ERROR(g.vector(p + "post_ffw_norm.weight", s.n_embd, 1.0f, 0.05f));
    }
    return w.write(path);
}

}  // namespace tessera
