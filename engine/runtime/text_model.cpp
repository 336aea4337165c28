#include "engine/runtime/text_model.h"

#include "engine/tokenizer/tokenizer.h"

namespace tessera {

KvCache::KvCache(const std::vector<KvLayerShape>& layers, int64_t n_ctx) : n_ctx_(n_ctx), shapes_(layers) {
    k_.resize(layers.size());
    v_.resize(layers.size());
    for (size_t l = 0; l < layers.size(); ++l) {
        k_[l].assign(static_cast<size_t>(n_ctx * layers[l].k_width), 0.0f);
        v_[l].assign(static_cast<size_t>(n_ctx * layers[l].v_width), 0.0f);
    }
}

size_t KvCache::bytes() const {
    size_t b = 0;
    for (size_t l = 0; l < k_.size(); ++l) b += (k_[l].size() + v_[l].size()) * sizeof(float);
    return b;
}

float* ScratchArena::get(int slot, size_t n) {
    if (slots_.size() <= static_cast<size_t>(slot)) slots_.resize(static_cast<size_t>(slot) + 1);
    auto& buf = slots_[static_cast<size_t>(slot)];
    if (buf.size() < n) buf.resize(n);
    return buf.data();
}

TextModel::~TextModel() = default;

void TextModel::attach(std::unique_ptr<GgufFile> file, TextHParams hparams) {
    file_ = std::move(file);
    hparams_ = std::move(hparams);
}

void TextModel::attach_tokenizer(std::unique_ptr<Tokenizer> tokenizer) { tokenizer_ = std::move(tokenizer); }

Status TextModel::forward(ForwardContext& ctx, const int32_t* tokens, int64_t n_tokens, int64_t pos0, LogitsMode mode,
                          float* logits) const {
    DecoderBatch b;
    b.n_tokens = n_tokens;
    b.tokens = tokens;
    b.row0 = pos0;
    return forward(ctx, b, mode, logits);
}

size_t TextModel::weight_bytes() const {
    size_t b = 0;
    for (const auto& t : file_->tensors()) b += t.tensor.nbytes;
    return b;
}

}  // namespace tessera
