#pragma once
// Random-weight decoder models in the real GGUF layout of an architecture and the real shape of a
// known model (for benchmarks: `tessera-cli gen-model`, and for tests that need a model of a size
// the fixtures don't have). The tokenizer is a synthetic SentencePiece vocabulary of the real size.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace tessera {

struct SyntheticModelSpec {
    std::string arch = "llama";  // llama | qwen2 | qwen3 | gemma3
    int64_t n_vocab = 512;
    int64_t n_ctx_train = 2048;
    int64_t n_embd = 64;
    int64_t n_layer = 2;
    int64_t n_head = 4;
    int64_t n_head_kv = 2;
    int64_t head_dim = 16;
    int64_t n_ff = 128;
    float rope_freq_base = 10000.0f;
    float rms_eps = 1e-5f;
    bool tied_embeddings = true;
    std::string weight_type = "f32";  // f32 | f16 | q8_0 | q4_0 | q4_k_m | q6_k
    uint64_t seed = 1;
};

// Presets with the shapes of real models: "smollm2-135m", "qwen2.5-0.5b", "llama3.2-1b".
Result<SyntheticModelSpec> synthetic_preset(const std::string& preset);
std::vector<std::string> synthetic_preset_names();

Status write_synthetic_text_model(const SyntheticModelSpec& spec, const std::string& path);

}  // namespace tessera
