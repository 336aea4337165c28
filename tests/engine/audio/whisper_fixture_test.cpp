// Whisper against whisper.cpp's references (../shared/fixtures/audio, README "audio"): a random-weight
// tiny Whisper in F16 and F32, two WAVs. Each case feeds pcm_16k.f32 (the peer's decoded samples) through
// our log-mel, encoder and decoder and compares the SOT-prompt logits and the 16 greedy ids.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine/audio/mel.h"
#include "engine/models/audio/whisper.h"
#include "engine/ops/ops.h"
#include "tests/support/test_support.h"

using namespace tessera;
using json = nlohmann::json;

namespace {

struct WhisperCase {
    const char* dir;
};

const WhisperCase kCases[] = {
    {"whisper_f16__tone_chirp_16k_mono_3s"},
    {"whisper_f16__stereo_44k1_2s"},
    {"whisper_f32__tone_chirp_16k_mono_3s"},
    {"whisper_f32__stereo_44k1_2s"},
};

std::string case_path(const WhisperCase& c, const std::string& file) { return std::string("audio/") + c.dir + "/" + file; }

struct Loaded {
    json manifest;
    std::shared_ptr<const WhisperModel> model;
    std::vector<float> pcm;
};

Loaded load_case(const WhisperCase& c) {
    Loaded l;
    l.manifest = json::parse(test::read_text_file(test::fixture(case_path(c, "manifest.json"))));
    const std::string model_rel = l.manifest["files"]["model"].get<std::string>();  // "../models/..."
    auto m = WhisperModel::load(test::fixture(std::string("audio/") + c.dir + "/" + model_rel).string());
    EXPECT_TRUE(m.is_ok()) << m.status().to_string();
    if (m.is_ok()) l.model = std::move(m).value();
    l.pcm = test::read_f32_file(test::fixture(case_path(c, "pcm_16k.f32")));
    return l;
}

// First 30 s window of the log-mel of `pcm` with the model's own filters.
std::vector<float> first_window(const WhisperModel& model, const std::vector<float>& pcm) {
    audio::MelFilterBank fb;
    fb.n_mel = model.mel_n_mel();
    fb.n_bins = model.mel_n_bins();
    fb.data = model.mel_filters();
    auto mel = audio::whisper_log_mel(pcm.data(), static_cast<int64_t>(pcm.size()), fb);
    EXPECT_TRUE(mel.is_ok()) << mel.status().to_string();
    const int64_t n_frames = 2 * model.hparams().n_audio_ctx;
    std::vector<float> window(static_cast<size_t>(fb.n_mel * n_frames));
    if (mel.is_ok()) audio::mel_window(mel.value(), 0, n_frames, window.data());
    return window;
}

class WhisperFixture : public ::testing::TestWithParam<WhisperCase> {};

TEST_P(WhisperFixture, SotLogitsMatchWhisperCpp) {
    const WhisperCase& c = GetParam();
    TESSERA_REQUIRE_FIXTURE(test::fixture(case_path(c, "manifest.json")));
    Loaded l = load_case(c);
    ASSERT_TRUE(l.model);
    const auto prompt = l.manifest["prompt_tokens"].get<std::vector<int32_t>>();
    const auto ref = test::read_f32_file(test::fixture(case_path(c, "logits_sot.f32")));
    const int64_t n_vocab = l.model->hparams().n_vocab;
    ASSERT_EQ(ref.size(), prompt.size() * static_cast<size_t>(n_vocab));

    for (bool f16_kv : {true, false}) {
        WhisperStateOptions so;
        so.n_threads = 2;
        so.f16_kv = f16_kv;
        WhisperState st(l.model, so);
        const auto window = first_window(*l.model, l.pcm);
        ASSERT_TRUE(st.encode(window.data(), l.model->hparams().n_mels, 2 * l.model->hparams().n_audio_ctx).is_ok());
        ASSERT_TRUE(st.decode(prompt, 0, 0, /*all_logits=*/true).is_ok());
        ASSERT_EQ(st.n_logit_rows(), static_cast<int64_t>(prompt.size()));
        const double max_abs = test::max_abs_diff(st.logits(0), ref.data(), ref.size());
        const double rel_l2 = std::sqrt(test::nmse(st.logits(0), ref.data(), ref.size()));
        std::printf("[measure] %s f16_kv=%d: SOT logits max|d| %.3g rel-L2 %.3g\n", c.dir, f16_kv, max_abs, rel_l2);
        EXPECT_LE(max_abs, 3e-3) << c.dir << " f16_kv=" << f16_kv;
        RecordProperty(std::string("max_abs_f16kv") + (f16_kv ? "1" : "0"), std::to_string(max_abs));
    }
}

TEST_P(WhisperFixture, GreedyIdsMatchWhisperCpp) {
    const WhisperCase& c = GetParam();
    TESSERA_REQUIRE_FIXTURE(test::fixture(case_path(c, "manifest.json")));
    Loaded l = load_case(c);
    ASSERT_TRUE(l.model);
    const auto prompt = l.manifest["prompt_tokens"].get<std::vector<int32_t>>();
    const auto generated = l.manifest["generated"].get<std::vector<int32_t>>();
    const json& top10 = l.manifest["top10_per_step"];
    const int64_t n_vocab = l.model->hparams().n_vocab;

    WhisperStateOptions so;
    so.n_threads = 2;
    WhisperState st(l.model, so);
    const auto window = first_window(*l.model, l.pcm);
    ASSERT_TRUE(st.encode(window.data(), l.model->hparams().n_mels, 2 * l.model->hparams().n_audio_ctx).is_ok());
    ASSERT_TRUE(st.decode(prompt, 0).is_ok());

    // Teacher forced: step i sees the reference ids before it; raw argmax over all logits (no suppression).
    double worst_top10 = 0.0;
    std::vector<int32_t> got;
    for (size_t i = 0; i < generated.size(); ++i) {
        got.push_back(ops::argmax(st.logits(), n_vocab));
        const auto ids = top10[i]["ids"].get<std::vector<int32_t>>();
        const auto vals = top10[i]["logits"].get<std::vector<float>>();
        for (size_t j = 0; j < ids.size(); ++j) worst_top10 = std::max(worst_top10, std::fabs(double(st.logits()[ids[j]]) - vals[j]));
        const int32_t next = generated[i];
        ASSERT_TRUE(st.decode(std::span<const int32_t>(&next, 1), static_cast<int64_t>(prompt.size() + i)).is_ok());
    }
    std::printf("[measure] %s: greedy top-10 logits max|d| %.3g over 16 steps\n", c.dir, worst_top10);
    EXPECT_EQ(got, generated) << c.dir;
    EXPECT_LE(worst_top10, 3e-3);

    // Free running: our own argmax fed back; identical while no step's margin is inside our error.
    ASSERT_TRUE(st.decode(prompt, 0).is_ok());
    std::vector<int32_t> free_run;
    for (size_t i = 0; i < generated.size(); ++i) {
        const int32_t next = ops::argmax(st.logits(), n_vocab);
        free_run.push_back(next);
        ASSERT_TRUE(st.decode(std::span<const int32_t>(&next, 1), static_cast<int64_t>(prompt.size() + i)).is_ok());
    }
    EXPECT_EQ(free_run, generated) << c.dir;
}

INSTANTIATE_TEST_SUITE_P(Audio, WhisperFixture, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<WhisperCase>& info) {
                             std::string s = info.param.dir;
                             for (char& ch : s)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return s;
                         });

