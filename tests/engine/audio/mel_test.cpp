// FFT against a long-double DFT; Whisper log-mel against llama.cpp's (qwen2audio__*/mel.f32, the same
// whisper-compatible mel that reproduces whisper.cpp's logits bit-exactly); the Slaney filter bank against
// the one stored in whisper.cpp's model file (OpenAI's mel_filters.npz).
#include <cmath>
#include <cstdio>

#include "engine/audio/fft.h"
#include "engine/audio/mel.h"
#include "engine/models/audio/whisper.h"
#include "tests/support/test_support.h"

using namespace tessera;
using namespace tessera::audio;

namespace {

double max_complex_err(const std::vector<cdouble>& a, const std::vector<cdouble>& b, size_t n) {
    double e = 0.0;
    for (size_t i = 0; i < n; ++i) e = std::max(e, std::abs(a[i] - b[i]));
    return e;
}

TEST(AudioFft, ComplexMatchesNaiveDftForMixedRadixSizes) {
    for (int n : {1, 2, 3, 4, 5, 8, 12, 25, 30, 49, 64, 100, 200, 400, 7 * 11}) {
        const auto re = test::random_floats(static_cast<size_t>(n), 100 + n);
        const auto im = test::random_floats(static_cast<size_t>(n), 200 + n);
        std::vector<cdouble> x(static_cast<size_t>(n)), y(static_cast<size_t>(n)), ref(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) x[static_cast<size_t>(i)] = {re[static_cast<size_t>(i)], im[static_cast<size_t>(i)]};
        ComplexFft(n).forward(x.data(), y.data());
        for (int k = 0; k < n; ++k) {  // direct sum
            long double sr = 0, si = 0;
            for (int j = 0; j < n; ++j) {
                const long double a = -2.0L * 3.14159265358979323846264338327950288L * ((static_cast<long long>(j) * k) % n) / n;
                sr += x[static_cast<size_t>(j)].real() * std::cos(a) - x[static_cast<size_t>(j)].imag() * std::sin(a);
                si += x[static_cast<size_t>(j)].real() * std::sin(a) + x[static_cast<size_t>(j)].imag() * std::cos(a);
            }
            ref[static_cast<size_t>(k)] = {static_cast<double>(sr), static_cast<double>(si)};
        }
        EXPECT_LE(max_complex_err(y, ref, static_cast<size_t>(n)), 1e-12 * n) << "n = " << n;
    }
}

TEST(AudioFft, Real400MatchesNaiveDft) {
    const int n = kWhisperNFft;
    const auto xf = test::random_floats(n, 7);
    std::vector<double> x(xf.begin(), xf.end());
    std::vector<cdouble> out(n / 2 + 1), scratch(n), ref(n);
    RealFft(n).forward(x.data(), out.data(), scratch.data());
    naive_dft(x.data(), n, ref.data());
    const double err = max_complex_err(out, ref, static_cast<size_t>(n / 2 + 1));
    std::printf("[measure] real FFT n=400 vs long-double DFT: max |d| %.3g\n", err);
    EXPECT_LE(err, 1e-11);
    // A pure cosine lands in one bin with amplitude n/2.
    for (int i = 0; i < n; ++i) x[static_cast<size_t>(i)] = std::cos(2.0 * 3.141592653589793 * 17 * i / n);
    RealFft(n).forward(x.data(), out.data(), scratch.data());
    EXPECT_NEAR(out[17].real(), n / 2.0, 1e-9);
    EXPECT_NEAR(std::abs(out[16]), 0.0, 1e-9);
}

TEST(AudioMel, SlaneyFilterBankMatchesWhisperModelFile) {
    const auto path = test::fixture("audio/models/ggml-tiny-random-f32.bin");
    TESSERA_REQUIRE_FIXTURE(path);
    auto m = WhisperModel::load(path.string());
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    const MelFilterBank fb = mel_filters_slaney(80);
    ASSERT_EQ(fb.data.size(), m.value()->mel_filters().size());
    const double err = test::max_abs_diff(fb.data.data(), m.value()->mel_filters().data(), fb.data.size());
    std::printf("[measure] Slaney filter bank vs mel_filters.npz: max |d| %.3g\n", err);
    EXPECT_LE(err, 1e-6);
}

MelFilterBank model_filters() {
    auto m = WhisperModel::load(test::fixture("audio/models/ggml-tiny-random-f32.bin").string());
    EXPECT_TRUE(m.is_ok());
    MelFilterBank fb;
    if (!m.is_ok()) return fb;
    fb.n_mel = m.value()->mel_n_mel();
    fb.n_bins = m.value()->mel_n_bins();
    fb.data = m.value()->mel_filters();
    return fb;
}

class MelFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(MelFixture, MatchesLlamaCppWhisperMel) {
    const std::string dir = std::string("audio/") + GetParam();
    TESSERA_REQUIRE_FIXTURE(test::fixture(dir + "/mel.f32"));
    TESSERA_REQUIRE_FIXTURE(test::fixture("audio/models/ggml-tiny-random-f32.bin"));
    const auto pcm = test::read_f32_file(test::fixture(dir + "/pcm_16k.f32"));
    const auto ref = test::read_f32_file(test::fixture(dir + "/mel.f32"));  // (80, 3000)
    ASSERT_EQ(ref.size(), 80u * kWhisperChunkFrames);
    ThreadPool pool(2);
    for (int which = 0; which < 2; ++which) {
        const MelFilterBank fb = which == 0 ? model_filters() : mel_filters_slaney(80);
        auto mel = whisper_log_mel(pcm.data(), static_cast<int64_t>(pcm.size()), fb, &pool);
        ASSERT_TRUE(mel.is_ok()) << mel.status().to_string();
        EXPECT_EQ(mel->n_frames, (200 + static_cast<int64_t>(pcm.size()) + 480000 + 200 - 400) / 160);
        EXPECT_EQ(mel->n_frames_audio, 1 + (static_cast<int64_t>(pcm.size()) + 200 - 400) / 160);
        std::vector<float> w(80u * kWhisperChunkFrames);
        mel_window(mel.value(), 0, kWhisperChunkFrames, w.data());
        const double err = test::max_abs_diff(w.data(), ref.data(), ref.size());
        std::printf("[measure] %s mel (%s filters) vs llama.cpp: max |d| %.3g\n", GetParam(), which == 0 ? "model-file" : "Slaney", err);
        EXPECT_LE(err, 1e-4) << (which == 0 ? "model filters" : "computed Slaney filters");
    }
}

INSTANTIATE_TEST_SUITE_P(Audio, MelFixture, ::testing::Values("qwen2audio__tone_chirp_16k_mono_3s", "qwen2audio__stereo_44k1_2s"));

TEST(AudioMel, PaddingFramesAndShortInput) {
    const MelFilterBank fb = mel_filters_slaney(80);
    // Silence: every value is log10(1e-10) = -10 before normalisation; max - 8 clamps nothing; (x + 4) / 4.
    std::vector<float> zeros(1600, 0.0f);
    auto mel = whisper_log_mel(zeros.data(), 1600, fb);
    ASSERT_TRUE(mel.is_ok());
    for (float v : mel->data) ASSERT_FLOAT_EQ(v, -1.5f);
    // Shorter than the reflection pad (200 samples): defined (zero-extended reflection), no crash.
    std::vector<float> tiny = {0.5f, -0.25f, 0.125f};
    auto m2 = whisper_log_mel(tiny.data(), 3, fb);
    ASSERT_TRUE(m2.is_ok());
    EXPECT_EQ(m2->n_frames, 3000);  // (200 + 3 + 480000 + 200 - 400) / 160
    EXPECT_EQ(m2->n_frames_audio, 0);  // 1 + (3 + 200 - 400) / 160 truncates to 0, as whisper.cpp
    // Everything is clamped to max - 8 and lies in [(max - 4) / 4, (max + 4) / 4].
    float lo = 1e9f, hi = -1e9f;
    for (float v : m2->data) lo = std::min(lo, v), hi = std::max(hi, v);
    EXPECT_NEAR(hi - lo, 2.0f, 1e-5f);
    // Errors: wrong filter shape, NaN input.
    MelFilterBank bad = fb;
    bad.n_bins = 200;
    EXPECT_EQ(whisper_log_mel(zeros.data(), 1600, bad).status().code(), ErrorCode::invalid_argument);
    zeros[5] = std::nanf("");
    auto m3 = whisper_log_mel(zeros.data(), 1600, fb);
    EXPECT_EQ(m3.status().code(), ErrorCode::invalid_argument);
    EXPECT_NE(m3.status().message().find("sample 5"), std::string::npos);
}

}  // namespace
