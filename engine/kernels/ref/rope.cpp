#include "engine/kernels/ref/rope.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tessera::ref {
namespace {

constexpr float kPi = 3.14159265358979323846f;

// ref: ggml.c ggml_rope_yarn_corr_dim: the dimension whose wavelength fits n_rot_turns times into
// n_ctx_orig.
float yarn_corr_dim(int n_dims, int n_ctx_orig, float n_rot_turns, float base) {
    return static_cast<float>(n_dims) * std::log(static_cast<float>(n_ctx_orig) / (n_rot_turns * 2.0f * kPi)) /
           (2.0f * std::log(base));
}

// ref: ggml-cpu ops.cpp rope_yarn_ramp (i0 is the even element index; i0/2 is integer division).
float yarn_ramp(float low, float high, int i0) {
    const float y = (static_cast<float>(i0 / 2) - low) / std::max(0.001f, high - low);
    return 1.0f - std::min(1.0f, std::max(0.0f, y));
}

}  // namespace

void rope_cache(float pos, const ops::RopeParams& p, float* cos_out, float* sin_out) {
    const int n_rot = p.n_rot;
    const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(n_rot));
    // ref: ggml.c ggml_rope_yarn_corr_dims
    float corr0 = 0.0f, corr1 = 0.0f;
    if (p.ext_factor != 0.0f) {
        const float start = std::floor(yarn_corr_dim(n_rot, p.n_ctx_orig, p.beta_fast, p.freq_base));
        const float end = std::ceil(yarn_corr_dim(n_rot, p.n_ctx_orig, p.beta_slow, p.freq_base));
        corr0 = std::max(0.0f, start);
        corr1 = std::min(static_cast<float>(n_rot - 1), end);
    }
    float theta = pos;
    for (int i0 = 0; i0 < n_rot; i0 += 2) {
        const float ff = p.freq_factors ? p.freq_factors[i0 / 2] : 1.0f;
        // ref: rope_yarn
        const float theta_extrap = theta / ff;
        const float theta_interp = p.freq_scale * theta_extrap;
        float angle = theta_interp;
        float mscale = p.attn_factor;
        if (p.ext_factor != 0.0f) {
            const float ramp_mix = yarn_ramp(corr0, corr1, i0) * p.ext_factor;
            angle = theta_interp * (1.0f - ramp_mix) + theta_extrap * ramp_mix;
            mscale *= 1.0f + 0.1f * std::log(1.0f / p.freq_scale);
        }
        cos_out[i0 / 2] = std::cos(angle) * mscale;
        sin_out[i0 / 2] = std::sin(angle) * mscale;
        theta *= theta_scale;
    }
}

void mrope_cache(const int32_t pos4[4], const int sections[4], bool restart_sections, int n_pairs,
                 const ops::RopeParams& p, float* cos_out, float* sin_out) {
    const int n_rot = p.n_rot;
    const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(n_rot));
    float corr0 = 0.0f, corr1 = 0.0f;
    if (p.ext_factor != 0.0f) {
        const float start = std::floor(yarn_corr_dim(n_rot, p.n_ctx_orig, p.beta_fast, p.freq_base));
        const float end = std::ceil(yarn_corr_dim(n_rot, p.n_ctx_orig, p.beta_slow, p.freq_base));
        corr0 = std::max(0.0f, start);
        corr1 = std::min(static_cast<float>(n_rot - 1), end);
    }
    const int sect_dims = sections[0] + sections[1] + sections[2] + sections[3];
    const int sec_w = sections[0] + sections[1];
    const int sec_e = sec_w + sections[2];
    float theta_sec[4];  // t, y (h), x (w), z (e)
    for (int k = 0; k < 4; ++k) theta_sec[k] = static_cast<float>(pos4[k]);
    for (int i = 0; i < n_pairs; ++i) {
        const int i0 = 2 * i;
        const float ff = p.freq_factors ? p.freq_factors[i] : 1.0f;
        const int sector = sect_dims > 0 ? i % sect_dims : 0;
        if (restart_sections) {
            if (sector == 0) theta_sec[0] = static_cast<float>(pos4[0]);
            else if (sector == sections[0]) theta_sec[1] = static_cast<float>(pos4[1]);
            else if (sector == sec_w) theta_sec[2] = static_cast<float>(pos4[2]);
            else if (sector == sec_e) theta_sec[3] = static_cast<float>(pos4[3]);
        }
        float theta = theta_sec[0];
        if (sector >= sections[0] && sector < sec_w) theta = theta_sec[1];
        else if (sector >= sec_w && sector < sec_e) theta = theta_sec[2];
        else if (sector >= sec_e) theta = theta_sec[3];
        // ref: rope_yarn
        const float theta_extrap = theta / ff;
        const float theta_interp = p.freq_scale * theta_extrap;
        float angle = theta_interp;
        float mscale = p.attn_factor;
        if (p.ext_factor != 0.0f) {
            const float ramp_mix = yarn_ramp(corr0, corr1, i0) * p.ext_factor;
            angle = theta_interp * (1.0f - ramp_mix) + theta_extrap * ramp_mix;
            mscale *= 1.0f + 0.1f * std::log(1.0f / p.freq_scale);
        }
        cos_out[i] = std::cos(angle) * mscale;
        sin_out[i] = std::sin(angle) * mscale;
        for (float& t : theta_sec) t *= theta_scale;
    }
}

void rope_rotate(float* x, int64_t n_heads, int64_t head_stride, int n_rot, bool neox, const float* cos_v,
                 const float* sin_v) {
    const int half = n_rot / 2;
    for (int64_t h = 0; h < n_heads; ++h) {
        float* xh = x + h * head_stride;  // (n_rot) rotated, rest untouched
        for (int i = 0; i < half; ++i) {
            const int a = neox ? i : 2 * i;
            const int b = neox ? i + half : 2 * i + 1;
            const float x0 = xh[a], x1 = xh[b];
            xh[a] = x0 * cos_v[i] - x1 * sin_v[i];
            xh[b] = x0 * sin_v[i] + x1 * cos_v[i];
        }
    }
}

void rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t token_stride, int64_t head_stride,
          const int32_t* positions, const ops::RopeParams& p) {
    std::vector<float> cs(static_cast<size_t>(p.n_rot));  // (2, n_rot/2): cos then sin
    float* cos_v = cs.data();
    float* sin_v = cs.data() + p.n_rot / 2;
    for (int64_t t = 0; t < n_tokens; ++t) {
        rope_cache(static_cast<float>(positions[t]), p, cos_v, sin_v);
        rope_rotate(x + t * token_stride, n_heads, head_stride, p.n_rot, p.mode == ops::RopeMode::neox, cos_v,
                    sin_v);
    }
}

}  // namespace tessera::ref
