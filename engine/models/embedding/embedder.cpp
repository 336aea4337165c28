// Embedder: tokenisation, batching, pooling and normalisation around an EmbeddingModel.
// ref: llama.cpp d32676d7 src/llama-context.cpp (LLAMA_POOLING_TYPE_MEAN/CLS/LAST over a sequence's
// output rows), common/common.cpp common_embd_normalize (embd_norm = 2).
#include "engine/models/embedding/embedder.h"

#include <algorithm>
#include <cmath>

#include "engine/gguf/gguf.h"
#include "engine/models/embedding/bert.h"
#include "engine/tokenizer/tokenizer.h"

namespace tessera {

EmbeddingModel::~EmbeddingModel() = default;

const char* pooling_type_name(PoolingType p) {
    switch (p) {
        case PoolingType::none: return "none";
        case PoolingType::mean: return "mean";
        case PoolingType::cls: return "cls";
        case PoolingType::last: return "last";
    }
    return "none";
}

bool pooling_type_from_name(std::string_view name, PoolingType* out) {
    for (PoolingType p : {PoolingType::none, PoolingType::mean, PoolingType::cls, PoolingType::last}) {
        if (name == pooling_type_name(p)) {
            *out = p;
            return true;
        }
    }
    return false;
}

Result<std::unique_ptr<EmbeddingModel>> load_embedding_model(const GgufFile& file) {
    const std::string arch = file.get_string_or("general.architecture", "");
    if (arch == "bert") return load_bert(file);
    return make_error(ErrorCode::unsupported, file.path() + ": '" + arch +
                                                  "' is not a supported embedding architecture (supported: bert)");
}

void l2_normalize_rows(float* x, int64_t n_rows, int64_t n) {
    for (int64_t r = 0; r < n_rows; ++r) {
        float* row = x + r * n;
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(row[i]) * row[i];
        const double norm = std::sqrt(sum);
        const float inv = norm > 0.0 ? static_cast<float>(1.0 / norm) : 0.0f;
        for (int64_t i = 0; i < n; ++i) row[i] *= inv;
    }
}

Result<std::unique_ptr<Embedder>> Embedder::load(const std::string& path, const EmbedderOptions& options) {
    auto e = std::unique_ptr<Embedder>(new Embedder());
    TS_ASSIGN_OR_RETURN(e->file_, GgufFile::open(path));
    TS_ASSIGN_OR_RETURN(e->model_, load_embedding_model(*e->file_));
    TS_ASSIGN_OR_RETURN(e->tokenizer_, Tokenizer::from_gguf(*e->file_));
    if (e->tokenizer_->n_vocab() > e->model_->hparams().n_vocab) {
        return make_error(ErrorCode::format_error,
                          path + ": the tokenizer has " + std::to_string(e->tokenizer_->n_vocab()) +
                              " tokens but token_embd.weight only " + std::to_string(e->model_->hparams().n_vocab) +
                              " rows");
    }
    e->pooling_ = options.pooling.value_or(e->model_->hparams().pooling);
    if (e->pooling_ == PoolingType::none) e->pooling_ = PoolingType::mean;  // a text still needs one vector
    e->max_batch_tokens_ = std::max<int64_t>(options.max_batch_tokens, 1);
    e->pool_ = std::make_unique<ThreadPool>(options.n_threads > 0 ? options.n_threads : default_thread_count());
    return e;
}

Embedder::~Embedder() = default;

const EmbeddingHParams& Embedder::hparams() const { return model_->hparams(); }

std::vector<int32_t> Embedder::tokenize(std::string_view text) const {
    std::vector<int32_t> ids = tokenizer_->encode(text, /*add_special=*/true, /*parse_special=*/false);
    const size_t max = static_cast<size_t>(n_ctx());
    if (ids.size() > max) {
        const int32_t last = ids.back();
        ids.resize(max);
        if (tokenizer_->is_control(last)) ids.back() = last;  // keep [SEP] / EOS at the end
    }
    return ids;
}

int64_t Embedder::count_tokens(std::string_view text) const {
    return static_cast<int64_t>(tokenizer_->encode(text, /*add_special=*/false, /*parse_special=*/false).size());
}

Status Embedder::check_ids(const std::vector<int32_t>& ids) const {
    if (ids.empty()) return make_error(ErrorCode::invalid_argument, "embedding: empty token sequence");
    if (static_cast<int64_t>(ids.size()) > n_ctx()) {
        return make_error(ErrorCode::context_overflow, "embedding: " + std::to_string(ids.size()) +
                                                           " tokens exceed the model's " + std::to_string(n_ctx()) +
                                                           " positions");
    }
    for (int32_t id : ids) {
        if (id < 0 || id >= hparams().n_vocab) {
            return make_error(ErrorCode::out_of_range, "embedding: token id " + std::to_string(id) +
                                                           " is outside the vocabulary of " +
                                                           std::to_string(hparams().n_vocab));
        }
    }
    return Status::ok();
}

Result<std::vector<float>> Embedder::token_states(const std::vector<int32_t>& ids) {
    TS_RETURN_IF_ERROR(check_ids(ids));
    std::vector<float> states(ids.size() * static_cast<size_t>(n_embd()));  // (n, n_embd)
    const int64_t len = static_cast<int64_t>(ids.size());
    TS_RETURN_IF_ERROR(model_->encode(ids.data(), &len, 1, states.data(), *pool_, cancel_));
    return states;
}

Result<std::vector<float>> Embedder::embed_ids(const std::vector<std::vector<int32_t>>& seqs, PoolingType pooling,
                                               bool normalize) {
    if (pooling == PoolingType::none) {
        return make_error(ErrorCode::invalid_argument, "embedding: pooling 'none' gives token states, not one vector");
    }
    for (const auto& s : seqs) TS_RETURN_IF_ERROR(check_ids(s));
    const int64_t E = n_embd();
    std::vector<float> out(seqs.size() * static_cast<size_t>(E), 0.0f);  // (n_seqs, n_embd)
    std::vector<int32_t> ids;
    std::vector<int64_t> lens;
    std::vector<float> states;
    size_t first = 0;  // first sequence of the current batch
    while (first < seqs.size()) {
        // Pack sequences until the batch would exceed max_batch_tokens (one sequence at least).
        ids.clear();
        lens.clear();
        size_t end = first;
        while (end < seqs.size() &&
               (end == first || static_cast<int64_t>(ids.size() + seqs[end].size()) <= max_batch_tokens_)) {
            ids.insert(ids.end(), seqs[end].begin(), seqs[end].end());
            lens.push_back(static_cast<int64_t>(seqs[end].size()));
            ++end;
        }
        states.resize(ids.size() * static_cast<size_t>(E));  // (n_batch_tokens, n_embd)
        TS_RETURN_IF_ERROR(model_->encode(ids.data(), lens.data(), static_cast<int64_t>(lens.size()), states.data(),
                                          *pool_, cancel_));
        int64_t t0 = 0;
        for (size_t s = first; s < end; ++s) {
            const int64_t len = lens[s - first];
            float* o = out.data() + s * static_cast<size_t>(E);
            const float* rows = states.data() + t0 * E;
            switch (pooling) {
                case PoolingType::mean: {
                    for (int64_t t = 0; t < len; ++t)
                        for (int64_t i = 0; i < E; ++i) o[i] += rows[t * E + i];
                    const float inv = 1.0f / static_cast<float>(len);
                    for (int64_t i = 0; i < E; ++i) o[i] *= inv;
                    break;
                }
                case PoolingType::cls: std::copy(rows, rows + E, o); break;
                case PoolingType::last: std::copy(rows + (len - 1) * E, rows + len * E, o); break;
                case PoolingType::none: break;
            }
            t0 += len;
        }
        first = end;
    }
    if (normalize) l2_normalize_rows(out.data(), static_cast<int64_t>(seqs.size()), E);
    return out;
}

Result<std::vector<float>> Embedder::embed(const std::vector<std::string>& texts, bool normalize) {
    std::vector<std::vector<int32_t>> seqs;
    seqs.reserve(texts.size());
    for (const std::string& t : texts) seqs.push_back(tokenize(t));
    return embed_ids(seqs, pooling_, normalize);
}

}  // namespace tessera
