// The decoder side of image question answering against llama.cpp's 16 greedy steps (logits.f32):
//   * teacher forced from the reference embeddings (embd.f32): decoder input beyond token ids,
//     positions / M-RoPE and the image masks in isolation;
//   * end to end: PNG -> preprocessing -> encoder -> projector -> decoder, teacher forced;
//   * free-running greedy ids, compared while the reference top-1 margin is well above our error.
// Tolerance (fixtures/README.md): max |d logit| <= 2e-3 per step.
//
// qwen25vl: the peer computed its qwen2vl decoder with RMSNorm eps 0 -- its qwen2vl hparams loader at
// d32676d7 does not read qwen2vl.attention.layer_norm_rms_epsilon (1e-5 in the file). With eps 0 we
// match it to f32 rounding (2.4e-7); with the file's eps every logit is ~0.19% smaller (the tiny random
// decoder's hidden states have mean square ~2.5e-3, so 1e-5 matters; for real models it does not).
// The parity checks therefore load the qwen decoder with the key set to 0, and a separate test pins
// down that the file's eps explains the whole difference.
#include <cmath>
#include <filesystem>

#include "engine/gguf/gguf_writer.h"
#include "engine/ops/ops.h"
#include "engine/runtime/session.h"
#include "tests/engine/vision/vision_fixture_util.h"

using namespace tessera;
using namespace tessera::test;
namespace fs = std::filesystem;

