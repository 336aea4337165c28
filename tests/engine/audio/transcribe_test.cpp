// Transcriber (whisper_full port): language detection against whisper.cpp's SOT logits, the timestamp
// rules as invariants of every decoded window, long-audio seeking, beam search, temperature fallback,
// cancellation, subtitles formatting, and input errors.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "engine/audio/transcribe.h"
#include "engine/models/audio/whisper_writer.h"
#include "tests/support/test_support.h"

using namespace tessera;
using namespace tessera::audio;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<const WhisperModel> load_fixture_model() {
    auto m = WhisperModel::load(test::fixture("audio/models/ggml-tiny-random-f16.bin").string());
    EXPECT_TRUE(m.is_ok()) << m.status().to_string();
    return m.is_ok() ? m.value() : nullptr;
}

std::vector<float> fixture_pcm() {
    return test::read_f32_file(test::fixture("audio/whisper_f16__tone_chirp_16k_mono_3s/pcm_16k.f32"));
}

// Properties whisper.cpp's logit filters guarantee for every window's tokens.
void check_invariants(const WhisperVocab& v, const Transcript& t, double seconds) {
    int64_t prev_t0 = 0;
    for (const TranscriptSegment& s : t.segments) {
        EXPECT_LE(s.t0_cs, s.t1_cs);
        EXPECT_GE(s.t0_cs, prev_t0) << "segments go back in time";
        EXPECT_LE(s.t1_cs, static_cast<int64_t>(std::ceil(seconds * 100)));
        prev_t0 = s.t0_cs;
        EXPECT_FALSE(s.text.empty());
        for (int32_t id : s.tokens) {
            EXPECT_TRUE(v.is_text(id) || v.is_timestamp(id) || id == v.eot) << "suppressed token " << id << " (" << v.token_text(id) << ")";
            EXPECT_NE(id, v.notimestamps);
            EXPECT_FALSE(v.is_lang_token(id));
        }
        // Timestamps inside a segment never decrease.
        int32_t last_ts = -1;
        for (int32_t id : s.tokens)
            if (v.is_timestamp(id)) {
                EXPECT_GE(id, last_ts);
                last_ts = id;
            }
    }
}

TEST(Transcribe, LanguageDetectionAgreesWithWhisperCppSotLogits) {
    TESSERA_REQUIRE_FIXTURE(test::fixture("audio/whisper_f16__tone_chirp_16k_mono_3s/logits_sot.f32"));
    auto model = load_fixture_model();
    ASSERT_TRUE(model);
    // Row 0 of logits_sot is whisper.cpp's distribution after <|startoftranscript|>.
    const auto ref = test::read_f32_file(test::fixture("audio/whisper_f16__tone_chirp_16k_mono_3s/logits_sot.f32"));
    const WhisperVocab& v = model->vocab();
    int best = 0;
    for (int l = 1; l < v.num_languages(); ++l)
        if (ref[static_cast<size_t>(v.lang_token(l))] > ref[static_cast<size_t>(v.lang_token(best))]) best = l;
    Transcriber tr(model, 2);
    const auto pcm = fixture_pcm();
    auto mel = tr.log_mel(pcm.data(), static_cast<int64_t>(pcm.size()));
    ASSERT_TRUE(mel.is_ok());
    auto g = tr.detect_language(mel.value(), 0);
    ASSERT_TRUE(g.is_ok()) << g.status().to_string();
    EXPECT_EQ(g->lang_id, best) << "expected " << WhisperVocab::lang_code(best) << ", got " << g->code;
    double sum = 0.0;
    for (float p : g->probs) sum += p;
    EXPECT_NEAR(sum, 1.0, 1e-5);
    std::printf("[measure] detected language %s (p = %.4f), whisper.cpp's SOT row argmax: %s\n", g->code.c_str(), g->prob,
                WhisperVocab::lang_code(best));
    // And through transcribe(language = "auto").
    TranscribeOptions o;
    o.language = "auto";
    o.temperature_inc = 0.0f;
    o.max_tokens_per_window = 24;
    auto t = tr.transcribe(pcm.data(), static_cast<int64_t>(pcm.size()), o);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_EQ(t->language, WhisperVocab::lang_code(best));
}

