// tessera-cli transcribe as checks and users call it: the logits check mode against whisper.cpp's
// references, a plain transcription, subtitles, and one-line errors for bad input.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

using namespace tessera;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct AudioCliRun {
    int exit_code;
    std::string out;
    std::string err;
};

AudioCliRun run_audio_cli(const std::string& args) {
    const fs::path err_file = fs::temp_directory_path() / ("tessera-audio-cli-err-" + std::to_string(::getpid()));
    const std::string cmd = std::string(TESSERA_CLI_PATH) + " " + args + " 2>" + err_file.string();
    AudioCliRun r{-1, {}, {}};
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int status = ::pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = test::read_text_file(err_file);
    fs::remove(err_file);
    return r;
}

std::string join(const std::vector<int32_t>& ids) {
    std::string s;
    for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
    return s;
}

TEST(CliAudio, TranscribeLogitsCheckModeMatchesWhisperCpp) {
    for (const char* dir : {"whisper_f16__tone_chirp_16k_mono_3s", "whisper_f32__stereo_44k1_2s"}) {
        const auto manifest = test::fixture(std::string("audio/") + dir + "/manifest.json");
        TESSERA_REQUIRE_FIXTURE(manifest);
        const json m = json::parse(test::read_text_file(manifest));
        const std::string model = test::fixture(std::string("audio/") + dir + "/" + m["files"]["model"].get<std::string>()).string();
        // The F32 case goes end to end from the 44.1 kHz stereo WAV (decoding is bit-exact with the peers).
        const std::string pcm = std::string(dir).find("stereo") != std::string::npos
                                    ? test::fixture("audio/" + m["files"]["audio"].get<std::string>().substr(3)).string()
                                    : test::fixture(std::string("audio/") + dir + "/pcm_16k.f32").string();
        const fs::path out = fs::temp_directory_path() / ("tessera-whisper-logits-" + std::to_string(::getpid()) + ".f32");
        const AudioCliRun r = run_audio_cli("transcribe -m " + model + " -f " + pcm + " --decoder-tokens " +
                              join(m["prompt_tokens"].get<std::vector<int32_t>>()) + " --logits-out " + out.string() + " -t 2");
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto got = test::read_f32_file(out);
        const auto ref = test::read_f32_file(test::fixture(std::string("audio/") + dir + "/logits_sot.f32"));
        ASSERT_EQ(got.size(), ref.size()) << dir;
        const double err = test::max_abs_diff(got.data(), ref.data(), ref.size());
        std::printf("[measure] cli %s: max |d| %.3g\n", dir, err);
        EXPECT_LE(err, 3e-3) << dir;
        fs::remove(out);
    }
}

TEST(CliAudio, TranscribeWavPrintsSegmentsAndSubtitles) {
    const auto model = test::fixture("audio/models/ggml-tiny-random-f16.bin");
    const auto wav = test::fixture("audio/wav/stereo_44k1_2s.wav");
    TESSERA_REQUIRE_FIXTURE(model);
    TESSERA_REQUIRE_FIXTURE(wav);
    // Random weights: the words are noise, but the run must finish, print timestamped segments and ids.
    const AudioCliRun r = run_audio_cli("transcribe -m " + model.string() + " -f " + wav.string() + " --timestamps --print-ids --no-fallback -t 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(" --> "), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("language en"), std::string::npos) << r.err;
    const AudioCliRun s = run_audio_cli("transcribe -m " + model.string() + " -f " + wav.string() + " --srt --no-fallback -t 2");
    ASSERT_EQ(s.exit_code, 0) << s.err;
    EXPECT_EQ(s.out.rfind("1\n00:00:", 0), 0u) << s.out;
    EXPECT_NE(s.out.find(",") , std::string::npos);
    const AudioCliRun v = run_audio_cli("transcribe -m " + model.string() + " -f " + wav.string() + " --vtt --no-fallback -t 2");
    ASSERT_EQ(v.exit_code, 0) << v.err;
    EXPECT_EQ(v.out.rfind("WEBVTT\n\n00:00:", 0), 0u) << v.out;
}

TEST(CliAudio, BadInputGivesOneLineErrors) {
    const auto model = test::fixture("audio/models/ggml-tiny-random-f16.bin");
    TESSERA_REQUIRE_FIXTURE(model);
    const AudioCliRun a = run_audio_cli("transcribe -m " + model.string() + " -f /nonexistent/speech.wav");
    EXPECT_NE(a.exit_code, 0);
    EXPECT_NE(a.err.find("/nonexistent/speech.wav"), std::string::npos) << a.err;
    EXPECT_EQ(std::count(a.err.begin(), a.err.end(), '\n'), 1) << a.err;
    // A model that is not a whisper.cpp .bin (here: the audio file itself).
    const auto wav = test::fixture("audio/wav/tone_chirp_16k_mono_3s.wav");
    const AudioCliRun b = run_audio_cli("transcribe -m " + wav.string() + " -f " + wav.string());
    EXPECT_NE(b.exit_code, 0);
    EXPECT_NE(b.err.find("bad magic"), std::string::npos) << b.err;
    EXPECT_EQ(std::count(b.err.begin(), b.err.end(), '\n'), 1) << b.err;
    const AudioCliRun c = run_audio_cli("transcribe -m " + model.string() + " -f " + wav.string() + " --language klingon");
    EXPECT_NE(c.exit_code, 0);
    EXPECT_NE(c.err.find("klingon"), std::string::npos) << c.err;
    const AudioCliRun d = run_audio_cli("transcribe -m " + model.string());
    EXPECT_EQ(d.exit_code, 2) << d.err;
}

}  // namespace