namespace {

constexpr double kLogitTol = 2e-3;

// The decoder as the peer ran it (see the file comment): for qwen2vl, a copy with eps 0.
fs::path peer_decoder_path(const VisionCase& c) {
    const fs::path src = c.file("decoder");
    auto f = GgufFile::open(src.string());
    if (!f.is_ok() || f.value()->get_string_or("general.architecture", "") != "qwen2vl") return src;
    GgufWriter w;
    for (const auto& [k, v] : f.value()->metadata()) w.set(k, v);
    w.set_f32("qwen2vl.attention.layer_norm_rms_epsilon", 0.0f);
    for (const auto& t : f.value()->tensors()) {
        const auto* p = static_cast<const uint8_t*>(t.tensor.data);
        std::vector<int64_t> ne(t.tensor.ne, t.tensor.ne + t.tensor.n_dims);
        EXPECT_TRUE(w.add_tensor(t.tensor.name, t.tensor.type, ne, std::vector<uint8_t>(p, p + t.tensor.nbytes)).is_ok());
    }
    const fs::path dir = fs::temp_directory_path() / ("tessera-vision-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path out = dir / (c.name + "-decoder-eps0.gguf");
    EXPECT_TRUE(w.write(out.string()).is_ok());
    return out;
}

struct Loaded {
    std::shared_ptr<const TextModel> decoder;
    std::unique_ptr<MultimodalContext> mm;
    ImageU8 image;
    MultimodalPrompt prompt;
};

::testing::AssertionResult load_all(const VisionCase& c, const fs::path& decoder_path, Loaded* out) {
    auto decoder = load_text_model(decoder_path.string());
    if (!decoder.is_ok()) return ::testing::AssertionFailure() << decoder.status().to_string();
    out->decoder = decoder.value();
    auto projector = Projector::load(c.file("mmproj").string());
    if (!projector.is_ok()) return ::testing::AssertionFailure() << projector.status().to_string();
    auto mm = MultimodalContext::create(out->decoder, std::move(projector).value());
    if (!mm.is_ok()) return ::testing::AssertionFailure() << mm.status().to_string();
    out->mm = std::move(mm).value();
    auto image = load_image_file(c.file("image").string());
    if (!image.is_ok()) return ::testing::AssertionFailure() << image.status().to_string();
    out->image = std::move(image).value();
    auto prompt = out->mm->tokenize(c.manifest["prompt"]["text"].get<std::string>(),
                                    std::span<const ImageU8>(&out->image, 1));
    if (!prompt.is_ok()) return ::testing::AssertionFailure() << prompt.status().to_string();
    out->prompt = std::move(prompt).value();
    return ::testing::AssertionSuccess();
}

// Evaluates the prompt with the image chunks taken from the reference embeddings.
Status eval_with_reference_embd(Session& s, const MultimodalPrompt& prompt, const std::vector<float>& embd,
                                int64_t n_embd) {
    int64_t row = 0;
    for (size_t i = 0; i < prompt.chunks.size(); ++i) {
        const PromptChunk& c = prompt.chunks[i];
        const LogitsMode mode = i + 1 == prompt.chunks.size() ? LogitsMode::last : LogitsMode::none;
        if (c.type == ChunkType::text) {
            TS_RETURN_IF_ERROR(s.eval(c.tokens, mode));
            continue;
        }
        EmbeddingInput in;
        in.embd = embd.data() + row * n_embd;
        in.n_tokens = c.n_tokens;
        in.n_pos = c.n_pos;
        in.bidirectional = c.non_causal;
        std::vector<int32_t> mrope;
        if (c.grid_w > 0) {
            mrope = MultimodalContext::mrope_positions(s.next_pos(), c.grid_w, c.grid_h);
            in.mrope_pos = mrope.data();
        }
        TS_RETURN_IF_ERROR(s.eval_embeddings(in, mode));
        row += c.n_tokens;
    }
    return Status::ok();
}

struct StepStats {
    double max_abs = 0;   // worst max |d| over the steps
    double rel_l2 = 0;    // worst rel. L2
    double corr = 1;      // most negative correlation between error and reference
};

// Feeds the reference ids one by one and measures every step's logits against the reference; with
// `check`, enforces the tolerance and the argmax where the margin allows.
StepStats teacher_forced(Session& s, const VisionCase& c, const std::string& what, bool check) {
    const auto gen = c.manifest["generated"].get<std::vector<int32_t>>();
    const auto margin = c.manifest["top1_margin"].get<std::vector<double>>();
    const std::vector<float> ref = c.f32("logits");
    const int64_t nv = s.n_vocab();
    EXPECT_EQ(static_cast<int64_t>(ref.size()), static_cast<int64_t>(gen.size()) * nv);
    StepStats st;
    for (size_t g = 0; g < gen.size(); ++g) {
        if (g > 0) {
            const Status e = s.eval(std::span<const int32_t>(&gen[g - 1], 1));
            EXPECT_TRUE(e.is_ok()) << e.to_string();
            if (!e.is_ok()) return {INFINITY, INFINITY, 1};
        }
        const float* r = ref.data() + g * nv;
        const double d = max_abs_diff(s.logits(), r, static_cast<size_t>(nv));
        double ee = 0, rr = 0, er = 0;
        for (int64_t i = 0; i < nv; ++i) {
            const double e = static_cast<double>(s.logits()[i]) - r[i];
            ee += e * e;
            rr += static_cast<double>(r[i]) * r[i];
            er += e * r[i];
        }
        st.max_abs = std::max(st.max_abs, d);
        st.rel_l2 = std::max(st.rel_l2, std::sqrt(ee / rr));
        st.corr = std::min(st.corr, ee > 0 ? er / std::sqrt(ee * rr) : 0.0);
        if (!check) continue;
        EXPECT_LE(d, kLogitTol) << what << " step " << g;
        if (margin[g] > 2 * kLogitTol) EXPECT_EQ(ops::argmax(s.logits(), nv), gen[g]) << what << " step " << g;
    }
    return st;
}

class VisionDecode : public ::testing::TestWithParam<std::string> {};

TEST_P(VisionDecode, TeacherForcedFromReferenceEmbeddings) {
    TESSERA_LOAD_VISION_CASE(GetParam(), c);
    Loaded l;
    ASSERT_TRUE(load_all(c, peer_decoder_path(c), &l));
    Session s(l.decoder, {.n_ctx = 512, .n_threads = 2});
    const Status st = eval_with_reference_embd(s, l.prompt, c.f32("embd"), l.decoder->hparams().n_embd);
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    EXPECT_EQ(s.next_pos(), c.manifest["n_past_after_prompt"].get<int64_t>());
    EXPECT_EQ(s.n_past(), l.prompt.n_tokens());
    const StepStats r = teacher_forced(s, c, c.name + " (reference embeddings)", true);
    RecordProperty("max_abs_logits", std::to_string(r.max_abs));
    std::printf("[ %s ] decoder from reference embeddings: max |d logit| %.3g\n", c.name.c_str(), r.max_abs);
}

TEST_P(VisionDecode, EndToEndTeacherForcedAndGreedy) {
    TESSERA_LOAD_VISION_CASE(GetParam(), c);
    Loaded l;
    ASSERT_TRUE(load_all(c, peer_decoder_path(c), &l));
    Session s(l.decoder, {.n_ctx = 512, .n_threads = 2});
    Status st = l.mm->eval(s, l.prompt);
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    const StepStats r = teacher_forced(s, c, c.name + " (end to end)", true);
    RecordProperty("max_abs_logits", std::to_string(r.max_abs));

    // Free-running greedy: the ids must agree while every reference margin so far exceeds 10x the
    // logit error measured above (at least 1e-5); after a closer call a different pick would be
    // legitimate and the comparison stops.
    const auto gen = c.manifest["generated"].get<std::vector<int32_t>>();
    const auto margin = c.manifest["top1_margin"].get<std::vector<double>>();
    Session fresh(l.decoder, {.n_ctx = 512, .n_threads = 2});
    st = l.mm->eval(fresh, l.prompt);
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    EXPECT_EQ(l.mm->n_encoded(), l.prompt.images[0]->entries.size()) << "the second eval must reuse the cached embeddings";
    const double min_margin = std::max(10 * r.max_abs, 1e-5);
    size_t compared = 0;
    for (size_t g = 0; g < gen.size() && margin[g] > min_margin; ++g, ++compared) {
        const int32_t next = ops::argmax(fresh.logits(), fresh.n_vocab());
        ASSERT_EQ(next, gen[g]) << c.name << " greedy step " << g;
        ASSERT_TRUE(fresh.eval(std::span<const int32_t>(&next, 1)).is_ok());
    }
    std::printf("[ %s ] end to end: max |d logit| %.3g, greedy ids identical for %zu/%zu steps (margin-limited)\n",
                c.name.c_str(), r.max_abs, compared, gen.size());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, VisionDecode, ::testing::ValuesIn(vision_cases()), vision_case_name);

// The file's RMSNorm eps (1e-5) against the peer's 0: the whole difference is a uniform rescale of the
// logits (error anti-correlated with the reference, ~0.19% relative), nothing structural.
TEST(VisionDecodeQwen, FileEpsExplainsTheDifferenceToThePeer) {
    for (const std::string name : {"qwen25vl__shapes_320x240", "qwen25vl__odd_97x61"}) {
        TESSERA_LOAD_VISION_CASE(name, c);
        Loaded l;
        ASSERT_TRUE(load_all(c, c.file("decoder"), &l));
        EXPECT_NEAR(l.decoder->hparams().norm_eps, 1e-5, 1e-9);
        Session s(l.decoder, {.n_ctx = 512, .n_threads = 2});
        ASSERT_TRUE(eval_with_reference_embd(s, l.prompt, c.f32("embd"), l.decoder->hparams().n_embd).is_ok());
        const StepStats r = teacher_forced(s, c, name + " (file eps)", false);
        EXPECT_LT(r.corr, -0.9) << name;
        EXPECT_LT(r.rel_l2, 3e-3) << name;
        EXPECT_GT(r.rel_l2, 1e-3) << name << ": the file's eps no longer makes a difference (did the peer change?)";
        std::printf("[ %s ] with the file's eps 1e-5: max |d logit| %.3g, rel L2 %.3g, corr(err, ref) %.3f\n",
                    name.c_str(), r.max_abs, r.rel_l2, r.corr);
    }
}

}  // namespace