TEST(Transcribe, GreedyWindowFollowsTimestampRulesAndIsDeterministic) {
    TESSERA_REQUIRE_FIXTURE(test::fixture("audio/models/ggml-tiny-random-f16.bin"));
    auto model = load_fixture_model();
    ASSERT_TRUE(model);
    Transcriber tr(model, 2);
    const auto pcm = fixture_pcm();
    TranscribeOptions o;
    o.max_tokens_per_window = 48;
    std::vector<TranscriptSegment> streamed;
    o.on_segment = [&](const TranscriptSegment& s) {
        streamed.push_back(s);
        return true;
    };
    std::vector<double> progress;
    o.on_progress = [&](double f) { progress.push_back(f); };
    auto a = tr.transcribe(pcm.data(), static_cast<int64_t>(pcm.size()), o);
    ASSERT_TRUE(a.is_ok()) << a.status().to_string();
    check_invariants(model->vocab(), a.value(), 3.0);
    EXPECT_EQ(a->n_windows, 1);
    EXPECT_EQ(streamed.size(), a->segments.size());
    ASSERT_FALSE(progress.empty());
    EXPECT_DOUBLE_EQ(progress.back(), 1.0);
    // Fallback ran (random weights: average log-probability far below -1) and sampling is seeded.
    EXPECT_GT(a->n_fallbacks, 0);
    auto b = tr.transcribe(pcm.data(), static_cast<int64_t>(pcm.size()), o);
    ASSERT_TRUE(b.is_ok());
    ASSERT_EQ(a->segments.size(), b->segments.size());
    for (size_t i = 0; i < a->segments.size(); ++i) EXPECT_EQ(a->segments[i].tokens, b->segments[i].tokens);
    // Without timestamps: one segment covering the window, no timestamp tokens.
    TranscribeOptions nt = o;
    nt.timestamps = false;
    nt.temperature_inc = 0.0f;
    auto c = tr.transcribe(pcm.data(), static_cast<int64_t>(pcm.size()), nt);
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    ASSERT_LE(c->segments.size(), 1u);
    for (const auto& s : c->segments) {
        EXPECT_EQ(s.t0_cs, 0);
        for (int32_t id : s.tokens) EXPECT_FALSE(model->vocab().is_timestamp(id));
    }
}

TEST(Transcribe, BeamOfOneEqualsGreedyAndWiderBeamsKeepTheRules) {
    TESSERA_REQUIRE_FIXTURE(test::fixture("audio/models/ggml-tiny-random-f16.bin"));
    auto model = load_fixture_model();
    ASSERT_TRUE(model);
    Transcriber tr(model, 2);
    const auto pcm = fixture_pcm();
    TranscribeOptions g;
    g.temperature_inc = 0.0f;
    g.max_tokens_per_window = 32;
    TranscribeOptions b1 = g;
    b1.strategy = WhisperStrategy::beam_search;
    b1.beam_size = 1;
    auto rg = tr.transcribe(pcm.data(), static_cast<int64_t>(pcm.size()), g);
    auto rb = tr.transcribe(pcm.data(), static_cast<int64_t>(pcm.size()), b1);
    ASSERT_TRUE(rg.is_ok() && rb.is_ok());
    ASSERT_EQ(rg->segments.size(), rb->segments.size());
    for (size_t i = 0; i < rg->segments.size(); ++i) EXPECT_EQ(rg->segments[i].tokens, rb->segments[i].tokens);
    TranscribeOptions b4 = b1;
    b4.beam_size = 4;
    auto r4 = tr.transcribe(pcm.data(), static_cast<int64_t>(pcm.size()), b4);
    ASSERT_TRUE(r4.is_ok()) << r4.status().to_string();
    check_invariants(model->vocab(), r4.value(), 3.0);
    b4.beam_size = 99;
    EXPECT_EQ(tr.transcribe(pcm.data(), static_cast<int64_t>(pcm.size()), b4).status().code(), ErrorCode::invalid_argument);
}

