#pragma once
// Scalar ground truth for rotary position embeddings (see engine/ops/ops.h for the contract).
#include <cstdint>

#include "engine/ops/ops.h"

namespace tessera::ref {

// cos/sin (n_rot/2 each) of the rotation angles of pair i at position `pos`, YaRN-corrected and scaled
// by the YaRN magnitude factor. ref: ggml-cpu ops.cpp ggml_rope_cache_init + rope_yarn, ggml.c
// ggml_rope_yarn_corr_dims: theta_scale = powf(freq_base, -2/n_rot), theta_i = pos · theta_scale^i
// computed by repeated float multiplication, divided by freq_factors[i] when present.
void rope_cache(float pos, const ops::RopeParams& p, float* cos_out, float* sin_out);

// cos/sin (n_pairs each) for multi-section RoPE: pair i uses the position of its section (see
// ops::rope_multi); pos4 = {t, y, x, z}. With restart_sections (vision) each section's frequency ladder
// starts again at theta = pos. theta_scale = powf(freq_base, -2/n_rot).
// ref: ggml-cpu ops.cpp ggml_mrope_cache_init (indep_sects = is_vision), rope_yarn.
void mrope_cache(const int32_t pos4[4], const int sections[4], bool restart_sections, int n_pairs,
                 const ops::RopeParams& p, float* cos_out, float* sin_out);

// Rotates the first n_rot values of n_heads heads of one token (head h at x + h*head_stride) with the
// angles from rope_cache. norm: pairs (2i, 2i+1); neox: pairs (i, i + n_rot/2).
void rope_rotate(float* x, int64_t n_heads, int64_t head_stride, int n_rot, bool neox, const float* cos_v,
                 const float* sin_v);

// Whole op, single-threaded (same arguments as ops::rope).
void rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t token_stride, int64_t head_stride,
          const int32_t* positions, const ops::RopeParams& p);

}  // namespace tessera::ref
