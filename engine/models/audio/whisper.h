#pragma once
// Whisper (OpenAI speech recognition): the encoder-decoder transformer, loaded from whisper.cpp's legacy
// ggml .bin files, with read-only weights (WhisperModel) apart from per-transcription state (WhisperState:
// encoder output, cross-attention K/V, self-attention KV caches for one or more decoding sequences).
// ref: openai/whisper model.py (AudioEncoder, TextDecoder, ResidualAttentionBlock);
//      whisper.cpp src/whisper.cpp whisper_model_load, whisper_build_graph_conv/_encoder/_cross/_decoder.
//
// Numerics follow whisper.cpp's CPU path (flash attention off):
//   - F16 weights: activations are rounded to fp16 before each matmul (ops::matmul does what ggml does);
//   - the convolutions run as fp16 im2col x fp16 kernel (ggml_conv_1d), whatever the model's type;
//   - GELU is ggml's tanh approximation through its fp16 table (ops::gelu_tanh);
//   - with f16_kv (default) the attention inputs are rounded to fp16 as whisper.cpp's F16 KV caches and
//     ggml_cast do (encoder Q/K/V, decoder K/V caches and queries, cross K/V with the d^-1/4 scale folded
//     into K before rounding). The softmax output is not rounded (whisper.cpp's is): measured effect on the
//     fixture logits is in tests/engine/audio.
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/core/thread_pool.h"
#include "engine/gguf/mapped_file.h"
#include "engine/models/audio/whisper_vocab.h"

namespace tessera {

// The 11 int32 of the .bin header, in file order.
struct WhisperHParams {
    int32_t n_vocab = 51864;
    int32_t n_audio_ctx = 1500;
    int32_t n_audio_state = 384;
    int32_t n_audio_head = 6;
    int32_t n_audio_layer = 4;
    int32_t n_text_ctx = 448;
    int32_t n_text_state = 384;
    int32_t n_text_head = 6;
    int32_t n_text_layer = 4;
    int32_t n_mels = 80;
    int32_t ftype = 1;  // 0 f32, 1 f16, 2 q4_0, 3 q4_1, 7 q8_0, 8 q5_0, 9 q5_1 (after % 1000)
    float eps = 1e-5f;  // LayerNorm epsilon (not in the file)
};

struct WhisperNorm {
    const float* w = nullptr;  // (n_state)
    const float* b = nullptr;  // (n_state)
};

// Multi-head attention projections; the key has no bias.
struct WhisperAttention {
    Tensor q_w;                    // ne [n_state, n_state]
    const float* q_b = nullptr;    // (n_state)
    Tensor k_w;                    // ne [n_state, n_state]
    Tensor v_w;                    // ne [n_state, n_state]
    const float* v_b = nullptr;    // (n_state)
    Tensor out_w;                  // ne [n_state, n_state]
    const float* out_b = nullptr;  // (n_state)
};

struct WhisperMlp {
    Tensor fc_w;                    // mlp.0, ne [n_state, n_ff]
    const float* fc_b = nullptr;    // (n_ff)
    Tensor proj_w;                  // mlp.2, ne [n_ff, n_state]
    const float* proj_b = nullptr;  // (n_state)
};

struct WhisperEncoderLayer {
    WhisperNorm attn_ln;
    WhisperAttention attn;
    WhisperNorm mlp_ln;
    WhisperMlp mlp;
};

struct WhisperDecoderLayer {
    WhisperNorm attn_ln;
    WhisperAttention attn;
    WhisperNorm cross_attn_ln;
    WhisperAttention cross_attn;
    WhisperNorm mlp_ln;
    WhisperMlp mlp;
};

enum class WhisperGelu { tanh_table, erf };  // whisper.cpp (ggml_gelu) / OpenAI + llama.cpp's qwen2a

// The audio encoder on its own (conv stem, positions, blocks, optional final LayerNorm), shared by
// Whisper and by Whisper-style audio towers loaded from other formats (Qwen2-Audio's qwen2a).
struct WhisperEncoderWeights {
    int64_t n_mels = 80;
    int64_t n_state = 0;
    int64_t n_head = 0;
    int64_t n_ctx = 1500;  // positions after the stride-2 conv; the input is 2 * n_ctx mel frames
    float eps = 1e-5f;
    WhisperGelu gelu = WhisperGelu::tanh_table;
    Tensor conv1_w;                  // F16, ne [3 * n_mels, n_state] (PyTorch (n_state, n_mels, 3) flattened)
    const float* conv1_b = nullptr;  // (n_state)
    Tensor conv2_w;                  // F16, ne [3 * n_state, n_state]
    const float* conv2_b = nullptr;  // (n_state)
    const float* pos = nullptr;      // (n_ctx, n_state)
    std::vector<WhisperEncoderLayer> layers;
    WhisperNorm ln_post;             // null: no final norm
};

struct WhisperDecoderWeights {
    Tensor tok_emb;              // ne [n_state, n_vocab], also the output projection (tied)
    const float* pos = nullptr;  // (n_text_ctx, n_state)
    std::vector<WhisperDecoderLayer> layers;
    WhisperNorm ln;
};

class WhisperModel {
public:
    // Memory-maps a whisper.cpp ggml .bin file. Errors name the file, the tensor and the byte offset.
    static Result<std::shared_ptr<const WhisperModel>> load(const std::string& path);