TEST(Transcribe, LongAudioIsDecodedInSeekingWindows) {
    TESSERA_REQUIRE_FIXTURE(test::fixture("audio/models/ggml-tiny-random-f16.bin"));
    auto model = load_fixture_model();
    ASSERT_TRUE(model);
    Transcriber tr(model, 2);
    const auto clip = fixture_pcm();
    std::vector<float> pcm;
    while (pcm.size() < 16000u * 75) pcm.insert(pcm.end(), clip.begin(), clip.end());  // 75 s
    TranscribeOptions o;
    o.temperature_inc = 0.0f;
    o.max_tokens_per_window = 24;
    auto t = tr.transcribe(pcm.data(), static_cast<int64_t>(pcm.size()), o);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_GE(t->n_windows, 3);  // at most 30 s per window
    check_invariants(model->vocab(), t.value(), pcm.size() / 16000.0);
    std::printf("[measure] 75 s of audio: %d windows, %zu segments, encode %.0f ms, decode %.0f ms\n", t->n_windows,
                t->segments.size(), t->encode_ms, t->decode_ms);
}

TEST(Transcribe, ErrorsAndCancellation) {
    TESSERA_REQUIRE_FIXTURE(test::fixture("audio/models/ggml-tiny-random-f16.bin"));
    auto model = load_fixture_model();
    ASSERT_TRUE(model);
    Transcriber tr(model, 2);
    const auto pcm = fixture_pcm();
    TranscribeOptions o;
    EXPECT_EQ(tr.transcribe(pcm.data(), 800, o).status().code(), ErrorCode::invalid_argument);  // 50 ms
    o.language = "xx-unknown";
    auto bad = tr.transcribe(pcm.data(), static_cast<int64_t>(pcm.size()), o);
    EXPECT_EQ(bad.status().code(), ErrorCode::invalid_argument);
    EXPECT_NE(bad.status().message().find("xx-unknown"), std::string::npos);
    o.language = "de";
    std::atomic<bool> stop{true};
    o.cancel = &stop;
    EXPECT_EQ(tr.transcribe(pcm.data(), static_cast<int64_t>(pcm.size()), o).status().code(), ErrorCode::cancelled);

    // English-only model: no language token, translation refused.
    WhisperRandomSpec spec;
    spec.hparams.n_vocab = 51864;
    spec.hparams.n_audio_state = spec.hparams.n_text_state = 64;
    spec.hparams.n_audio_head = spec.hparams.n_text_head = 2;
    spec.hparams.n_audio_layer = spec.hparams.n_text_layer = 1;
    spec.hparams.n_text_ctx = 64;
    const fs::path p = fs::temp_directory_path() / ("tessera-en-" + std::to_string(::getpid()) + ".bin");
    ASSERT_TRUE(write_random_whisper_ggml(p.string(), spec).is_ok());
    auto en = WhisperModel::load(p.string());
    fs::remove(p);
    ASSERT_TRUE(en.is_ok());
    Transcriber tre(en.value(), 2);
    TranscribeOptions to;
    to.translate = true;
    EXPECT_EQ(tre.transcribe(pcm.data(), static_cast<int64_t>(pcm.size()), to).status().code(), ErrorCode::invalid_argument);
    to.translate = false;
    to.temperature_inc = 0.0f;
    to.max_tokens_per_window = 16;
    auto r = tre.transcribe(pcm.data(), static_cast<int64_t>(pcm.size()), to);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_TRUE(r->language.empty());
    check_invariants(en.value()->vocab(), r.value(), 3.0);
}

TEST(Transcribe, SubtitleFormats) {
    Transcript t;
    TranscriptSegment a;
    a.t0_cs = 0;
    a.t1_cs = 250;
    a.text = " Hello there.";
    TranscriptSegment b;
    b.t0_cs = 366012;  // 1 h 1 min 0.12 s
    b.t1_cs = 366500;
    b.text = " Bye.";
    t.segments = {a, b};
    EXPECT_EQ(format_timestamp(366012), "01:01:00.120");
    EXPECT_EQ(format_timestamp(366012, true), "01:01:00,120");
    EXPECT_EQ(format_srt(t), "1\n00:00:00,000 --> 00:00:02,500\nHello there.\n\n2\n01:01:00,120 --> 01:01:05,000\nBye.\n\n");
    EXPECT_EQ(format_vtt(t), "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nHello there.\n\n01:01:00.120 --> 01:01:05.000\nBye.\n\n");
    EXPECT_EQ(t.text(), " Hello there. Bye.");
}

}  // namespace
