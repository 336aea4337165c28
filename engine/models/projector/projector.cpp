#include "engine/models/projector/projector.h"

#include "engine/media/image_resize.h"
#include "engine/ops/ops.h"

namespace tessera {
namespace {

struct ProjectorEntry {
    const char* type;  // clip.projector_type
    std::unique_ptr<Projector> (*make)();
};

constexpr ProjectorEntry kProjectors[] = {
    {"idefics3", make_idefics3_projector},
    {"gemma3", make_gemma3_projector},
    {"mlp", make_mlp_projector},
    {"qwen2.5vl_merger", make_qwen25vl_projector},
};

}  // namespace

struct ProjectorFactory {
    static Status bind(Projector& p, std::unique_ptr<GgufFile> file, vision::ClipHParams h) {
        p.file_ = std::move(file);
        p.hparams_ = std::move(h);
        WeightLoader wl(*p.file_);
        TS_RETURN_IF_ERROR(p.bind(wl));
        TS_RETURN_IF_ERROR(wl.status());
        if (p.n_embd_out_ <= 0)
            return make_error(ErrorCode::internal, p.file_->path() + ": projector did not report its output width");
        if (p.hparams_.projection_dim > 0 && p.hparams_.projection_dim != p.n_embd_out_)
            return make_error(ErrorCode::format_error,
                              p.file_->path() + ": clip.vision.projection_dim = " + std::to_string(p.hparams_.projection_dim) +
                                  " but the projector weights produce " + std::to_string(p.n_embd_out_));
        return Status::ok();
    }
};

Projector::~Projector() = default;

std::vector<std::string> Projector::supported_types() {
    std::vector<std::string> v;
    for (const auto& e : kProjectors) v.emplace_back(e.type);
    return v;
}

Result<std::unique_ptr<Projector>> Projector::load(const std::string& path) {
    TS_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> file, GgufFile::open(path));
    TS_ASSIGN_OR_RETURN(vision::ClipHParams h, vision::read_clip_hparams(*file));
    const ProjectorEntry* entry = nullptr;
    for (const auto& e : kProjectors)
        if (h.projector_type == e.type) entry = &e;
    if (!entry) {
        std::string list;
        for (const auto& e : kProjectors) list += std::string(list.empty() ? "" : ", ") + e.type;
        return make_error(ErrorCode::unsupported, path + ": unknown projector type '" + h.projector_type +
                                                      "' (supported: " + list + ")");
    }
    std::unique_ptr<Projector> p = entry->make();
    TS_RETURN_IF_ERROR(ProjectorFactory::bind(*p, std::move(file), std::move(h)));
    return p;
}

std::vector<MediaPiece> Projector::prompt_layout(const PreprocessedImage& image) const {
    std::vector<MediaPiece> v;
    for (size_t i = 0; i < image.entries.size(); ++i) v.push_back({MediaPiece::Kind::media, "", static_cast<int>(i)});
    return v;
}

void Projector::token_grid(const EncoderInput& input, int* grid_w, int* grid_h) const {
    *grid_w = static_cast<int>(n_tokens(input));
    *grid_h = 1;
}

namespace projector_util {

Tensor transposed_f32(const Tensor& src, std::vector<float>* storage) {
    const int64_t a = src.ne[0], b = src.ne[1];
    std::vector<float> flat(static_cast<size_t>(a * b));
    ops::dequantize(src, flat.data());
    storage->resize(flat.size());
    for (int64_t i = 0; i < b; ++i)
        for (int64_t j = 0; j < a; ++j) (*storage)[j * b + i] = flat[i * a + j];
    Tensor t;
    t.name = src.name + " (transposed)";
    t.type = DType::F32;
    t.n_dims = 2;
    t.ne[0] = b;
    t.ne[1] = a;
    t.data = storage->data();
    t.nbytes = storage->size() * sizeof(float);
    return t;
}

EncoderInput to_encoder_input(const ImageU8& image, const vision::ClipHParams& h) {
    EncoderInput in;
    in.width = image.width;
    in.height = image.height;
    in.chw.resize(static_cast<size_t>(3) * image.width * image.height);
    image::normalize_chw(image, h.image_mean, h.image_std, in.chw.data());
    return in;
}

}  // namespace projector_util
}  // namespace tessera
