#pragma once
// Random-weight mmproj files with the shapes of real vision encoders (benchmarks, tests), in the
// layout Projector::load reads (llama.cpp clip GGUF keys and tensor names).
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace tessera {

struct SyntheticMmprojSpec {
    std::string projector_type = "idefics3";  // only idefics3 (SigLIP + pixel shuffle) for now
    int64_t image_size = 512;
    int64_t patch_size = 16;
    int64_t n_embd = 768;
    int64_t n_ff = 3072;
    int64_t n_layer = 12;
    int64_t n_head = 12;
    int64_t scale_factor = 4;
    int64_t preproc_image_size = 2048;
    int64_t n_embd_out = 576;            // the decoder's n_embd
    std::string weight_type = "f16";     // matrices: f32 | f16 | q8_0 (vectors stay f32)
    uint64_t seed = 1;
};

// "smolvlm-256m-mmproj": SigLIP base patch16/512 (768 wide, 12 layers, 12 heads, ff 3072), pixel
// shuffle 4 -> 64 tokens per 512 px tile, projected to SmolLM2-135M's 576.
Result<SyntheticMmprojSpec> synthetic_mmproj_preset(const std::string& preset);
std::vector<std::string> synthetic_mmproj_preset_names();

Status write_synthetic_mmproj(const SyntheticMmprojSpec& spec, const std::string& path);

}  // namespace tessera
