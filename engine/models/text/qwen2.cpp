// Qwen2 / Qwen2.5 (GGUF arch "qwen2"): llama blocks with q/k/v biases and RoPE in NEOX layout
// (rotate i with i + d/2); small models tie the output projection to token_embd.
// ref: llama.cpp src/models/qwen2.cpp
#include "engine/models/text/pre_norm_decoder.h"

namespace tessera {

Result<std::unique_ptr<TextModel>> load_qwen2(std::unique_ptr<GgufFile> file) {
    TS_ASSIGN_OR_RETURN(TextHParams h, blocks::read_common_hparams(*file, "qwen2"));
    constexpr PreNormDecoderOptions kQwen2{.rope_mode = ops::RopeMode::neox, .require_qkv_bias = true};
    return build_text_model<PreNormDecoderOf<kQwen2>>(std::move(file), std::move(h));
}

}  // namespace tessera
