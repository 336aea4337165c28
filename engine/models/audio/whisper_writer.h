#pragma once
// Writes whisper.cpp ggml .bin files (the layout WhisperModel::load reads; see whisper_loader.cpp):
// random-weight models of any shape for tests and benchmarks.
// ref: whisper.cpp models/convert-pt-to-ggml.py (header, filters, vocab, tensor records).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/dtype.h"
#include "engine/core/status.h"
#include "engine/models/audio/whisper.h"

namespace tessera {

struct WhisperRandomSpec {
    WhisperHParams hparams;
    DType matrix_type = DType::F16;  // F16 or F32: attention/MLP matrices and the token embedding
    uint64_t seed = 1;
    // Token byte strings for the vocabulary section; empty: 50257 (multilingual) or 50256 synthetic tokens.
    std::vector<std::string> tokens;
};

// Shapes of Whisper's released sizes (n_vocab 51865, multilingual): "tiny", "base", "small", "medium",
// "large" (v2; "large-v3" has 128 mels and n_vocab 51866). Unknown name: n_audio_state = 0.
WhisperHParams whisper_preset(const std::string& name);

// Writes a complete model with random weights: matrices N(0, 0.02) (Q/K 0.08), LayerNorm weights near 1,
// biases N(0, 0.02), sinusoidal encoder positions, triangular mel filters. Errors: io_error naming the path.
Status write_random_whisper_ggml(const std::string& path, const WhisperRandomSpec& spec);

}  // namespace tessera
