// Qwen2-Audio (llama.cpp libmtmd "qwen2a") against the fixtures: the audio embeddings (embd.f32, from
// llama.cpp's mel and from our own mel of pcm_16k.f32), then the decoder fed with them through
// Session::eval_embeddings (<s><|audio_bos|>[750 audio rows]<|audio_eos|> What is in the audio?) and its 16
// greedy steps (logits.f32), teacher forced.
// Tolerances (fixtures/README.md): embeddings rel. L2 <= 2e-3; logits max |d| <= 2e-3 as for the vision
// decoders.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine/audio/mel.h"
#include "engine/models/audio/qwen2audio.h"
#include "engine/ops/ops.h"
#include "engine/runtime/session.h"
#include "engine/runtime/text_model.h"
#include "tests/support/test_support.h"

using namespace tessera;
using json = nlohmann::json;

namespace {

class Qwen2AudioFixture : public ::testing::TestWithParam<const char*> {
protected:
    std::string file(const std::string& name) const { return test::fixture(std::string("audio/") + GetParam() + "/" + name).string(); }
};

std::shared_ptr<const Qwen2AudioEncoder> load_encoder() {
    auto e = Qwen2AudioEncoder::load(test::fixture("audio/models/mmproj-qwen2audio.gguf").string());
    EXPECT_TRUE(e.is_ok()) << e.status().to_string();
    return e.is_ok() ? e.value() : nullptr;
}

double rel_l2(const std::vector<float>& a, const std::vector<float>& ref) { return std::sqrt(test::nmse(a.data(), ref.data(), ref.size())); }

TEST_P(Qwen2AudioFixture, EmbeddingsMatchLlamaCpp) {
    TESSERA_REQUIRE_FIXTURE(test::fixture(std::string("audio/") + GetParam() + "/embd.f32"));
    auto enc = load_encoder();
    ASSERT_TRUE(enc);
    EXPECT_EQ(enc->n_tokens(), 750);
    EXPECT_EQ(enc->n_embd_out(), 64);
    ThreadPool pool(2);
    const auto ref = test::read_f32_file(file("embd.f32"));
    ASSERT_EQ(ref.size(), 750u * 64);

    // 1) llama.cpp's own mel as input: the encoder in isolation.
    const auto ref_mel = test::read_f32_file(file("mel.f32"));
    std::vector<float> got;
    ASSERT_TRUE(enc->encode(ref_mel.data(), &got, pool).is_ok());
    const double r1 = rel_l2(got, ref), m1 = test::max_abs_diff(got.data(), ref.data(), ref.size());
    // 2) end to end from the samples, with the computed Slaney filter bank (the GGUF has none).
    const auto pcm = test::read_f32_file(file("pcm_16k.f32"));
    auto mel = audio::whisper_log_mel(pcm.data(), static_cast<int64_t>(pcm.size()), audio::mel_filters_slaney(enc->n_mels()), &pool);
    ASSERT_TRUE(mel.is_ok());
    std::vector<float> window(static_cast<size_t>(enc->n_mels() * enc->n_frames()));
    audio::mel_window(mel.value(), 0, enc->n_frames(), window.data());
    std::vector<float> got2;
    ASSERT_TRUE(enc->encode(window.data(), &got2, pool).is_ok());
    const double r2 = rel_l2(got2, ref), m2 = test::max_abs_diff(got2.data(), ref.data(), ref.size());
    std::printf("[measure] %s embd: from llama.cpp mel rel-L2 %.3g max|d| %.3g; from pcm rel-L2 %.3g max|d| %.3g\n", GetParam(), r1, m1,
                r2, m2);
    EXPECT_LE(r1, 2e-3);
    EXPECT_LE(r2, 2e-3);
}

TEST_P(Qwen2AudioFixture, DecoderOnAudioEmbeddingsMatchesLlamaCpp) {
    TESSERA_REQUIRE_FIXTURE(test::fixture(std::string("audio/") + GetParam() + "/logits.f32"));
    const json m = json::parse(test::read_text_file(file("manifest.json")));
    auto enc = load_encoder();
    ASSERT_TRUE(enc);
    auto decoder = load_text_model(test::fixture("audio/models/decoder-qwen2audio.gguf").string());
    ASSERT_TRUE(decoder.is_ok()) << decoder.status().to_string();
    const int64_t n_vocab = decoder.value()->hparams().n_vocab;
    ASSERT_EQ(decoder.value()->hparams().n_embd, enc->n_embd_out());

    SessionOptions so;
    so.n_threads = 2;
    so.n_ctx = 1024;
    Session s(decoder.value(), so);
    const auto pcm = test::read_f32_file(file("pcm_16k.f32"));
    auto mel = audio::whisper_log_mel(pcm.data(), static_cast<int64_t>(pcm.size()), audio::mel_filters_slaney(enc->n_mels()), &s.pool());
    ASSERT_TRUE(mel.is_ok());
    std::vector<float> window(static_cast<size_t>(enc->n_mels() * enc->n_frames()));
    audio::mel_window(mel.value(), 0, enc->n_frames(), window.data());
    std::vector<float> embd;
    ASSERT_TRUE(enc->encode(window.data(), &embd, s.pool()).is_ok());

    // The prompt chunks exactly as the manifest lists them (text, audio, text).
    for (const json& c : m["chunks"]) {
        ASSERT_EQ(s.next_pos(), c["pos_start"].get<int64_t>());
        if (c["type"] == "audio") {
            EmbeddingInput in;
            in.embd = embd.data();
            in.n_tokens = c["n_tokens"].get<int64_t>();
            ASSERT_EQ(in.n_tokens, enc->n_tokens());
            ASSERT_TRUE(s.eval_embeddings(in, LogitsMode::none).is_ok());
        } else {
            const auto toks = c["tokens"].get<std::vector<int32_t>>();
            ASSERT_TRUE(s.eval(toks).is_ok());
        }
    }
    ASSERT_EQ(s.n_past(), m["n_past_after_prompt"].get<int64_t>());

    const auto ref = test::read_f32_file(file("logits.f32"));
    const auto generated = m["generated"].get<std::vector<int32_t>>();
    ASSERT_EQ(ref.size(), generated.size() * static_cast<size_t>(n_vocab));
    double worst = 0.0, worst_rel = 0.0;
    std::vector<int32_t> got;
    for (size_t i = 0; i < generated.size(); ++i) {
        const float* row = ref.data() + i * n_vocab;
        worst = std::max(worst, test::max_abs_diff(s.logits(), row, static_cast<size_t>(n_vocab)));
        worst_rel = std::max(worst_rel, std::sqrt(test::nmse(s.logits(), row, static_cast<size_t>(n_vocab))));
        got.push_back(ops::argmax(s.logits(), n_vocab));
        ASSERT_TRUE(s.eval(std::span<const int32_t>(&generated[i], 1)).is_ok());  // teacher forced
    }
    std::printf("[measure] %s logits (16 steps, end to end from pcm): max|d| %.3g, worst rel-L2 %.3g\n", GetParam(), worst, worst_rel);
    EXPECT_LE(worst, 2e-3);
    EXPECT_EQ(got, generated);
}

INSTANTIATE_TEST_SUITE_P(Audio, Qwen2AudioFixture,
                         ::testing::Values("qwen2audio__tone_chirp_16k_mono_3s", "qwen2audio__stereo_44k1_2s"));

TEST(Qwen2AudioLoad, RejectsNonAudioProjectors) {
    const auto vision = test::fixture("vision/models/mmproj-gemma3.gguf");
    TESSERA_REQUIRE_FIXTURE(vision);
    auto e = Qwen2AudioEncoder::load(vision.string());
    ASSERT_FALSE(e.is_ok());
    EXPECT_NE(e.status().message().find("mmproj-gemma3.gguf"), std::string::npos) << e.status().to_string();
    EXPECT_NE(Qwen2AudioEncoder::load(test::fixture("audio/models/decoder-qwen2audio.gguf").string()).status().code(), ErrorCode::ok);
}

}  // namespace
