#include "engine/multimodal/multimodal.h"

#include <algorithm>

#include "engine/tokenizer/tokenizer.h"

namespace tessera {

int64_t MultimodalPrompt::n_tokens() const {
    int64_t n = 0;
    for (const auto& c : chunks) n += c.n_tokens;
    return n;
}

int64_t MultimodalPrompt::n_pos() const {
    int64_t n = 0;
    for (const auto& c : chunks) n += c.n_pos;
    return n;
}

Result<std::unique_ptr<MultimodalContext>> MultimodalContext::create(std::shared_ptr<const TextModel> decoder,
                                                                     std::shared_ptr<const Projector> projector,
                                                                     MultimodalOptions options) {
    if (!decoder || !projector) return make_error(ErrorCode::invalid_argument, "multimodal: decoder and projector are required");
    const int64_t n_embd = decoder->hparams().n_embd;
    if (projector->n_embd_out() != n_embd)
        return make_error(ErrorCode::invalid_argument,
                          projector->path() + ": the projector produces " + std::to_string(projector->n_embd_out()) +
                              "-wide embeddings but the decoder's n_embd is " + std::to_string(n_embd) +
                              " (is this the mmproj of another model?)");
    if (projector->uses_mrope() && !decoder->hparams().uses_mrope())
        return make_error(ErrorCode::invalid_argument,
                          projector->path() + ": projector '" + projector->projector_type() +
                              "' needs a decoder with M-RoPE, but the decoder's architecture is '" +
                              decoder->hparams().arch + "'");
    if (!decoder->file().find_tensor("token_embd.weight") && decoder->hparams().n_vocab <= 0)
        return make_error(ErrorCode::invalid_argument, "multimodal: the decoder has no vocabulary");
    return std::unique_ptr<MultimodalContext>(new MultimodalContext(std::move(decoder), std::move(projector), options));
}

int32_t MultimodalContext::lookup_token(std::string_view piece) const {
    const Tokenizer& tok = decoder_->tokenizer();
    for (int32_t i = 0; i < tok.n_vocab(); ++i)
        if (tok.token_to_piece(i, /*render_special=*/true) == piece) return i;
    return -1;
}

Result<MultimodalPrompt> MultimodalContext::tokenize(std::string_view text, std::span<const ImageU8> images,
                                                     bool add_special, bool parse_special) const {
    const Tokenizer& tok = decoder_->tokenizer();
    // Split at the markers.
    std::vector<std::string_view> parts;
    size_t n_markers = 0;
    for (size_t at = 0;;) {
        const size_t m = text.find(kMediaMarker, at);
        parts.push_back(text.substr(at, m == std::string_view::npos ? std::string_view::npos : m - at));
        if (m == std::string_view::npos) break;
        ++n_markers;
        at = m + kMediaMarker.size();
    }
    if (n_markers != images.size())
        return make_error(ErrorCode::invalid_argument, "the prompt has " + std::to_string(n_markers) + " image marker" +
                                                           (n_markers == 1 ? "" : "s") + " (" + std::string(kMediaMarker) +
                                                           ") but " + std::to_string(images.size()) + " image" +
                                                           (images.size() == 1 ? " was" : "s were") + " given");
    MultimodalPrompt out;
    auto add_text = [&](const std::vector<int32_t>& ids) {
        if (ids.empty()) return;
        if (!out.chunks.empty() && out.chunks.back().type == ChunkType::text) {
            auto& t = out.chunks.back().tokens;
            t.insert(t.end(), ids.begin(), ids.end());
        } else {
            PromptChunk c;
            c.type = ChunkType::text;
            c.tokens = ids;
            out.chunks.push_back(std::move(c));
        }
    };
    for (size_t p = 0; p < parts.size(); ++p) {
        add_text(tok.encode(parts[p], /*add_special=*/false, parse_special));
        if (p + 1 == parts.size()) break;
        const ImageU8& img = images[p];
        if (img.empty()) return make_error(ErrorCode::invalid_argument, "image " + std::to_string(p) + " is empty");
        TS_ASSIGN_OR_RETURN(PreprocessedImage pre, projector_->preprocess(img));
        const int image_index = static_cast<int>(out.images.size());
        for (const MediaPiece& piece : projector_->prompt_layout(pre)) {
            switch (piece.kind) {
                case MediaPiece::Kind::text:
                    add_text(tok.encode(piece.text, /*add_special=*/false, /*parse_special=*/true));
                    break;
                case MediaPiece::Kind::token_piece: {
                    const int32_t id = lookup_token(piece.text);
                    if (id < 0)
                        return make_error(ErrorCode::invalid_argument,
                                          "the decoder's vocabulary has no token '" + piece.text + "', which projector '" +
                                              projector_->projector_type() + "' needs around image tokens");
                    add_text({id});
                    break;
                }
                case MediaPiece::Kind::media: {
                    if (piece.entry < 0 || piece.entry >= static_cast<int>(pre.entries.size()))
                        return make_error(ErrorCode::internal, "projector layout names encoder input " +
                                                                   std::to_string(piece.entry) + " of " +
                                                                   std::to_string(pre.entries.size()));
                    const EncoderInput& in = pre.entries[piece.entry];
                    PromptChunk c;
                    c.type = ChunkType::image;
                    c.image = image_index;
                    c.entry = piece.entry;
                    c.n_tokens = projector_->n_tokens(in);
                    c.non_causal = projector_->non_causal();
                    c.n_pos = c.n_tokens;
                    if (projector_->uses_mrope()) {
                        projector_->token_grid(in, &c.grid_w, &c.grid_h);
                        c.n_pos = std::max(c.grid_w, c.grid_h);
                    }
                    out.chunks.push_back(std::move(c));
                    break;
                }
            }
        }
        out.images.push_back(std::make_shared<const PreprocessedImage>(std::move(pre)));
        out.image_hashes.push_back(image_content_hash(img));
    }
    if (add_special && tok.add_bos() && tok.bos_id() >= 0) {
        if (!out.chunks.empty() && out.chunks.front().type == ChunkType::text) {
            auto& t = out.chunks.front().tokens;
            t.insert(t.begin(), tok.bos_id());
        } else {
            PromptChunk c;
            c.tokens = {tok.bos_id()};
            out.chunks.insert(out.chunks.begin(), std::move(c));
        }
    }
    if (add_special && tok.add_eos() && tok.eos_id() >= 0) add_text({tok.eos_id()});
    for (auto& c : out.chunks)
        if (c.type == ChunkType::text) c.n_tokens = c.n_pos = static_cast<int64_t>(c.tokens.size());
    return out;
}

Result<std::shared_ptr<const std::vector<float>>> MultimodalContext::encode_chunk(const MultimodalPrompt& prompt,
                                                                                  size_t chunk, ThreadPool& pool,
                                                                                  const std::atomic<bool>* cancel) {
    if (chunk >= prompt.chunks.size() || prompt.chunks[chunk].type != ChunkType::image)
        return make_error(ErrorCode::invalid_argument, "chunk " + std::to_string(chunk) + " is not an image chunk");
    const PromptChunk& c = prompt.chunks[chunk];
    const uint64_t hash = prompt.image_hashes[c.image];
    const PreprocessedImage& pre = *prompt.images[c.image];
    {
        std::lock_guard<std::mutex> lock(cache_mutex_);
        for (auto it = cache_.begin(); it != cache_.end(); ++it) {
            if (it->hash != hash || it->entries.size() != pre.entries.size()) continue;
            cache_.splice(cache_.begin(), cache_, it);  // most recently used first
            if (auto hit = cache_.front().entries[c.entry]) return hit;
            break;
        }
    }
    vision::VisionContext vctx{pool, cancel};
    auto embd = std::make_shared<std::vector<float>>();
    TS_RETURN_IF_ERROR(projector_->encode(pre.entries[c.entry], vctx, embd.get()));
    if (static_cast<int64_t>(embd->size()) != c.n_tokens * projector_->n_embd_out())
        return make_error(ErrorCode::internal, "projector produced " + std::to_string(embd->size()) + " values for " +
                                                   std::to_string(c.n_tokens) + " tokens");
    std::lock_guard<std::mutex> lock(cache_mutex_);
    ++n_encoded_;
    if (cache_.empty() || cache_.front().hash != hash) {
        CacheEntry e;
        e.hash = hash;
        e.entries.resize(pre.entries.size());
        cache_.push_front(std::move(e));
        while (cache_.size() > std::max<size_t>(1, options_.max_cached_images)) cache_.pop_back();
    }
    cache_.front().entries[c.entry] = embd;
    return std::shared_ptr<const std::vector<float>>(embd);
}

std::vector<int32_t> MultimodalContext::mrope_positions(int64_t p0, int grid_w, int grid_h) {
    const int64_t n = static_cast<int64_t>(grid_w) * grid_h;
    std::vector<int32_t> pos(static_cast<size_t>(4 * n), 0);
    for (int64_t i = 0; i < n; ++i) {
        pos[i] = static_cast<int32_t>(p0);
        pos[n + i] = static_cast<int32_t>(p0 + i / grid_w);
        pos[2 * n + i] = static_cast<int32_t>(p0 + i % grid_w);
        pos[3 * n + i] = 0;
    }
    return pos;
}

Status MultimodalContext::eval(Session& session, const MultimodalPrompt& prompt, size_t first_chunk,
                               const std::atomic<bool>* cancel) {
    if (&session.model() != decoder_.get())
        return make_error(ErrorCode::invalid_argument, "multimodal eval: the session runs a different decoder");
    for (size_t i = first_chunk; i < prompt.chunks.size(); ++i) {
        const PromptChunk& c = prompt.chunks[i];
        const LogitsMode mode = i + 1 == prompt.chunks.size() ? LogitsMode::last : LogitsMode::none;
        if (c.type == ChunkType::text) {
            if (c.tokens.empty()) continue;
            TS_RETURN_IF_ERROR(session.eval(c.tokens, mode));
            continue;
        }
        TS_ASSIGN_OR_RETURN(std::shared_ptr<const std::vector<float>> embd, encode_chunk(prompt, i, session.pool(), cancel));
        EmbeddingInput in;
        in.embd = embd->data();
        in.n_tokens = c.n_tokens;
        in.n_pos = c.n_pos;
        in.bidirectional = c.non_causal;
        std::vector<int32_t> mrope;
        if (c.grid_w > 0) {
            mrope = mrope_positions(session.next_pos(), c.grid_w, c.grid_h);
            in.mrope_pos = mrope.data();
        }
        TS_RETURN_IF_ERROR(session.eval_embeddings(in, mode));
    }
    return Status::ok();
}

}  // namespace tessera
