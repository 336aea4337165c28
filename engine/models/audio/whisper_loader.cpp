// WhisperModel::load: whisper.cpp's legacy ggml .bin format, memory-mapped and bounds-checked.
// ref: whisper.cpp src/whisper.cpp whisper_model_load; models/convert-pt-to-ggml.py (the writer).
//
// Layout (little-endian):
//   uint32 magic 0x67676d6c ("ggml")
//   int32  n_vocab n_audio_ctx n_audio_state n_audio_head n_audio_layer n_text_ctx n_text_state
//          n_text_head n_text_layer n_mels ftype
//   int32  filters.n_mel, filters.n_fft; f32 filters[n_mel * n_fft]
//   int32  n_tokens; n_tokens x (uint32 len; bytes[len])
//   tensors until end of file: int32 n_dims, name_len, ttype; int32 ne[n_dims] (innermost first);
//          name[name_len]; data (ggml_nbytes)
//
// Tensors are used in place where the mapping is aligned to their element size (4 bytes for F32 and
// Q8_K, 2 for F16/BF16 and the fp16-scaled block formats); the rest are copied into owned buffers (the
// format has no alignment padding, so this is typically about half of them). 1-D tensors, the positional
// embeddings and the mel filters are always copied to f32; conv kernels are converted to F16 because
// whisper.cpp computes the convolutions in fp16 (ggml_conv_1d's F16 im2col) whatever the file type.
#include <cinttypes>
#include <cstring>
#include <map>

#include "engine/core/fp16.h"
#include "engine/models/audio/whisper.h"

namespace tessera {

namespace {

constexpr uint32_t kGgmlMagic = 0x67676d6c;

struct RawTensor {
    std::string name;
    DType type = DType::F32;
    int n_dims = 0;
    int64_t ne[4] = {1, 1, 1, 1};
    const uint8_t* data = nullptr;
    size_t nbytes = 0;
    size_t offset = 0;  // file offset of the data
    bool used = false;
};

std::string shape_str(const int64_t* ne, int n) {
    std::string s = "[";
    for (int i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
}

size_t element_alignment(DType t) {
    switch (t) {
        case DType::F32: case DType::Q8_K: case DType::I32: return 4;
        case DType::F64: case DType::I64: return 8;
        case DType::I8: return 1;
        default: return 2;  // F16, BF16, and blocks starting with an fp16 scale
    }
}

}  // namespace

class WhisperLoader {
public:
    WhisperLoader(WhisperModel& m, const uint8_t* data, size_t size) : m_(m), data_(data), size_(size) {}

    Status run() {
        TS_RETURN_IF_ERROR(read_header());
        TS_RETURN_IF_ERROR(read_filters());
        TS_RETURN_IF_ERROR(read_vocab());
        TS_RETURN_IF_ERROR(read_tensor_table());
        TS_RETURN_IF_ERROR(bind());
        for (const auto& [name, t] : tensors_)
            if (!t.used) return error("unknown tensor '" + name + "' at offset " + std::to_string(t.offset));
        return Status::ok();
    }

private:
    Status error(const std::string& what, ErrorCode code = ErrorCode::format_error) const {
        return make_error(code, "whisper model '" + m_.path_ + "': " + what);
    }

    Status need(size_t n, const char* what) const {
        if (pos_ > size_ || size_ - pos_ < n)
            return error(std::string("truncated at offset ") + std::to_string(pos_) + " while reading " + what + " (" +
                         std::to_string(n) + " bytes needed, " + std::to_string(size_ - std::min(pos_, size_)) + " left)");
        return Status::ok();
    }
    Status read_i32(int32_t* v, const char* what) {
        TS_RETURN_IF_ERROR(need(4, what));
        std::memcpy(v, data_ + pos_, 4);
        pos_ += 4;
        return Status::ok();
    }

