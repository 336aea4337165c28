// Llama family (GGUF arch "llama"): Llama 2/3.x, SmolLM2, TinyLlama, Mistral.
// RoPE in NORM mode (llama.cpp's converter permutes Q/K so adjacent pairs rotate); Llama 3.1+
// frequency factors come from rope_freqs.weight. No biases; tied or untied output.
// ref: llama.cpp src/models/llama.cpp
#include "engine/models/text/pre_norm_decoder.h"

namespace tessera {

Result<std::unique_ptr<TextModel>> load_llama(std::unique_ptr<GgufFile> file) {
    TS_ASSIGN_OR_RETURN(TextHParams h, blocks::read_common_hparams(*file, "llama"));
    constexpr PreNormDecoderOptions kLlama{.rope_mode = ops::RopeMode::norm, .use_rope_freq_factors = true};
    return build_text_model<PreNormDecoderOf<kLlama>>(std::move(file), std::move(h));
}

}  // namespace tessera
