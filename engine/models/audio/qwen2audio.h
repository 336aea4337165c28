#pragma once
// Qwen2-Audio's audio tower as llama.cpp's libmtmd runs it (mmproj GGUF, clip.projector_type "qwen2a"):
// the Whisper encoder (whisper.h's whisper_encoder_forward, with GELU-erf, learned positions, f32
// attention), then AvgPool1d(2, 2) over time, a.post_ln, and the projector mm.a.fc (Linear with bias).
// A 30 s window (3000 mel frames) becomes 750 embeddings of the decoder's width, which go into the text
// decoder through Session::eval_embeddings between <|audio_bos|> and <|audio_eos|>.
// ref: llama.cpp d32676d7 tools/mtmd/clip.cpp (qwen2a tensors, build_whisper_enc), models/whisper-enc.cpp;
//      transformers Qwen2AudioEncoder.forward (avg_pooler, layer_norm) and Qwen2AudioMultiModalProjector.
//
// Tensors: a.conv1d.{1,2}.{weight,bias}, a.position_embd.weight, a.blk.N.{ln1,ln2,attn_q,attn_k,attn_v,
// attn_out,ffn_up,ffn_down}, a.post_ln, mm.a.fc. The file carries no mel filters: the log-mel uses the
// computed Slaney filter bank (engine/audio/mel.h mel_filters_slaney), as llama.cpp does.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/thread_pool.h"
#include "engine/gguf/gguf.h"
#include "engine/models/audio/whisper.h"

namespace tessera {

class Qwen2AudioEncoder {
public:
    // Opens an mmproj GGUF with clip.has_audio_encoder and clip.projector_type = qwen2a. Errors name the
    // key or tensor (missing, wrong shape/type, other projector type).
    static Result<std::shared_ptr<const Qwen2AudioEncoder>> load(const std::string& mmproj_path);
    ~Qwen2AudioEncoder();

    int n_mels() const { return static_cast<int>(enc_.n_mels); }
    int64_t n_frames() const { return 2 * enc_.n_ctx; }      // mel frames per window (3000)
    int64_t n_tokens() const { return enc_.n_ctx / 2; }      // embeddings per window (750)
    int64_t n_embd_out() const { return fc_w_.ne[1]; }        // decoder width
    const WhisperEncoderWeights& encoder() const { return enc_; }

    // mel (n_mels, n_frames()) row-major -> out (n_tokens(), n_embd_out()).
    Status encode(const float* mel, std::vector<float>* out, ThreadPool& pool, const std::atomic<bool>* cancel = nullptr) const;

private:
    Qwen2AudioEncoder() = default;
    std::unique_ptr<GgufFile> file_;
    WhisperEncoderWeights enc_;
    WhisperNorm post_ln_;
    Tensor fc_w_;                  // ne [n_state, n_embd_out]
    const float* fc_b_ = nullptr;  // (n_embd_out)
    std::vector<std::vector<uint16_t>> conv_f16_;  // conv kernels converted to F16 (ggml_conv_1d's im2col type)
    std::vector<std::vector<float>> owned_;        // biases reshaped from [1, n] / f16 vectors
};

}  // namespace tessera