    ~WhisperModel();
    const std::string& path() const { return path_; }
    const WhisperHParams& hparams() const { return hparams_; }
    const WhisperVocab& vocab() const { return vocab_; }
    int mel_n_mel() const { return filters_n_mel_; }
    int mel_n_bins() const { return filters_n_bins_; }
    const std::vector<float>& mel_filters() const { return filters_; }  // (n_mel, n_bins) from the file
    const WhisperEncoderWeights& encoder() const { return encoder_; }
    const WhisperDecoderWeights& decoder() const { return decoder_; }
    DType weight_type() const { return decoder_.tok_emb.type; }
    // Matrices used in place from the mapping / copied because the file offset is not aligned to their
    // element size; small tensors converted into owned f32 (vectors, positions) or F16 (conv kernels).
    int n_matrices_mapped() const { return n_mapped_; }
    int n_matrices_realigned() const { return n_realigned_; }
    int n_tensors_converted() const { return n_converted_; }
    size_t bytes_copied() const { return bytes_copied_; }

private:
    friend class WhisperLoader;
    WhisperModel() = default;
    std::string path_;
    std::unique_ptr<MappedFile> file_;
    WhisperHParams hparams_;
    WhisperVocab vocab_;
    int filters_n_mel_ = 0, filters_n_bins_ = 0;
    std::vector<float> filters_;
    WhisperEncoderWeights encoder_;
    WhisperDecoderWeights decoder_;
    // Copies (inner buffers keep their addresses when these grow): converted vectors, realigned matrices.
    std::vector<std::vector<float>> owned_f32_;
    std::vector<std::vector<uint16_t>> owned_u16_;  // fp16 conv kernels, realigned f16 / block matrices
    int n_mapped_ = 0, n_realigned_ = 0, n_converted_ = 0;
    size_t bytes_copied_ = 0;
};

struct WhisperStateOptions {
    int n_threads = 0;   // 0: default_thread_count()
    int n_seq = 1;       // decoding sequences with their own KV cache (beams / best-of candidates)
    bool f16_kv = true;  // round attention inputs to fp16 like whisper.cpp (see the header comment)
};

// One token of a batched decode step.
struct WhisperBatchItem {
    int32_t token = 0;
    int32_t pos = 0;  // position in its sequence; the cache must hold positions [0, pos)
    int seq = 0;
    bool logits = true;  // compute this row's logits
};

struct WhisperTimings {
    double encode_ms = 0, decode_ms = 0;
    int64_t n_encode = 0, n_decode_calls = 0, n_decode_tokens = 0;
};

// Scratch buffers of one encoder pass (grow-only).
struct WhisperEncoderScratch {
    std::vector<float> cols, a, q, k, v, attn, ff;
};

// Runs the encoder on mel (n_mels, 2 * n_ctx) row-major; out (n_ctx, n_state). Checks `cancel` between
// layers. Precondition: w is consistent (the loaders check it).
Status whisper_encoder_forward(const WhisperEncoderWeights& w, const float* mel, float* out, bool f16_attention,
                               ThreadPool& pool, WhisperEncoderScratch& scratch, const std::atomic<bool>* cancel = nullptr);

class WhisperState {
public:
    explicit WhisperState(std::shared_ptr<const WhisperModel> model, WhisperStateOptions options = {});
    ~WhisperState();

    const WhisperModel& model() const { return *model_; }
    ThreadPool& pool() { return pool_; }
    int n_seq() const { return static_cast<int>(kv_k_.size()); }
    void set_n_seq(int n);  // grows or shrinks the set of KV caches
    void set_cancel_flag(const std::atomic<bool>* flag) { cancel_ = flag; }
    const WhisperTimings& timings() const { return timings_; }

    // Encodes one window: mel (n_mels, 2 * n_audio_ctx) row-major, then computes every decoder layer's
    // cross-attention K/V from it. Invalidates nothing else (the self-attention caches are per sequence).
    Status encode(const float* mel, int64_t n_mels, int64_t n_frames);
    bool has_encoding() const { return encoded_; }
    const std::vector<float>& encoder_output() const { return enc_out_; }  // (n_audio_ctx, n_state)

    // Runs tokens of sequence `seq` at positions n_past, n_past + 1, ...; the cache must already hold
    // positions [0, n_past). all_logits: one logits row per token, else only the last.
    Status decode(std::span<const int32_t> tokens, int64_t n_past, int seq = 0, bool all_logits = false);
    // General form: any mix of sequences; rows with logits == true get a logits row, in order.
    Status decode_batch(std::span<const WhisperBatchItem> items);
    int64_t n_logit_rows() const { return n_logit_rows_; }
    const float* logits(int64_t row = 0) const { return logits_.data() + row * model_->hparams().n_vocab; }

    // Copies positions [0, n_tokens) of sequence src's self-attention cache into dst (beam reordering).
    void copy_seq(int src, int dst, int64_t n_tokens);

private:
    std::shared_ptr<const WhisperModel> model_;
    WhisperStateOptions options_;
    ThreadPool pool_;
    const std::atomic<bool>* cancel_ = nullptr;
    WhisperTimings timings_;
    bool encoded_ = false;

    WhisperEncoderScratch enc_scratch_;
    std::vector<float> enc_out_;                  // (n_audio_ctx, n_state)
    std::vector<std::vector<float>> cross_k_;     // per layer (n_audio_ctx, n_state), scaled by d^-1/4
    std::vector<std::vector<float>> cross_v_;     // per layer (n_audio_ctx, n_state)
    std::vector<std::vector<std::vector<float>>> kv_k_;  // [seq][layer] (n_text_ctx, n_state), scaled by d^-1/4
    std::vector<std::vector<std::vector<float>>> kv_v_;  // [seq][layer] (n_text_ctx, n_state)

    // decoder scratch
    std::vector<float> x_, a_, q_, k_, v_, attn_, ff_, h_;
    std::vector<int32_t> pos_;
    std::vector<float> logits_;  // (n_logit_rows, n_vocab)
    int64_t n_logit_rows_ = 0;
};

}  // namespace tessera
