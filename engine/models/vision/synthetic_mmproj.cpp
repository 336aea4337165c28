#include "engine/models/vision/synthetic_mmproj.h"

#include <random>

#include "engine/gguf/gguf_writer.h"
#include "engine/kernels/ref/quants.h"

namespace tessera {

Result<SyntheticMmprojSpec> synthetic_mmproj_preset(const std::string& preset) {
    if (preset == "smolvlm-256m-mmproj") return SyntheticMmprojSpec{};
    std::string list;
    for (const auto& n : synthetic_mmproj_preset_names()) list += (list.empty() ? "" : ", ") + n;
    return make_error(ErrorCode::invalid_argument, "unknown mmproj preset '" + preset + "' (" + list + ")");
}

std::vector<std::string> synthetic_mmproj_preset_names() { return {"smolvlm-256m-mmproj"}; }

Status write_synthetic_mmproj(const SyntheticMmprojSpec& s, const std::string& path) {
    if (s.projector_type != "idefics3")
        return make_error(ErrorCode::unsupported, "synthetic mmproj: projector type '" + s.projector_type +
                                                      "' is not generated (idefics3 only)");
    DType mt;
    if (s.weight_type == "f32") mt = DType::F32;
    else if (s.weight_type == "f16") mt = DType::F16;
    else if (s.weight_type == "q8_0") mt = DType::Q8_0;
    else return make_error(ErrorCode::invalid_argument, "unknown mmproj weight type '" + s.weight_type + "' (f32, f16, q8_0)");

    GgufWriter w;
    w.set_string("general.architecture", "clip");
    w.set_string("general.type", "mmproj");
    w.set_string("general.name", "synthetic-" + s.projector_type);
    w.set_string("general.description", "random weights (seed " + std::to_string(s.seed) + ") written by tessera gen-model");
    w.set_bool("clip.has_vision_encoder", true);
    w.set_string("clip.projector_type", s.projector_type);
    w.set_u32("clip.vision.projection_dim", static_cast<uint32_t>(s.n_embd_out));
    w.set_u32("clip.vision.image_size", static_cast<uint32_t>(s.image_size));
    w.set_u32("clip.vision.patch_size", static_cast<uint32_t>(s.patch_size));
    w.set_u32("clip.vision.embedding_length", static_cast<uint32_t>(s.n_embd));
    w.set_u32("clip.vision.feed_forward_length", static_cast<uint32_t>(s.n_ff));
    w.set_u32("clip.vision.block_count", static_cast<uint32_t>(s.n_layer));
    w.set_u32("clip.vision.attention.head_count", static_cast<uint32_t>(s.n_head));
    w.set_f32("clip.vision.attention.layer_norm_epsilon", 1e-6f);
    w.set("clip.vision.image_mean", GgufValue::make_f32_array({0.5f, 0.5f, 0.5f}));
    w.set("clip.vision.image_std", GgufValue::make_f32_array({0.5f, 0.5f, 0.5f}));
    w.set_bool("clip.use_gelu", true);
    w.set_u32("clip.vision.projector.scale_factor", static_cast<uint32_t>(s.scale_factor));
    w.set_u32("clip.vision.preproc_image_size", static_cast<uint32_t>(s.preproc_image_size));

    std::mt19937_64 rng(s.seed);
    auto values = [&](int64_t n, float mean, float stddev) {
        std::vector<float> v(static_cast<size_t>(n));
        std::normal_distribution<float> dist(mean, stddev);
        for (auto& x : v) x = dist(rng);
        return v;
    };
    // A matrix stored ne [n_in, n_out(, ...)] in the matrix type (rows of n_in).
    auto matrix = [&](const std::string& name, std::vector<int64_t> ne, float stddev) -> Status {
        int64_t rows = 1;
        for (size_t i = 1; i < ne.size(); ++i) rows *= ne[i];
        int64_t row = ne[0];
        DType t = mt;
        if (name == "v.patch_embd.weight") {  // a conv kernel: kept F16/F32 like llama.cpp's converter
            row = ne[0] * ne[1] * ne[2];
            rows = ne[3];
            if (t == DType::Q8_0) t = DType::F16;
        }
        if (t == DType::Q8_0 && row % 32 != 0) t = DType::F16;
        const auto v = values(rows * row, 0.0f, stddev);
        TS_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ref::quantize_tensor(t, v.data(), rows, row));
        return w.add_tensor(name, t, ne, std::move(bytes));
    };
    auto vec = [&](const std::string& name, int64_t n, float mean, float stddev) {
        return w.add_tensor_f32(name, {n}, values(n, mean, stddev));
    };
    const int64_t d = s.n_embd, p = s.patch_size, n_pos = (s.image_size / p) * (s.image_size / p);
    TS_RETURN_IF_ERROR(matrix("v.patch_embd.weight", {p, p, 3, d}, 0.02f));
    TS_RETURN_IF_ERROR(vec("v.patch_embd.bias", d, 0.0f, 0.02f));
    TS_RETURN_IF_ERROR(w.add_tensor_f32("v.position_embd.weight", {d, n_pos}, values(d * n_pos, 0.0f, 0.1f)));
    for (int64_t il = 0; il < s.n_layer; ++il) {
        const std::string b = "v.blk." + std::to_string(il) + ".";
        TS_RETURN_IF_ERROR(vec(b + "ln1.weight", d, 1.0f, 0.05f));
        TS_RETURN_IF_ERROR(vec(b + "ln1.bias", d, 0.0f, 0.02f));
        for (const char* m : {"attn_q", "attn_k", "attn_v", "attn_out"}) {
            TS_RETURN_IF_ERROR(matrix(b + m + ".weight", {d, d}, 0.02f));
            TS_RETURN_IF_ERROR(vec(b + m + ".bias", d, 0.0f, 0.02f));
        }
        TS_RETURN_IF_ERROR(vec(b + "ln2.weight", d, 1.0f, 0.05f));
        TS_RETURN_IF_ERROR(vec(b + "ln2.bias", d, 0.0f, 0.02f));
        TS_RETURN_IF_ERROR(matrix(b + "ffn_up.weight", {d, s.n_ff}, 0.02f));
        TS_RETURN_IF_ERROR(vec(b + "ffn_up.bias", s.n_ff, 0.0f, 0.02f));
        TS_RETURN_IF_ERROR(matrix(b + "ffn_down.weight", {s.n_ff, d}, 0.02f));
        TS_RETURN_IF_ERROR(vec(b + "ffn_down.bias", d, 0.0f, 0.02f));
    }
    TS_RETURN_IF_ERROR(vec("v.post_ln.weight", d, 1.0f, 0.05f));
    TS_RETURN_IF_ERROR(vec("v.post_ln.bias", d, 0.0f, 0.02f));
    TS_RETURN_IF_ERROR(matrix("mm.model.fc.weight", {d * s.scale_factor * s.scale_factor, s.n_embd_out}, 0.02f));
    return w.write(path);
}

}  // namespace tessera
