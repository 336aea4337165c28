// Qwen3 (GGUF arch "qwen3"): no biases, per-head RMSNorm on q and k before RoPE (NEOX layout), and a
// head size (attention.key_length) independent of n_embd / n_head.
// ref: llama.cpp src/models/qwen3.cpp
#include "engine/models/text/pre_norm_decoder.h"

namespace tessera {

Result<std::unique_ptr<TextModel>> load_qwen3(std::unique_ptr<GgufFile> file) {
    TS_ASSIGN_OR_RETURN(TextHParams h, blocks::read_common_hparams(*file, "qwen3"));
    constexpr PreNormDecoderOptions kQwen3{.rope_mode = ops::RopeMode::neox, .require_qk_norm = true};
    return build_text_model<PreNormDecoderOf<kQwen3>>(std::move(file), std::move(h));
}

}  // namespace tessera