    Status read_header() {
        uint32_t magic = 0;
        TS_RETURN_IF_ERROR(need(4, "the magic"));
        std::memcpy(&magic, data_, 4);
        pos_ = 4;
        if (magic != kGgmlMagic) {
            char buf[128];
            std::snprintf(buf, sizeof(buf), "bad magic 0x%08x (expected 0x%08x, a whisper.cpp ggml .bin)", magic, kGgmlMagic);
            return error(buf);
        }
        WhisperHParams& h = m_.hparams_;
        int32_t* fields[] = {&h.n_vocab, &h.n_audio_ctx, &h.n_audio_state, &h.n_audio_head, &h.n_audio_layer, &h.n_text_ctx,
                             &h.n_text_state, &h.n_text_head, &h.n_text_layer, &h.n_mels, &h.ftype};
        for (int32_t* f : fields) TS_RETURN_IF_ERROR(read_i32(f, "the hyperparameters"));
        h.ftype %= 1000;  // GGML_QNT_VERSION_FACTOR
        auto positive = [&](int32_t v, const char* name, int32_t max) -> Status {
            if (v <= 0 || v > max) return error(std::string("hyperparameter ") + name + " = " + std::to_string(v) + " out of range (1.." + std::to_string(max) + ")");
            return Status::ok();
        };
        TS_RETURN_IF_ERROR(positive(h.n_vocab, "n_vocab", 1 << 20));
        TS_RETURN_IF_ERROR(positive(h.n_audio_ctx, "n_audio_ctx", 1 << 16));
        TS_RETURN_IF_ERROR(positive(h.n_audio_state, "n_audio_state", 1 << 16));
        TS_RETURN_IF_ERROR(positive(h.n_audio_head, "n_audio_head", 1024));
        TS_RETURN_IF_ERROR(positive(h.n_audio_layer, "n_audio_layer", 1024));
        TS_RETURN_IF_ERROR(positive(h.n_text_ctx, "n_text_ctx", 1 << 16));
        TS_RETURN_IF_ERROR(positive(h.n_text_state, "n_text_state", 1 << 16));
        TS_RETURN_IF_ERROR(positive(h.n_text_head, "n_text_head", 1024));
        TS_RETURN_IF_ERROR(positive(h.n_text_layer, "n_text_layer", 1024));
        TS_RETURN_IF_ERROR(positive(h.n_mels, "n_mels", 1024));
        if (h.n_text_state != h.n_audio_state)
            return error("n_text_state " + std::to_string(h.n_text_state) + " != n_audio_state " + std::to_string(h.n_audio_state));
        if (h.n_audio_state % h.n_audio_head || h.n_text_state % h.n_text_head)
            return error("state size not divisible by the head count");
        if (h.n_vocab < 51864)
            return error("n_vocab " + std::to_string(h.n_vocab) + " is smaller than Whisper's 51864", ErrorCode::unsupported);
        return Status::ok();
    }

    Status read_filters() {
        int32_t n_mel = 0, n_fft = 0;
        TS_RETURN_IF_ERROR(read_i32(&n_mel, "the mel filter header"));
        TS_RETURN_IF_ERROR(read_i32(&n_fft, "the mel filter header"));
        if (n_mel <= 0 || n_mel > 1024 || n_fft <= 0 || n_fft > 65536)
            return error("mel filter shape (" + std::to_string(n_mel) + ", " + std::to_string(n_fft) + ") at offset " + std::to_string(pos_ - 8) + " is invalid");
        if (n_mel != m_.hparams_.n_mels)
            return error("mel filters have " + std::to_string(n_mel) + " bands but n_mels = " + std::to_string(m_.hparams_.n_mels));
        const size_t n = static_cast<size_t>(n_mel) * static_cast<size_t>(n_fft);
        TS_RETURN_IF_ERROR(need(n * 4, "the mel filters"));
        m_.filters_.resize(n);
        std::memcpy(m_.filters_.data(), data_ + pos_, n * 4);
        pos_ += n * 4;
        m_.filters_n_mel_ = n_mel;
        m_.filters_n_bins_ = n_fft;
        return Status::ok();
    }

    Status read_vocab() {
        int32_t n = 0;
        TS_RETURN_IF_ERROR(read_i32(&n, "the vocabulary size"));
        if (n < 0 || n > m_.hparams_.n_vocab)
            return error("vocabulary section holds " + std::to_string(n) + " tokens, n_vocab is " + std::to_string(m_.hparams_.n_vocab));
        std::vector<std::string> tokens;
        tokens.reserve(static_cast<size_t>(n));
        for (int32_t i = 0; i < n; ++i) {
            uint32_t len = 0;
            TS_RETURN_IF_ERROR(need(4, "a token length"));
            std::memcpy(&len, data_ + pos_, 4);
            pos_ += 4;
            if (len > 4096) return error("token " + std::to_string(i) + " at offset " + std::to_string(pos_ - 4) + " has length " + std::to_string(len));
            TS_RETURN_IF_ERROR(need(len, "a token"));
            tokens.emplace_back(reinterpret_cast<const char*>(data_ + pos_), len);
            pos_ += len;
        }
        m_.vocab_ = WhisperVocab(std::move(tokens), m_.hparams_.n_vocab);
        return Status::ok();
    }

