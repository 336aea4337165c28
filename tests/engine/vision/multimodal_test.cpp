// Multimodal prompts and the decoder-input API around the fixture models: several images per prompt,
// the embedding cache, batching of image chunks, and every misuse or bad file giving a precise error.
#include <cmath>
#include <filesystem>
#include <functional>

#include "engine/gguf/gguf_writer.h"
#include "engine/models/text/synthetic_model.h"
#include "engine/ops/ops.h"
#include "engine/runtime/session.h"
#include "tests/engine/vision/vision_fixture_util.h"

using namespace tessera;
using namespace tessera::test;
namespace fs = std::filesystem;

namespace {

fs::path temp_path(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("tessera-mm-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir / name;
}

// Copies a GGUF file, letting `keep_tensor` drop/replace tensors and `edit_meta` change keys.
fs::path rewrite(const fs::path& src, const std::string& name,
                 const std::function<bool(GgufWriter&, const GgufTensorInfo&)>& keep_tensor,
                 const std::function<void(GgufWriter&)>& edit_meta = {}) {
    auto f = GgufFile::open(src.string());
    EXPECT_TRUE(f.is_ok());
    GgufWriter w;
    for (const auto& [k, v] : f.value()->metadata()) w.set(k, v);
    if (edit_meta) edit_meta(w);
    for (const auto& t : f.value()->tensors()) {
        if (!keep_tensor(w, t)) continue;
        const auto* p = static_cast<const uint8_t*>(t.tensor.data);
        std::vector<int64_t> ne(t.tensor.ne, t.tensor.ne + t.tensor.n_dims);
        EXPECT_TRUE(w.add_tensor(t.tensor.name, t.tensor.type, ne, std::vector<uint8_t>(p, p + t.tensor.nbytes)).is_ok());
    }
    const fs::path out = temp_path(name);
    EXPECT_TRUE(w.write(out.string()).is_ok());
    return out;
}

const auto keep_all = [](GgufWriter&, const GgufTensorInfo&) { return true; };

struct Family {
    std::shared_ptr<const TextModel> decoder;
    std::shared_ptr<const Projector> projector;
    std::unique_ptr<MultimodalContext> mm;
    ImageU8 shapes, odd;
};

::testing::AssertionResult load_family(const std::string& family, Family* f) {
    const auto dir = fixture("vision/models");
    auto d = load_text_model((dir / ("decoder-" + family + ".gguf")).string());
    if (!d.is_ok()) return ::testing::AssertionFailure() << d.status().to_string();
    auto p = Projector::load((dir / ("mmproj-" + family + ".gguf")).string());
    if (!p.is_ok()) return ::testing::AssertionFailure() << p.status().to_string();
    f->decoder = d.value();
    f->projector = std::move(p).value();
    auto mm = MultimodalContext::create(f->decoder, f->projector);
    if (!mm.is_ok()) return ::testing::AssertionFailure() << mm.status().to_string();
    f->mm = std::move(mm).value();
    auto a = load_image_file(fixture("vision/images/shapes_320x240.png").string());
    auto b = load_image_file(fixture("vision/images/odd_97x61.png").string());
    if (!a.is_ok() || !b.is_ok()) return ::testing::AssertionFailure() << "cannot load the fixture images";
    f->shapes = std::move(a).value();
    f->odd = std::move(b).value();
    return ::testing::AssertionSuccess();
}

#define REQUIRE_VISION_FIXTURES() TESSERA_REQUIRE_FIXTURE(fixture("vision/models/mmproj-gemma3.gguf"))

TEST(Multimodal, TwoImagesInOnePromptAndTheEmbeddingCache) {
    REQUIRE_VISION_FIXTURES();
    Family f;
    ASSERT_TRUE(load_family("gemma3", &f));
    const ImageU8 images[2] = {f.shapes, f.odd};
    auto prompt = f.mm->tokenize("<__media__> and <__media__>: which is larger?", images);
    ASSERT_TRUE(prompt.is_ok()) << prompt.status().to_string();
    std::vector<int> image_of_chunk;
    for (const auto& c : prompt->chunks)
        if (c.type == ChunkType::image) image_of_chunk.push_back(c.image);
    EXPECT_EQ(image_of_chunk, (std::vector<int>{0, 1}));
    ASSERT_EQ(prompt->chunks.size(), 5u);  // [<s><start_of_image>] img [<end_of_image> and <start_of_image>] img [...]
    const int32_t soi = f.mm->lookup_token("<start_of_image>"), eoi = f.mm->lookup_token("<end_of_image>");
    EXPECT_EQ(prompt->chunks[0].tokens, (std::vector<int32_t>{1, soi}));
    EXPECT_EQ(prompt->chunks[2].tokens.front(), eoi);
    EXPECT_EQ(prompt->chunks[2].tokens.back(), soi);
    EXPECT_NE(prompt->image_hashes[0], prompt->image_hashes[1]);

    Session s(f.decoder, {.n_ctx = 256, .n_threads = 2});
    ASSERT_TRUE(f.mm->eval(s, *prompt).is_ok());
    EXPECT_EQ(f.mm->n_encoded(), 2u);
    EXPECT_EQ(s.n_past(), prompt->n_tokens());
    EXPECT_EQ(s.tokens()[2], Session::kEmbeddingRow);

    // A follow-up question about the same pictures: no encoder run, identical embeddings.
    ThreadPool pool(1);
    auto e1 = f.mm->encode_chunk(*prompt, 1, pool);
    auto follow = f.mm->tokenize("<__media__> What colour is the disc?", std::span<const ImageU8>(&images[0], 1));
    ASSERT_TRUE(follow.is_ok());
    auto e2 = f.mm->encode_chunk(*follow, 1, pool);
    ASSERT_TRUE(e1.is_ok() && e2.is_ok());
    EXPECT_EQ(e1.value().get(), e2.value().get());
    Session s2(f.decoder, {.n_ctx = 256, .n_threads = 2});
    ASSERT_TRUE(f.mm->eval(s2, *follow).is_ok());
    EXPECT_EQ(f.mm->n_encoded(), 2u);
}

TEST(Multimodal, MarkerCountMustMatchTheImages) {
    REQUIRE_VISION_FIXTURES();
    Family f;
    ASSERT_TRUE(load_family("llava15_mlp", &f));
    auto r = f.mm->tokenize("no marker here", std::span<const ImageU8>(&f.odd, 1));
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::invalid_argument);
    EXPECT_NE(r.status().message().find("0 image markers"), std::string::npos) << r.status().message();
    r = f.mm->tokenize("<__media__><__media__>", std::span<const ImageU8>(&f.odd, 1));
    EXPECT_FALSE(r.is_ok());
    // A text-only prompt through the multimodal path is plain tokenisation with BOS.
    r = f.mm->tokenize("Hello", {});
    ASSERT_TRUE(r.is_ok());
    ASSERT_EQ(r->chunks.size(), 1u);
    EXPECT_EQ(r->chunks[0].tokens, f.decoder->tokenizer().encode("Hello", true, true));
}

TEST(Multimodal, ImageChunksAcrossBatchesMatchTheReference) {
    REQUIRE_VISION_FIXTURES();
    // n_batch 5: llava's 64 causal image rows are split across batches; gemma3's bidirectional chunk
    // must stay one batch. Both still reproduce the peer's first logits.
    for (const std::string name : {"llava15_mlp__shapes_320x240", "gemma3__odd_97x61"}) {
        TESSERA_LOAD_VISION_CASE(name, c);
        Family f;
        ASSERT_TRUE(load_family(c.manifest["projector_type"] == "mlp" ? "llava15_mlp" : "gemma3", &f));
        const ImageU8& img = name.find("shapes") != std::string::npos ? f.shapes : f.odd;
        auto prompt = f.mm->tokenize(c.manifest["prompt"]["text"].get<std::string>(), std::span<const ImageU8>(&img, 1));
        ASSERT_TRUE(prompt.is_ok());
        Session s(f.decoder, {.n_ctx = 256, .n_threads = 2, .n_batch = 5});
        ASSERT_TRUE(f.mm->eval(s, *prompt).is_ok());
        const auto ref = c.f32("logits");
        EXPECT_LE(max_abs_diff(s.logits(), ref.data(), static_cast<size_t>(s.n_vocab())), 2e-3) << name;
    }
}

TEST(Multimodal, SessionEmbeddingInputErrorsAndTruncate) {
    REQUIRE_VISION_FIXTURES();
    Family f;
    ASSERT_TRUE(load_family("qwen25vl", &f));
    const int64_t n_embd = f.decoder->hparams().n_embd;
    Session s(f.decoder, {.n_ctx = 40, .n_threads = 1});
    ASSERT_TRUE(s.eval(std::vector<int32_t>{1, 512}).is_ok());
    // A 4x3 image grid: 12 rows, positions advance by max(4, 3).
    std::vector<float> embd(12 * n_embd, 0.01f);
    const auto mrope = MultimodalContext::mrope_positions(s.next_pos(), 4, 3);
    EmbeddingInput in;
    in.embd = embd.data();
    in.n_tokens = 12;
    in.mrope_pos = mrope.data();
    in.n_pos = 4;
    ASSERT_TRUE(s.eval_embeddings(in).is_ok());
    EXPECT_EQ(s.n_past(), 14);
    EXPECT_EQ(s.next_pos(), 6);
    ASSERT_TRUE(s.eval(std::vector<int32_t>{513, 300}).is_ok());
    EXPECT_EQ(s.next_pos(), 8);
    s.truncate(14);
    EXPECT_EQ(s.next_pos(), 6);
    s.truncate(2);
    EXPECT_EQ(s.next_pos(), 2);

    embd[5] = NAN;
    Status st = s.eval_embeddings(in);
    EXPECT_EQ(st.code(), ErrorCode::invalid_argument);
    EXPECT_NE(st.message().find("not finite"), std::string::npos) << st.message();
    embd[5] = 0.0f;
    std::vector<float> big(40 * n_embd, 0.0f);
    EmbeddingInput over;
    over.embd = big.data();
    over.n_tokens = 40;
    EXPECT_EQ(s.eval_embeddings(over).code(), ErrorCode::context_overflow);
    EXPECT_EQ(s.n_past(), 2);

    // M-RoPE positions for a decoder without M-RoPE.
    Family g;
    ASSERT_TRUE(load_family("llava15_mlp", &g));
    Session t(g.decoder, {.n_ctx = 40, .n_threads = 1});
    st = t.eval_embeddings(in);
    EXPECT_EQ(st.code(), ErrorCode::invalid_argument);
    EXPECT_NE(st.message().find("M-RoPE"), std::string::npos) << st.message();
}

TEST(Multimodal, CancelFlagStopsTheEncoder) {
    REQUIRE_VISION_FIXTURES();
    Family f;
    ASSERT_TRUE(load_family("smolvlm_idefics3", &f));
    auto prompt = f.mm->tokenize("<__media__>", std::span<const ImageU8>(&f.odd, 1));
    ASSERT_TRUE(prompt.is_ok());
    std::atomic<bool> cancel{true};
    Session s(f.decoder, {.n_ctx = 256, .n_threads = 1});
    const Status st = f.mm->eval(s, *prompt, 0, &cancel);
    EXPECT_EQ(st.code(), ErrorCode::cancelled);
    EXPECT_EQ(f.mm->n_encoded(), 0u);
}

TEST(Multimodal, BadProjectorFilesAreNamedPrecisely) {
    REQUIRE_VISION_FIXTURES();
    const fs::path mmproj = fixture("vision/models/mmproj-gemma3.gguf");
    auto p = Projector::load(rewrite(mmproj, "unknown-type.gguf", keep_all, [](GgufWriter& w) {
                                 w.set_string("clip.projector_type", "resampler9");
                             }).string());
    ASSERT_FALSE(p.is_ok());
    EXPECT_EQ(p.status().code(), ErrorCode::unsupported);
    EXPECT_NE(p.status().message().find("'resampler9'"), std::string::npos) << p.status().message();

    p = Projector::load(rewrite(mmproj, "missing.gguf", [](GgufWriter&, const GgufTensorInfo& t) {
                            return t.tensor.name != "v.blk.1.ffn_down.weight";
                        }).string());
    ASSERT_FALSE(p.is_ok());
    EXPECT_NE(p.status().message().find("v.blk.1.ffn_down.weight"), std::string::npos) << p.status().message();

    p = Projector::load(rewrite(mmproj, "misshapen.gguf", [](GgufWriter& w, const GgufTensorInfo& t) {
                            if (t.tensor.name != "v.blk.0.attn_q.weight") return true;
                            EXPECT_TRUE(w.add_tensor_f32(t.tensor.name, {96, 48}, std::vector<float>(96 * 48)).is_ok());
                            return false;
                        }).string());
    ASSERT_FALSE(p.is_ok());
    const std::string msg = p.status().message();
    EXPECT_NE(msg.find("v.blk.0.attn_q.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("expected shape [96, 96]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("found [96, 48]"), std::string::npos) << msg;

    p = Projector::load(fixture("vision/models/decoder-gemma3.gguf").string());
    ASSERT_FALSE(p.is_ok());
    EXPECT_NE(p.status().message().find("expected 'clip'"), std::string::npos) << p.status().message();
}

TEST(Multimodal, DecoderAndProjectorMustFit) {
    REQUIRE_VISION_FIXTURES();
    auto qwen = Projector::load(fixture("vision/models/mmproj-qwen25vl.gguf").string());
    auto llama = load_text_model(fixture("vision/models/decoder-llava15_mlp.gguf").string());
    ASSERT_TRUE(qwen.is_ok() && llama.is_ok());
    auto mm = MultimodalContext::create(llama.value(), std::move(qwen).value());
    ASSERT_FALSE(mm.is_ok());
    EXPECT_NE(mm.status().message().find("M-RoPE"), std::string::npos) << mm.status().message();

    SyntheticModelSpec spec;
    spec.arch = "llama";
    spec.n_vocab = 300;
    spec.n_embd = 32;
    spec.n_layer = 1;
    spec.n_head = 4;
    spec.n_head_kv = 2;
    spec.head_dim = 8;
    spec.n_ff = 48;
    spec.weight_type = "f32";
    const fs::path small = temp_path("small-decoder.gguf");
    ASSERT_TRUE(write_synthetic_text_model(spec, small.string()).is_ok());
    auto dec = load_text_model(small.string());
    auto proj = Projector::load(fixture("vision/models/mmproj-llava15_mlp.gguf").string());
    ASSERT_TRUE(dec.is_ok() && proj.is_ok());
    mm = MultimodalContext::create(dec.value(), std::move(proj).value());
    ASSERT_FALSE(mm.is_ok());
    EXPECT_NE(mm.status().message().find("64-wide embeddings but the decoder's n_embd is 32"), std::string::npos)
        << mm.status().message();
}

}  // namespace
