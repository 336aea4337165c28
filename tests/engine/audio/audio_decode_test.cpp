// decode_audio_file: the fixture WAVs against the peers' decoded samples, every container we claim
// (files made on the fly with the ffmpeg command-line tool), and broken input that must give a Status
// naming the file, never a crash.
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/audio/audio_decode.h"
#include "tests/support/test_support.h"

using namespace tessera;
using namespace tessera::audio;
namespace fs = std::filesystem;

namespace {

// ---- fixture WAVs vs the peers' pcm_16k.f32 (miniaudio decode + downmix + resample) ----

TEST(AudioDecode, Mono16kWavIsBitExactWithPeers) {
    const auto wav = test::fixture("audio/wav/tone_chirp_16k_mono_3s.wav");
    TESSERA_REQUIRE_FIXTURE(wav);
    if (!ffmpeg_available()) GTEST_SKIP() << "built without FFmpeg";
    auto d = decode_audio_file(wav.string());
    ASSERT_TRUE(d.is_ok()) << d.status().to_string();
    const auto ref = test::read_f32_file(test::fixture("audio/whisper_f32__tone_chirp_16k_mono_3s/pcm_16k.f32"));
    ASSERT_EQ(d->samples.size(), ref.size());
    EXPECT_EQ(test::max_abs_diff(d->samples.data(), ref.data(), ref.size()), 0.0);
    EXPECT_EQ(d->info.source_rate, 16000);
    EXPECT_EQ(d->info.source_channels, 1);
    EXPECT_EQ(d->info.container, "wav");
    EXPECT_EQ(d->info.n_corrupt_packets, 0);
}

TEST(AudioDecode, Stereo44kWavIsBitExactWithPeersThroughTheLinearResampler) {
    const auto wav = test::fixture("audio/wav/stereo_44k1_2s.wav");
    TESSERA_REQUIRE_FIXTURE(wav);
    if (!ffmpeg_available()) GTEST_SKIP() << "built without FFmpeg";
    auto d = decode_audio_file(wav.string());  // default: miniaudio-compatible linear resampler
    ASSERT_TRUE(d.is_ok()) << d.status().to_string();
    const auto ref = test::read_f32_file(test::fixture("audio/whisper_f32__stereo_44k1_2s/pcm_16k.f32"));
    EXPECT_EQ(d->info.source_rate, 44100);
    EXPECT_EQ(d->info.source_channels, 2);
    ASSERT_EQ(d->samples.size(), ref.size());
    EXPECT_EQ(test::max_abs_diff(d->samples.data(), ref.data(), ref.size()), 0.0);
}

TEST(AudioDecode, Stereo44kWavThroughSwresampleMatchesPeersAfterDelay) {
    const auto wav = test::fixture("audio/wav/stereo_44k1_2s.wav");
    TESSERA_REQUIRE_FIXTURE(wav);
    if (!ffmpeg_available()) GTEST_SKIP() << "built without FFmpeg";
    AudioDecodeOptions o;
    o.resampler = ResampleMethod::sinc_swresample;
    auto d = decode_audio_file(wav.string(), o);
    ASSERT_TRUE(d.is_ok()) << d.status().to_string();
    const auto ref = test::read_f32_file(test::fixture("audio/whisper_f32__stereo_44k1_2s/pcm_16k.f32"));
    // swresample (windowed sinc) vs miniaudio (linear interpolation + 4th-order low-pass): same length,
    // same signal, differences concentrated at high frequencies.
    ASSERT_NEAR(static_cast<double>(d->samples.size()), static_cast<double>(ref.size()), 2.0);
    const size_t n = std::min(d->samples.size(), ref.size());
    const double max_abs = test::max_abs_diff(d->samples.data(), ref.data(), n);
    const double rel_l2 = std::sqrt(test::nmse(d->samples.data(), ref.data(), n));
    double peak = 0;
    for (float v : ref) peak = std::max(peak, std::fabs(double(v)));
    std::printf("[measure] 44.1 kHz stereo -> 16 kHz: %zu vs %zu samples, max |d| %.3g (peak %.3g), rel-L2 %.3g\n",
                d->samples.size(), ref.size(), max_abs, peak, rel_l2);
    // miniaudio's low-pass is an IIR filter (about one output sample of group delay): align by the
    // normalised cross-correlation peak before judging the signal itself.
    double best_corr = -1.0;
    int best_lag = 0;
    for (int lag = -4; lag <= 4; ++lag) {
        double sab = 0, saa = 0, sbb = 0;
        for (size_t i = 200; i + 200 < n; ++i) {
            const double a = d->samples[i + lag], b = ref[i];
            sab += a * b;
            saa += a * a;
            sbb += b * b;
        }
        const double c = sab / std::sqrt(saa * sbb);
        if (c > best_corr) best_corr = c, best_lag = lag;
    }
    double e2 = 0, r2 = 0, emax = 0;
    for (size_t i = 200; i + 200 < n; ++i) {
        const double e = d->samples[i + best_lag] - ref[i];
        e2 += e * e;
        r2 += double(ref[i]) * ref[i];
        emax = std::max(emax, std::fabs(e));
    }
    const double aligned_rel = std::sqrt(e2 / r2);
    std::printf("[measure]   best lag %+d output samples: correlation %.5f, rel-L2 %.3g, max |d| %.3g\n", best_lag, best_corr,
                aligned_rel, emax);
    // Honest tolerance: the two resamplers agree to ~6% (rel-L2) once miniaudio's one-sample delay is
    // taken out; sample-by-sample they do not (rel-L2 0.55 unaligned). The model tests feed pcm_16k.f32.
    EXPECT_EQ(best_lag, -1);
    EXPECT_GE(best_corr, 0.995);
    EXPECT_LE(aligned_rel, 0.10);
    EXPECT_LE(emax, 0.05);
}

TEST(AudioDecode, RawF32IsReadAsIs) {
    const auto pcm = test::fixture("audio/whisper_f32__stereo_44k1_2s/pcm_16k.f32");
    TESSERA_REQUIRE_FIXTURE(pcm);
    auto d = decode_audio_file(pcm.string());
    ASSERT_TRUE(d.is_ok()) << d.status().to_string();
    const auto ref = test::read_f32_file(pcm);
    ASSERT_EQ(d->samples, ref);
    EXPECT_EQ(d->info.container, "raw-f32");
}

// ---- generated containers ----

bool run(const std::string& cmd) {
    const int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
    return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

bool ffmpeg_cli() {
    static const bool ok = run("ffmpeg -hide_banner -version");
    return ok;
}

bool has_encoder(const std::string& name) {
    return run("ffmpeg -hide_banner -encoders 2>/dev/null | grep -q ' " + name + " '");
}

class AudioContainers : public ::testing::Test {
protected:
    static fs::path dir() {
        static const fs::path d = fs::temp_directory_path() / ("tessera-audio-" + std::to_string(::getpid()));
        return d;
    }
    static void SetUpTestSuite() { fs::create_directories(dir()); }
    static void TearDownTestSuite() {
        std::error_code ec;
        fs::remove_all(dir(), ec);
    }
    // 2 s, 44.1 kHz stereo: 440 Hz at 0.5 on the left, 440 Hz at 0.3 on the right (so the mono mean is a
    // 440 Hz sine of amplitude 0.4).
    static std::string source() { return "-f lavfi -i \"aevalsrc=0.5*sin(2*PI*440*t)|0.3*sin(2*PI*440*t):s=44100:d=2\""; }

    // Makes dir()/name with `args` (codec options) unless the encoder is missing; returns "" then.
    static std::string make(const std::string& name, const std::string& encoder, const std::string& args,
                            const std::string& input = source()) {
        if (!encoder.empty() && !has_encoder(encoder)) return "";
        const std::string path = (dir() / name).string();
        if (!run("ffmpeg -hide_banner -loglevel error -y " + input + " " + args + " " + path)) return "";
        return path;
    }
};

// 440 Hz sine of amplitude 0.4 at 16 kHz: level and purity (Goertzel at 440 Hz vs total energy).
void expect_sine(const std::vector<float>& x, const std::string& what, double min_purity) {
    ASSERT_GT(x.size(), 16000u) << what;
    const size_t a = 4000, b = x.size() - 4000;  // skip codec ramps at the edges
    double energy = 0.0, re = 0.0, im = 0.0;
    for (size_t i = a; i < b; ++i) {
        energy += double(x[i]) * x[i];
        const double ph = 2.0 * 3.141592653589793 * 440.0 * double(i) / 16000.0;
        re += x[i] * std::cos(ph);
        im += x[i] * std::sin(ph);
    }
    const double n = double(b - a);
    const double rms = std::sqrt(energy / n);
    const double tone_energy = 2.0 * (re * re + im * im) / n;  // energy of the 440 Hz component
    const double purity = tone_energy / energy;
    std::printf("[measure] %-22s %zu samples, rms %.4f (ideal 0.2828), 440 Hz share %.5f\n", what.c_str(), x.size(), rms, purity);
    EXPECT_NEAR(rms, 0.4 / std::sqrt(2.0), 0.02) << what;
    EXPECT_GE(purity, min_purity) << what;
}

struct ContainerCase {
    const char* file;
    const char* encoder;
    const char* args;
    bool video;
    double min_purity;
};

TEST_F(AudioContainers, DecodesEveryClaimedFormat) {
    if (!ffmpeg_available()) GTEST_SKIP() << "built without FFmpeg";
    if (!ffmpeg_cli()) GTEST_SKIP() << "the ffmpeg command-line tool is not installed (needed to make test files)";
    const std::string video_src = "-f lavfi -i testsrc=size=64x48:rate=10:duration=2 " + source();
    const ContainerCase cases[] = {
        {"s16.wav", "pcm_s16le", "-c:a pcm_s16le", false, 0.9999},
        {"f32.wav", "pcm_f32le", "-c:a pcm_f32le", false, 0.9999},
        {"u8_mono_8k.wav", "pcm_u8", "-c:a pcm_u8 -ar 8000 -ac 1", false, 0.999},
        {"a.flac", "flac", "-c:a flac -sample_fmt s16", false, 0.9999},
        {"a.mp3", "libmp3lame", "-c:a libmp3lame -b:a 128k", false, 0.999},
        {"opus.ogg", "libopus", "-c:a libopus -b:a 64k", false, 0.999},
        {"a.opus", "libopus", "-c:a libopus -b:a 48k", false, 0.999},
        {"vorbis.ogg", "libvorbis", "-c:a libvorbis", false, 0.999},
        {"a.m4a", "aac", "-c:a aac -b:a 128k", false, 0.999},
        {"video_h264_aac.mp4", "libx264", "-c:v libx264 -pix_fmt yuv420p -c:a aac -shortest", true, 0.999},
        {"video_mpeg4_opus.mkv", "mpeg4", "-c:v mpeg4 -c:a libopus -shortest", true, 0.999},
        {"video_vp?_vorbis.webm", "libvpx", "-c:v libvpx -c:a libvorbis -shortest", true, 0.999},
    };
    int n_done = 0;
    std::vector<float> wav_samples;
    for (const ContainerCase& c : cases) {
        std::string name = c.file;
        if (name.find('?') != std::string::npos) name.replace(name.find('?'), 1, "8");
        const std::string path = make(name, c.encoder, c.args, c.video ? video_src : source());
        if (path.empty()) {
            std::printf("[skip] %s: encoder '%s' missing from this ffmpeg build\n", name.c_str(), c.encoder);
            continue;
        }
        auto d = decode_audio_file(path);
        ASSERT_TRUE(d.is_ok()) << name << ": " << d.status().to_string();
        EXPECT_EQ(d->info.source_channels, std::string(c.file).find("mono") != std::string::npos ? 1 : 2) << name;
        // Codec delay/padding is trimmed by FFmpeg where the container says how; allow 60 ms either way.
        EXPECT_NEAR(static_cast<double>(d->samples.size()), 32000.0, 960.0) << name;
        expect_sine(d->samples, name + " (" + d->info.codec + ")", c.min_purity);
        if (name == "s16.wav") wav_samples = d->samples;
        if (name == "a.flac" && !wav_samples.empty()) {  // lossless: identical to the WAV
            ASSERT_EQ(d->samples.size(), wav_samples.size());
            EXPECT_EQ(test::max_abs_diff(d->samples.data(), wav_samples.data(), wav_samples.size()), 0.0);
        }
        ++n_done;
    }
    EXPECT_GE(n_done, 4) << "too few containers could be generated to mean anything";
}

// ---- broken input ----

void expect_error(const Result<DecodedAudio>& r, const std::string& path, ErrorCode code, const std::string& words) {
    ASSERT_FALSE(r.is_ok()) << path << " decoded although it should not";
    EXPECT_EQ(r.status().code(), code) << r.status().to_string();
    EXPECT_NE(r.status().message().find(path), std::string::npos) << "message does not name the file: " << r.status().to_string();
    EXPECT_NE(r.status().message().find(words), std::string::npos) << "expected '" << words << "' in: " << r.status().to_string();
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST_F(AudioContainers, BrokenInputGivesAStatusNamingTheFile) {
    const std::string missing = (dir() / "does-not-exist.wav").string();
    expect_error(decode_audio_file(missing), missing, ErrorCode::io_error, "cannot open");

    const std::string empty = (dir() / "empty.mp3").string();
    write_bytes(empty, "");
    expect_error(decode_audio_file(empty), empty, ErrorCode::format_error, "empty");

    expect_error(decode_audio_file(dir().string()), dir().string(), ErrorCode::io_error, "not a regular file");

    const std::string bad_f32 = (dir() / "odd.f32").string();
    write_bytes(bad_f32, "abcde");
    expect_error(decode_audio_file(bad_f32), bad_f32, ErrorCode::format_error, "multiple of 4");

    if (!ffmpeg_available()) GTEST_SKIP() << "built without FFmpeg: container errors not tested";
    const std::string text = (dir() / "notes.wav").string();
    write_bytes(text, "This is a text file, not audio.\nSecond line.\n");
    expect_error(decode_audio_file(text), text, ErrorCode::format_error, "not a recognised audio or video file");

    std::string noise(20000, '\0');
    uint32_t s = 12345;
    for (char& c : noise) c = static_cast<char>((s = s * 1664525u + 1013904223u) >> 24);
    const std::string garbage = (dir() / "garbage.mp3").string();
    write_bytes(garbage, noise);
    auto g = decode_audio_file(garbage);
    if (g.is_ok()) {
        // The MP3 demuxer resynchronises on anything that looks like a frame header; what comes out of
        // random bytes must still be a bounded decode, not a crash.
        EXPECT_LT(g->samples.size(), 16000u * 10);
    } else {
        EXPECT_NE(g.status().message().find(garbage), std::string::npos) << g.status().to_string();
    }

    // A WAV header that promises data it does not have.
    std::string hdr = "RIFF";
    auto u32 = [](uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
    auto u16 = [](uint16_t v) { return std::string(reinterpret_cast<const char*>(&v), 2); };
    hdr += u32(36 + 1000) + "WAVEfmt " + u32(16) + u16(1) + u16(1) + u32(16000) + u32(32000) + u16(2) + u16(16) + "data" + u32(1000);
    const std::string header_only = (dir() / "header_only.wav").string();
    write_bytes(header_only, hdr);
    auto h = decode_audio_file(header_only);
    ASSERT_FALSE(h.is_ok());
    EXPECT_NE(h.status().message().find(header_only), std::string::npos) << h.status().to_string();

    if (!ffmpeg_cli()) GTEST_SKIP() << "the ffmpeg command-line tool is not installed";
    const std::string silent = make("silent.wav", "pcm_s16le", "-c:a pcm_s16le", "-f lavfi -i anullsrc=r=16000:cl=mono -t 1");
    ASSERT_FALSE(silent.empty());
    expect_error(decode_audio_file(silent), silent, ErrorCode::invalid_argument, "silent");
    AudioDecodeOptions allow;
    allow.allow_silent = true;
    auto ok_silent = decode_audio_file(silent, allow);
    ASSERT_TRUE(ok_silent.is_ok()) << ok_silent.status().to_string();
    EXPECT_EQ(ok_silent->samples.size(), 16000u);

    const std::string video_only = make("video_only.mp4", "mpeg4", "-c:v mpeg4 -an", "-f lavfi -i testsrc=size=64x48:rate=10:duration=1");
    if (!video_only.empty()) expect_error(decode_audio_file(video_only), video_only, ErrorCode::format_error, "no audio stream");

    // A truncated MP3 decodes what is there; a corrupted middle is skipped, not fatal.
    const std::string mp3 = make("full.mp3", "libmp3lame", "-c:a libmp3lame -b:a 128k");
    if (!mp3.empty()) {
        std::ifstream in(mp3, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string half = (dir() / "half.mp3").string();
        write_bytes(half, bytes.substr(0, bytes.size() / 2));
        auto hd = decode_audio_file(half);
        ASSERT_TRUE(hd.is_ok()) << hd.status().to_string();
        EXPECT_NEAR(static_cast<double>(hd->samples.size()), 16000.0, 2000.0);
        std::string mangled = bytes;
        for (size_t i = mangled.size() / 3; i < mangled.size() / 3 + 3000; ++i) mangled[i] = static_cast<char>(i * 7);
        const std::string bad = (dir() / "mangled.mp3").string();
        write_bytes(bad, mangled);
        auto md = decode_audio_file(bad);
        ASSERT_TRUE(md.is_ok()) << md.status().to_string();
        EXPECT_GT(md->samples.size(), 16000u);
    }

    AudioDecodeOptions short_limit;
    short_limit.max_seconds = 0.5;
    const std::string wav = make("two_seconds.wav", "pcm_s16le", "-c:a pcm_s16le");
    ASSERT_FALSE(wav.empty());
    expect_error(decode_audio_file(wav, short_limit), wav, ErrorCode::out_of_range, "limit");
}

}  // namespace
