#pragma once
// Whisper's log-mel spectrogram, the input of the Whisper encoder and of Qwen2-Audio-style encoders.
// ref: openai/whisper audio.py log_mel_spectrogram; whisper.cpp log_mel_spectrogram (same padding and
// frame count); llama.cpp tools/mtmd mtmd-audio.cpp (the same algorithm with a computed filter bank).
//
//   1. pad: 200 samples of reflection at the start (x[200], x[199], ..., x[1]), the signal, then
//      30 s (480000) + 200 zeros;
//   2. frames of n_fft = 400 every hop = 160 samples, n_frames = (len_padded - 400) / 160;
//   3. periodic Hann window, |FFT|^2 of bins 0..200 (real FFT, double precision, fft.h);
//   4. mel = filters (n_mel, 201) . power, log10(max(mel, 1e-10));
//   5. clamp to >= (max over all frames, padding included) - 8, then (x + 4) / 4.
#include <cstdint>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/thread_pool.h"

namespace tessera::audio {

constexpr int kWhisperNFft = 400;
constexpr int kWhisperHop = 160;
constexpr int kWhisperChunkSeconds = 30;
constexpr int kWhisperChunkFrames = 3000;  // frames per 30 s window (encoder input length)

// A triangular mel filter bank, (n_mel, n_bins) row-major, n_bins = n_fft / 2 + 1.
struct MelFilterBank {
    int n_mel = 0;
    int n_bins = 0;
    std::vector<float> data;  // (n_mel, n_bins)
};

// librosa.filters.mel(sr, n_fft, n_mels, fmin=0, fmax=sr/2, htk=False, norm="slaney"): what OpenAI's
// mel_filters.npz holds and what llama.cpp computes for models whose files carry no filters.
// ref: librosa filters.mel, mel_frequencies, hz_to_mel/mel_to_hz (Slaney's Auditory Toolbox scale).
MelFilterBank mel_filters_slaney(int n_mel, int n_fft = kWhisperNFft, int sample_rate = 16000);

// Log-mel spectrogram, (n_mel, n_frames) row-major.
struct LogMel {
    int n_mel = 0;
    int64_t n_frames = 0;        // all frames, including the 30 s of padding
    int64_t n_frames_audio = 0;  // frames that overlap the signal: 1 + (n + 200 - 400) / 160 (whisper.cpp n_len_org)
    std::vector<float> data;     // (n_mel, n_frames)
    const float* row(int m) const { return data.data() + static_cast<int64_t>(m) * n_frames; }
};

// pcm: n samples, mono, 16 kHz. Frames are spread over `pool` when given. Errors: filters not
// (n_mel, n_fft/2 + 1) = (?, 201), non-finite samples.
Result<LogMel> whisper_log_mel(const float* pcm, int64_t n, const MelFilterBank& filters, ThreadPool* pool = nullptr);

// Copies frames [offset, offset + n_frames_out) of `mel` into out (n_mel, n_frames_out), zero beyond the
// end (whisper.cpp whisper_encode_internal's input copy).
void mel_window(const LogMel& mel, int64_t offset, int64_t n_frames_out, float* out);

}  // namespace tessera::audio