    Status read_tensor_table() {
        while (pos_ < size_) {
            const size_t start = pos_;
            int32_t n_dims = 0, name_len = 0, ttype = 0;
            TS_RETURN_IF_ERROR(read_i32(&n_dims, "a tensor header"));
            TS_RETURN_IF_ERROR(read_i32(&name_len, "a tensor header"));
            TS_RETURN_IF_ERROR(read_i32(&ttype, "a tensor header"));
            if (n_dims < 1 || n_dims > 4 || name_len <= 0 || name_len > 1024)
                return error("tensor header at offset " + std::to_string(start) + " is invalid (n_dims " + std::to_string(n_dims) +
                             ", name length " + std::to_string(name_len) + ")");
            RawTensor t;
            t.n_dims = n_dims;
            int64_t n_el = 1;
            for (int i = 0; i < n_dims; ++i) {
                int32_t d = 0;
                TS_RETURN_IF_ERROR(read_i32(&d, "tensor dimensions"));
                if (d <= 0) return error("tensor at offset " + std::to_string(start) + " has dimension " + std::to_string(d));
                t.ne[i] = d;
                n_el *= d;
                if (n_el > (int64_t(1) << 40)) return error("tensor at offset " + std::to_string(start) + " is too large");
            }
            TS_RETURN_IF_ERROR(need(static_cast<size_t>(name_len), "a tensor name"));
            t.name.assign(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(name_len));
            pos_ += static_cast<size_t>(name_len);
            const DTypeInfo* info = dtype_info(static_cast<uint32_t>(ttype));
            if (!info) return error("tensor '" + t.name + "' at offset " + std::to_string(start) + " has unknown type id " + std::to_string(ttype));
            t.type = static_cast<DType>(ttype);
            if (t.ne[0] % info->block_size != 0)
                return error("tensor '" + t.name + "' row of " + std::to_string(t.ne[0]) + " is not a multiple of the " + info->name + " block size");
            t.nbytes = dtype_row_size(t.type, t.ne[0]) * static_cast<size_t>(n_el / t.ne[0]);
            t.offset = pos_;
            if (pos_ > size_ || size_ - pos_ < t.nbytes)
                return error("tensor '" + t.name + "' data at offset " + std::to_string(pos_) + " (" + std::to_string(t.nbytes) +
                             " bytes) runs past the end of the file (" + std::to_string(size_) + " bytes)");
            t.data = data_ + pos_;
            pos_ += t.nbytes;
            if (tensors_.count(t.name)) return error("tensor '" + t.name + "' appears twice (second at offset " + std::to_string(start) + ")");
            tensors_.emplace(t.name, std::move(t));
        }
        return Status::ok();
    }

    // ---- binding tensors to the weight structs ----

    Result<RawTensor*> find(const std::string& name, std::initializer_list<int64_t> shape) {
        auto it = tensors_.find(name);
        if (it == tensors_.end()) return error("tensor '" + name + "' is missing");
        RawTensor& t = it->second;
        // Accept trailing 1s either way ([64, 1] vs [64]) but nothing else.
        int64_t want[4] = {1, 1, 1, 1};
        int n_want = 0;
        for (int64_t d : shape) want[n_want++] = d;
        for (int i = 0; i < 4; ++i)
            if (t.ne[i] != want[i])
                return error("tensor '" + name + "' at offset " + std::to_string(t.offset) + " has shape " + shape_str(t.ne, t.n_dims) +
                             ", expected " + shape_str(want, n_want));
        t.used = true;
        return &t;
    }

    // A 1-D (or [1, n]) tensor, or a positional table, as f32 owned by the model.
    Result<const float*> vec_f32(const std::string& name, std::initializer_list<int64_t> shape) {
        TS_ASSIGN_OR_RETURN(RawTensor * t, find(name, shape));
        const int64_t n = t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
        std::vector<float> v(static_cast<size_t>(n));
        if (t->type == DType::F32) {
            std::memcpy(v.data(), t->data, static_cast<size_t>(n) * 4);
        } else if (t->type == DType::F16) {
            for (int64_t i = 0; i < n; ++i) {
                uint16_t h;
                std::memcpy(&h, t->data + 2 * i, 2);
                v[static_cast<size_t>(i)] = fp16_to_fp32(h);
            }
        } else {
            return error("tensor '" + name + "' at offset " + std::to_string(t->offset) + " has type " +
                         std::string(dtype_name(t->type)) + ", expected F32 or F16");
        }
        m_.bytes_copied_ += t->nbytes;
        ++m_.n_converted_;
        m_.owned_f32_.push_back(std::move(v));
        return static_cast<const float*>(m_.owned_f32_.back().data());
    }

