// Qwen2-VL / Qwen2.5-VL text decoder (GGUF arch "qwen2vl"): Qwen2 blocks (q/k/v biases, SwiGLU,
// RMSNorm) with multi-section RoPE. Every token has four positions (t, y, x, z); rotary pair i of a
// head takes the position of section (i % Σsections) from rope.dimension_sections (e.g. [16, 24, 24, 0]),
// rotated NEOX-style. Text tokens have t = y = x = their position; image tokens t = p0 and y/x from
// the merged patch grid (engine/multimodal computes them).
// ref: llama.cpp src/models/qwen2vl.cpp (ggml_rope_multi, LLAMA_ROPE_TYPE_MROPE),
//      ggml-cpu ops.cpp ggml_mrope_cache_init
#include "engine/models/text/pre_norm_decoder.h"

namespace tessera {

Result<std::unique_ptr<TextModel>> load_qwen2vl(std::unique_ptr<GgufFile> file) {
    TS_ASSIGN_OR_RETURN(TextHParams h, blocks::read_common_hparams(*file, "qwen2vl"));
    constexpr PreNormDecoderOptions kQwen2Vl{.rope_mode = ops::RopeMode::neox, .require_qkv_bias = true, .mrope = true};
    return build_text_model<PreNormDecoderOf<kQwen2Vl>>(std::move(file), std::move(h));
}

}  // namespace tessera