TEST(WhisperModelLoad, FixtureLayoutAndVocab) {
    const auto path = test::fixture("audio/models/ggml-tiny-random-f16.bin");
    TESSERA_REQUIRE_FIXTURE(path);
    auto m = WhisperModel::load(path.string());
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    const WhisperModel& model = *m.value();
    const WhisperHParams& h = model.hparams();
    EXPECT_EQ(h.n_vocab, 51865);
    EXPECT_EQ(h.n_audio_state, 64);
    EXPECT_EQ(h.n_text_layer, 2);
    EXPECT_EQ(h.ftype, 1);
    EXPECT_EQ(model.mel_n_mel(), 80);
    EXPECT_EQ(model.mel_n_bins(), 201);
    // 2 x 6 encoder + 2 x 10 decoder matrices + the token embedding; 56 vectors/positions/conv kernels.
    EXPECT_EQ(model.n_matrices_mapped() + model.n_matrices_realigned(), 33);
    EXPECT_EQ(model.n_tensors_converted(), 56);
    std::printf("[measure] f16 model: %d matrices mapped in place, %d realigned, %d converted (%zu bytes copied)\n",
                model.n_matrices_mapped(), model.n_matrices_realigned(), model.n_tensors_converted(), model.bytes_copied());
    const WhisperVocab& v = model.vocab();
    EXPECT_TRUE(v.multilingual());
    EXPECT_EQ(v.eot, 50257);
    EXPECT_EQ(v.sot, 50258);
    EXPECT_EQ(v.lang_token(WhisperVocab::lang_id("en")), 50259);
    EXPECT_EQ(v.translate, 50358);
    EXPECT_EQ(v.transcribe, 50359);
    EXPECT_EQ(v.solm, 50360);
    EXPECT_EQ(v.prev, 50361);
    EXPECT_EQ(v.nosp, 50362);
    EXPECT_EQ(v.notimestamps, 50363);
    EXPECT_EQ(v.timestamp_begin, 50364);
    EXPECT_EQ(v.num_languages(), 99);
    EXPECT_EQ(v.token_text(50258), "[_SOT_]");
    EXPECT_EQ(v.token_text(50259), "[_LANG_en]");
    EXPECT_EQ(v.token_text(50364 + 150), "[_TT_150]");
    EXPECT_DOUBLE_EQ(v.timestamp_seconds(50364 + 150), 3.0);
    // Byte-level BPE tokens are stored as raw bytes (no GPT-2 byte-to-unicode mapping): a token with a
    // leading space is found by its plain bytes, and decoding concatenates bytes, skipping specials.
    const int32_t hello = v.find("Hello"), comma = v.find(","), world = v.find(" world"), bang = v.find("!");
    ASSERT_GE(hello, 0);
    ASSERT_GE(comma, 0);
    ASSERT_GE(world, 0);
    ASSERT_GE(bang, 0);
    EXPECT_LT(world, v.eot);
    const std::vector<int32_t> ids = {v.sot, hello, comma, world, bang, v.timestamp_begin + 7, v.eot};
    EXPECT_EQ(v.decode(ids), "Hello, world!");
    EXPECT_EQ(v.decode(ids, /*render_special=*/true), "[_SOT_]Hello, world![_TT_7][_EOT_]");
}

}  // namespace