    // A matrix used by ops::matmul / ops::get_rows: in place when aligned, else copied.
    Result<Tensor> matrix(const std::string& name, int64_t n_in, int64_t n_out) {
        TS_ASSIGN_OR_RETURN(RawTensor * t, find(name, {n_in, n_out}));
        const DTypeInfo& info = dtype_info(t->type);
        if (!info.supported)
            return error("tensor '" + name + "' has type " + std::string(info.name) + ", which this engine cannot compute with",
                         ErrorCode::unsupported);
        Tensor out;
        out.name = name;
        out.type = t->type;
        out.n_dims = 2;
        out.ne[0] = n_in;
        out.ne[1] = n_out;
        out.nbytes = t->nbytes;
        if (reinterpret_cast<uintptr_t>(t->data) % element_alignment(t->type) == 0) {
            out.data = t->data;
            ++m_.n_mapped_;
        } else {
            if (t->type == DType::F32) {
                m_.owned_f32_.emplace_back(t->nbytes / 4);
                std::memcpy(m_.owned_f32_.back().data(), t->data, t->nbytes);
                out.data = m_.owned_f32_.back().data();
            } else if (t->nbytes % 2 == 0 && element_alignment(t->type) == 2) {
                m_.owned_u16_.emplace_back(t->nbytes / 2);
                std::memcpy(m_.owned_u16_.back().data(), t->data, t->nbytes);
                out.data = m_.owned_u16_.back().data();
            } else {
                m_.owned_f32_.emplace_back((t->nbytes + 3) / 4);
                std::memcpy(m_.owned_f32_.back().data(), t->data, t->nbytes);
                out.data = m_.owned_f32_.back().data();
            }
            ++m_.n_realigned_;
            m_.bytes_copied_ += t->nbytes;
        }
        return out;
    }

    // Conv kernel (PyTorch (out, in, 3) = ne [3, in, out]) as an F16 matrix ne [3 * in, out].
    Result<Tensor> conv_kernel(const std::string& name, int64_t in, int64_t out) {
        TS_ASSIGN_OR_RETURN(RawTensor * t, find(name, {3, in, out}));
        const int64_t n = 3 * in * out;
        std::vector<uint16_t> h(static_cast<size_t>(n));
        if (t->type == DType::F16) {
            std::memcpy(h.data(), t->data, static_cast<size_t>(n) * 2);
        } else if (t->type == DType::F32) {
            for (int64_t i = 0; i < n; ++i) {
                float f;
                std::memcpy(&f, t->data + 4 * i, 4);
                h[static_cast<size_t>(i)] = fp32_to_fp16(f);
            }
        } else {
            return error("conv kernel '" + name + "' at offset " + std::to_string(t->offset) + " has type " +
                         std::string(dtype_name(t->type)) + ", expected F16 or F32");
        }
        ++m_.n_converted_;
        m_.bytes_copied_ += t->nbytes;
        m_.owned_u16_.push_back(std::move(h));
        Tensor k;
        k.name = name;
        k.type = DType::F16;
        k.n_dims = 2;
        k.ne[0] = 3 * in;
        k.ne[1] = out;
        k.data = m_.owned_u16_.back().data();
        k.nbytes = static_cast<size_t>(n) * 2;
        return k;
    }

    Result<WhisperNorm> norm(const std::string& prefix, int64_t n) {
        WhisperNorm nm;
        TS_ASSIGN_OR_RETURN(nm.w, vec_f32(prefix + ".weight", {n}));
        TS_ASSIGN_OR_RETURN(nm.b, vec_f32(prefix + ".bias", {n}));
        return nm;
    }

    Result<WhisperAttention> attention(const std::string& p, int64_t n) {
        WhisperAttention a;
        TS_ASSIGN_OR_RETURN(a.q_w, matrix(p + ".query.weight", n, n));
        TS_ASSIGN_OR_RETURN(a.q_b, vec_f32(p + ".query.bias", {n}));
        TS_ASSIGN_OR_RETURN(a.k_w, matrix(p + ".key.weight", n, n));
        TS_ASSIGN_OR_RETURN(a.v_w, matrix(p + ".value.weight", n, n));
        TS_ASSIGN_OR_RETURN(a.v_b, vec_f32(p + ".value.bias", {n}));
        TS_ASSIGN_OR_RETURN(a.out_w, matrix(p + ".out.weight", n, n));
        TS_ASSIGN_OR_RETURN(a.out_b, vec_f32(p + ".out.bias", {n}));
        return a;
    }

