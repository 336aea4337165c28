#pragma once
// Audio files -> 16 kHz mono float samples, the input every speech model here expects.
//
// Decoding goes through FFmpeg (libavformat demuxes WAV, MP3, FLAC, Ogg/Opus/Vorbis, M4A/AAC and the audio
// track of video containers; libavcodec decodes; libswresample resamples). Sample-format conversion and
// the down-mix are done here, exactly as whisper.cpp's and llama.cpp's miniaudio front end does them:
// 16-bit PCM maps to s / 32768, N channels are averaged. A 16 kHz mono 16-bit file therefore yields the
// very samples those peers feed their models; other rates go through swresample's windowed-sinc
// resampler, which differs slightly from miniaudio's linear one (see tests/engine/audio for the figures).
//
// Every failure is a Status naming the file and the problem: missing/unreadable file (io_error), not a
// media file, no audio stream, corrupt stream with nothing decodable, empty or silent audio
// (format_error / invalid_argument), a codec this FFmpeg build lacks (unsupported).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace tessera::audio {

constexpr int kSampleRate = 16000;  // Whisper / Qwen2-Audio input rate (WHISPER_SAMPLE_RATE)

enum class ResampleMethod {
    // miniaudio's linear resampler with its 4th-order low-pass, bit-exact: what whisper.cpp and
    // llama.cpp's libmtmd feed their models, so transcripts match theirs for any input rate.
    linear_miniaudio,
    // libswresample's windowed-sinc resampler: less aliasing, about one output sample less delay.
    sinc_swresample,
};

struct AudioDecodeOptions {
    // Silence (every sample exactly 0 after decoding) is an error by default: transcribing it can only
    // produce hallucinations. Set to accept it.
    bool allow_silent = false;
    // Longest input accepted, in seconds of audio (16 kHz floats: 1 h = 230 MB).
    double max_seconds = 4.0 * 3600.0;
    ResampleMethod resampler = ResampleMethod::linear_miniaudio;
    // A file ending in ".f32" is read as raw little-endian float32 16 kHz mono samples (the fixtures'
    // pcm_16k.f32) instead of going through FFmpeg.
    bool raw_f32_by_extension = true;
};

// What was found in the file (for logs and the UI).
struct AudioInfo {
    std::string container;     // "wav", "mp3", "ogg", "mov,mp4,m4a,3gp,3g2,mj2", ... ("raw-f32" for .f32)
    std::string codec;         // "pcm_s16le", "mp3float", "opus", "aac", ...
    int source_rate = 0;       // Hz
    int source_channels = 0;
    int64_t n_samples = 0;     // after conversion to 16 kHz mono
    double seconds() const { return static_cast<double>(n_samples) / kSampleRate; }
    int n_corrupt_packets = 0;  // packets the decoder rejected but decoding went on past
};

struct DecodedAudio {
    std::vector<float> samples;  // (n_samples) mono, 16 kHz, nominally in [-1, 1]
    AudioInfo info;
};

// Decodes the best audio stream of `path` to 16 kHz mono float.
Result<DecodedAudio> decode_audio_file(const std::string& path, const AudioDecodeOptions& options = {});

// Reads a raw float32 16 kHz mono file (no header). Errors name the file: missing, empty, size not a
// multiple of 4, non-finite samples.
Result<std::vector<float>> read_raw_f32(const std::string& path);

// True when this build can decode compressed formats (was built against FFmpeg).
bool ffmpeg_available();

// Streaming mono resampler, bit-exact with miniaudio's ma_linear_resampler (default config: linear
// interpolation, order-4 Butterworth low-pass). Output frames come out as soon as their input is there;
// nothing is flushed at the end (miniaudio's behaviour).
class LinearResampler {
public:
    LinearResampler(int rate_in, int rate_out);  // rates in Hz; non-positive rates mean 1:1
    void push(const float* x, int64_t n, std::vector<float>& out);

private:
    struct Biquad {
        float b0, b1, b2, a1, a2, r1, r2;
    };
    float lpf(float x);
    uint32_t in_ = 1, out_ = 1, adv_int_ = 1, adv_frac_ = 0;
    uint32_t time_int_ = 1, time_frac_ = 0;  // starts by loading one frame (x0 = 0)
    float x0_ = 0.0f, x1_ = 0.0f;
    Biquad bq_[2] = {};
};

}  // namespace tessera::audio
