// write_random_whisper_ggml: a random Whisper in whisper.cpp's ggml .bin layout.
#include "engine/models/audio/whisper_writer.h"

#include <cmath>
#include <cstring>
#include <fstream>

#include "engine/core/fp16.h"

namespace tessera {
namespace {

class Rng {  // xorshift64* + Box-Muller: fast, deterministic across platforms
public:
    explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
    double uniform() {
        s_ ^= s_ >> 12;
        s_ ^= s_ << 25;
        s_ ^= s_ >> 27;
        return static_cast<double>((s_ * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0);
    }
    float normal(float sigma) {
        const double u1 = std::max(uniform(), 1e-300), u2 = uniform();
        return static_cast<float>(sigma * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
    }

private:
    uint64_t s_;
};

class Writer {
public:
    Writer(const std::string& path) : path_(path), out_(path, std::ios::binary | std::ios::trunc) {}
    bool ok() const { return static_cast<bool>(out_); }
    void i32(int32_t v) { out_.write(reinterpret_cast<const char*>(&v), 4); }
    void bytes(const void* p, size_t n) { out_.write(static_cast<const char*>(p), static_cast<std::streamsize>(n)); }

    // One tensor record; dims innermost first; data from `values` converted to `type` (F32 or F16).
    void tensor(const std::string& name, std::initializer_list<int32_t> dims, DType type, const std::vector<float>& values) {
        i32(static_cast<int32_t>(dims.size()));
        i32(static_cast<int32_t>(name.size()));
        i32(static_cast<int32_t>(type));
        for (int32_t d : dims) i32(d);
        bytes(name.data(), name.size());
        if (type == DType::F16) {
            std::vector<uint16_t> h(values.size());
            for (size_t i = 0; i < values.size(); ++i) h[i] = fp32_to_fp16(values[i]);
            bytes(h.data(), h.size() * 2);
        } else {
            bytes(values.data(), values.size() * 4);
        }
    }

private:
    std::string path_;
    std::ofstream out_;
};

std::vector<float> randn(Rng& rng, size_t n, float sigma) {
    std::vector<float> v(n);
    for (float& x : v) x = rng.normal(sigma);
    return v;
}

std::vector<float> ln_weight(Rng& rng, size_t n) {
    std::vector<float> v(n);
    for (float& x : v) x = 1.0f + rng.normal(0.05f);
    return v;
}

// ref: openai/whisper model.py sinusoids(length, channels)
std::vector<float> sinusoids(int length, int channels) {
    std::vector<float> v(static_cast<size_t>(length) * channels);
    const int half = channels / 2;
    const double inc = std::log(10000.0) / (half - 1);
    for (int t = 0; t < length; ++t)
        for (int i = 0; i < half; ++i) {
            const double a = t * std::exp(-inc * i);
            v[static_cast<size_t>(t) * channels + i] = static_cast<float>(std::sin(a));
            v[static_cast<size_t>(t) * channels + half + i] = static_cast<float>(std::cos(a));
        }
    return v;
}

}  // namespace

WhisperHParams whisper_preset(const std::string& name) {
    WhisperHParams h;
    h.n_vocab = 51865;
    h.ftype = 1;
    auto set = [&](int state, int head, int layer) {
        h.n_audio_state = h.n_text_state = state;
        h.n_audio_head = h.n_text_head = head;
        h.n_audio_layer = h.n_text_layer = layer;
    };
    if (name == "tiny") set(384, 6, 4);
    else if (name == "base") set(512, 8, 6);
    else if (name == "small") set(768, 12, 12);
    else if (name == "medium") set(1024, 16, 24);
    else if (name == "large") set(1280, 20, 32);
    else if (name == "large-v3") {
        set(1280, 20, 32);
        h.n_mels = 128;
        h.n_vocab = 51866;
    } else {
        set(0, 0, 0);
    }
    return h;
}

Status write_random_whisper_ggml(const std::string& path, const WhisperRandomSpec& spec) {
    const WhisperHParams& h = spec.hparams;
    if (spec.matrix_type != DType::F16 && spec.matrix_type != DType::F32)
        return make_error(ErrorCode::invalid_argument, "random whisper: matrix type must be F16 or F32");
    if (h.n_audio_state <= 0 || h.n_audio_state != h.n_text_state || h.n_audio_state % h.n_audio_head)
        return make_error(ErrorCode::invalid_argument, "random whisper: inconsistent hyperparameters");
    Writer w(path);
    if (!w.ok()) return make_error(ErrorCode::io_error, "cannot write '" + path + "'");
    Rng rng(spec.seed);
    const DType mt = spec.matrix_type;
    const int32_t ns = h.n_audio_state, nt = h.n_text_state;

    w.i32(static_cast<int32_t>(0x67676d6c));
    for (int32_t v : {h.n_vocab, h.n_audio_ctx, h.n_audio_state, h.n_audio_head, h.n_audio_layer, h.n_text_ctx, h.n_text_state,
                      h.n_text_head, h.n_text_layer, h.n_mels, mt == DType::F16 ? 1 : 0})
        w.i32(v);
    // Filters: (n_mels, 201) triangles, enough to produce a meaningful spectrum.
    w.i32(h.n_mels);
    w.i32(201);
    std::vector<float> filters(static_cast<size_t>(h.n_mels) * 201, 0.0f);
    for (int m = 0; m < h.n_mels; ++m) {
        const double c = 1.0 + 199.0 * (m + 0.5) / h.n_mels, half = std::max(1.0, 199.0 / h.n_mels);
        for (int k = 0; k < 201; ++k) filters[static_cast<size_t>(m) * 201 + k] = static_cast<float>(std::max(0.0, 1.0 - std::fabs(k - c) / half) * 0.02);
    }
    w.bytes(filters.data(), filters.size() * 4);
    // Vocabulary.
    std::vector<std::string> tokens = spec.tokens;
    if (tokens.empty()) {
        const int n_text = h.n_vocab >= 51865 ? 50257 : 50256;
        for (int i = 0; i < n_text; ++i) tokens.push_back(i < 256 ? std::string(1, static_cast<char>(i)) : "tok" + std::to_string(i));
    }
    w.i32(static_cast<int32_t>(tokens.size()));
    for (const std::string& t : tokens) {
        w.i32(static_cast<int32_t>(t.size()));
        w.bytes(t.data(), t.size());
    }

    auto mat = [&](const std::string& name, int32_t n_in, int32_t n_out, float sigma) {
        w.tensor(name, {n_in, n_out}, mt, randn(rng, static_cast<size_t>(n_in) * n_out, sigma));
    };
    auto vec = [&](const std::string& name, int32_t n, float sigma) { w.tensor(name, {n}, DType::F32, randn(rng, static_cast<size_t>(n), sigma)); };
    auto norm = [&](const std::string& p, int32_t n) {
        w.tensor(p + ".weight", {n}, DType::F32, ln_weight(rng, static_cast<size_t>(n)));
        vec(p + ".bias", n, 0.02f);
    };
    auto attention = [&](const std::string& p, int32_t n, float v_sigma) {
        mat(p + ".query.weight", n, n, 0.08f);
        vec(p + ".query.bias", n, 0.02f);
        mat(p + ".key.weight", n, n, 0.08f);
        mat(p + ".value.weight", n, n, v_sigma);
        vec(p + ".value.bias", n, 0.02f);
        mat(p + ".out.weight", n, n, v_sigma);
        vec(p + ".out.bias", n, 0.02f);
    };
    auto mlp = [&](const std::string& p, int32_t n) {
        mat(p + ".mlp.0.weight", n, 4 * n, 0.02f);
        vec(p + ".mlp.0.bias", 4 * n, 0.02f);
        mat(p + ".mlp.2.weight", 4 * n, n, 0.02f);
        vec(p + ".mlp.2.bias", n, 0.02f);
    };

    w.tensor("encoder.positional_embedding", {ns, h.n_audio_ctx}, DType::F32, sinusoids(h.n_audio_ctx, ns));
    w.tensor("encoder.conv1.weight", {3, h.n_mels, ns}, mt, randn(rng, static_cast<size_t>(3) * h.n_mels * ns, 0.05f));
    w.tensor("encoder.conv1.bias", {1, ns}, DType::F32, randn(rng, static_cast<size_t>(ns), 0.02f));
    w.tensor("encoder.conv2.weight", {3, ns, ns}, mt, randn(rng, static_cast<size_t>(3) * ns * ns, 0.05f));
    w.tensor("encoder.conv2.bias", {1, ns}, DType::F32, randn(rng, static_cast<size_t>(ns), 0.02f));
    for (int i = 0; i < h.n_audio_layer; ++i) {
        const std::string p = "encoder.blocks." + std::to_string(i);
        norm(p + ".attn_ln", ns);
        attention(p + ".attn", ns, 0.02f);
        norm(p + ".mlp_ln", ns);
        mlp(p, ns);
    }
    norm("encoder.ln_post", ns);
    w.tensor("decoder.positional_embedding", {nt, h.n_text_ctx}, DType::F32, randn(rng, static_cast<size_t>(nt) * h.n_text_ctx, 0.2f));
    mat("decoder.token_embedding.weight", nt, h.n_vocab, 0.05f);
    for (int i = 0; i < h.n_text_layer; ++i) {
        const std::string p = "decoder.blocks." + std::to_string(i);
        norm(p + ".attn_ln", nt);
        attention(p + ".attn", nt, 0.02f);
        norm(p + ".cross_attn_ln", nt);
        attention(p + ".cross_attn", nt, 0.1f);
        norm(p + ".mlp_ln", nt);
        mlp(p, nt);
    }
    norm("decoder.ln", nt);
    if (!w.ok()) return make_error(ErrorCode::io_error, "write to '" + path + "' failed");
    return Status::ok();
}

}  // namespace tessera