    Result<WhisperMlp> mlp(const std::string& p, int64_t n) {
        WhisperMlp f;
        TS_ASSIGN_OR_RETURN(f.fc_w, matrix(p + ".mlp.0.weight", n, 4 * n));
        TS_ASSIGN_OR_RETURN(f.fc_b, vec_f32(p + ".mlp.0.bias", {4 * n}));
        TS_ASSIGN_OR_RETURN(f.proj_w, matrix(p + ".mlp.2.weight", 4 * n, n));
        TS_ASSIGN_OR_RETURN(f.proj_b, vec_f32(p + ".mlp.2.bias", {n}));
        return f;
    }

    Status bind() {
        const WhisperHParams& h = m_.hparams_;
        const int64_t ns = h.n_audio_state;
        WhisperEncoderWeights& e = m_.encoder_;
        e.n_mels = h.n_mels;
        e.n_state = ns;
        e.n_head = h.n_audio_head;
        e.n_ctx = h.n_audio_ctx;
        e.eps = h.eps;
        e.gelu = WhisperGelu::tanh_table;
        TS_ASSIGN_OR_RETURN(e.pos, vec_f32("encoder.positional_embedding", {ns, h.n_audio_ctx}));
        TS_ASSIGN_OR_RETURN(e.conv1_w, conv_kernel("encoder.conv1.weight", h.n_mels, ns));
        TS_ASSIGN_OR_RETURN(e.conv1_b, vec_f32("encoder.conv1.bias", {1, ns}));
        TS_ASSIGN_OR_RETURN(e.conv2_w, conv_kernel("encoder.conv2.weight", ns, ns));
        TS_ASSIGN_OR_RETURN(e.conv2_b, vec_f32("encoder.conv2.bias", {1, ns}));
        TS_ASSIGN_OR_RETURN(e.ln_post, norm("encoder.ln_post", ns));
        e.layers.resize(static_cast<size_t>(h.n_audio_layer));
        for (int i = 0; i < h.n_audio_layer; ++i) {
            const std::string p = "encoder.blocks." + std::to_string(i);
            WhisperEncoderLayer& l = e.layers[static_cast<size_t>(i)];
            TS_ASSIGN_OR_RETURN(l.attn_ln, norm(p + ".attn_ln", ns));
            TS_ASSIGN_OR_RETURN(l.attn, attention(p + ".attn", ns));
            TS_ASSIGN_OR_RETURN(l.mlp_ln, norm(p + ".mlp_ln", ns));
            TS_ASSIGN_OR_RETURN(l.mlp, mlp(p, ns));
        }
        const int64_t nt = h.n_text_state;
        WhisperDecoderWeights& d = m_.decoder_;
        TS_ASSIGN_OR_RETURN(d.pos, vec_f32("decoder.positional_embedding", {nt, h.n_text_ctx}));
        TS_ASSIGN_OR_RETURN(d.tok_emb, matrix("decoder.token_embedding.weight", nt, h.n_vocab));
        TS_ASSIGN_OR_RETURN(d.ln, norm("decoder.ln", nt));
        d.layers.resize(static_cast<size_t>(h.n_text_layer));
        for (int i = 0; i < h.n_text_layer; ++i) {
            const std::string p = "decoder.blocks." + std::to_string(i);
            WhisperDecoderLayer& l = d.layers[static_cast<size_t>(i)];
            TS_ASSIGN_OR_RETURN(l.attn_ln, norm(p + ".attn_ln", nt));
            TS_ASSIGN_OR_RETURN(l.attn, attention(p + ".attn", nt));
            TS_ASSIGN_OR_RETURN(l.cross_attn_ln, norm(p + ".cross_attn_ln", nt));
            TS_ASSIGN_OR_RETURN(l.cross_attn, attention(p + ".cross_attn", nt));
            TS_ASSIGN_OR_RETURN(l.mlp_ln, norm(p + ".mlp_ln", nt));
            TS_ASSIGN_OR_RETURN(l.mlp, mlp(p, nt));
        }
        return Status::ok();
    }

    WhisperModel& m_;
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
    std::map<std::string, RawTensor> tensors_;
};

WhisperModel::~WhisperModel() = default;

Result<std::shared_ptr<const WhisperModel>> WhisperModel::load(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file.is_ok()) return file.status();
    std::shared_ptr<WhisperModel> m(new WhisperModel());
    m->path_ = path;
    m->file_ = std::move(file).value();
    WhisperLoader loader(*m, m->file_->data(), m->file_->size());
    TS_RETURN_IF_ERROR(loader.run());
    return std::shared_ptr<const WhisperModel>(std::move(m));
}

}  // namespace tessera
