// Qwen3-MoE (GGUF arch "qwen3moe"): Qwen3 attention with every FFN a routed mixture of SwiGLU experts:
// p = softmax(router·h) over all experts, the top expert_used_count are kept and their weights
// renormalised to sum to one.
// ref: llama.cpp src/models/qwen3moe.cpp
#include "engine/models/text/pre_norm_decoder.h"

namespace tessera {

Result<std::unique_ptr<TextModel>> load_qwen3moe(std::unique_ptr<GgufFile> file) {
    TS_ASSIGN_OR_RETURN(TextHParams h, blocks::read_common_hparams(*file, "qwen3moe"));
    constexpr PreNormDecoderOptions kQwen3Moe{.rope_mode = ops::RopeMode::neox, .require_qk_norm = true, .moe = true};
    return build_text_model<PreNormDecoderOf<kQwen3Moe>>(std::move(file), std::move(h));
}

}  // namespace tessera
