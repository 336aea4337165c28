// Whisper log-mel spectrogram and the Slaney mel filter bank (see mel.h for the algorithm and references).
#include "engine/audio/mel.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/audio/fft.h"

namespace tessera::audio {
namespace {

constexpr double kPi = 3.14159265358979323846;

// ref: librosa hz_to_mel / mel_to_hz with htk=False (linear below 1 kHz, logarithmic above).
constexpr double kFSp = 200.0 / 3.0;
constexpr double kMinLogHz = 1000.0;
constexpr double kMinLogMel = kMinLogHz / kFSp;  // 15
const double kLogStep = std::log(6.4) / 27.0;

double hz_to_mel(double f) { return f < kMinLogHz ? f / kFSp : kMinLogMel + std::log(f / kMinLogHz) / kLogStep; }
double mel_to_hz(double m) { return m < kMinLogMel ? m * kFSp : kMinLogHz * std::exp(kLogStep * (m - kMinLogMel)); }

}  // namespace

MelFilterBank mel_filters_slaney(int n_mel, int n_fft, int sample_rate) {
    MelFilterBank fb;
    fb.n_mel = n_mel;
    fb.n_bins = n_fft / 2 + 1;
    fb.data.assign(static_cast<size_t>(n_mel) * fb.n_bins, 0.0f);
    // mel_frequencies(n_mel + 2, fmin 0, fmax sr/2): equally spaced on the mel scale.
    const double mel_max = hz_to_mel(sample_rate / 2.0);
    std::vector<double> mel_f(static_cast<size_t>(n_mel) + 2);
    for (int i = 0; i < n_mel + 2; ++i) mel_f[static_cast<size_t>(i)] = mel_to_hz(mel_max * i / (n_mel + 1));
    for (int m = 0; m < n_mel; ++m) {
        const double f0 = mel_f[static_cast<size_t>(m)], f1 = mel_f[static_cast<size_t>(m) + 1], f2 = mel_f[static_cast<size_t>(m) + 2];
        const double enorm = 2.0 / (f2 - f0);  // Slaney: constant energy per band
        for (int k = 0; k < fb.n_bins; ++k) {
            const double f = static_cast<double>(k) * sample_rate / n_fft;  // fftfreqs
            const double lower = (f - f0) / (f1 - f0);
            const double upper = (f2 - f) / (f2 - f1);
            const double w = std::max(0.0, std::min(lower, upper));
            fb.data[static_cast<size_t>(m) * fb.n_bins + k] = static_cast<float>(w * enorm);
        }
    }
    return fb;
}

Result<LogMel> whisper_log_mel(const float* pcm, int64_t n, const MelFilterBank& filters, ThreadPool* pool) {
    constexpr int n_fft = kWhisperNFft, hop = kWhisperHop, pad = n_fft / 2, n_bins = n_fft / 2 + 1;
    if (filters.n_bins != n_bins || filters.n_mel <= 0 ||
        filters.data.size() != static_cast<size_t>(filters.n_mel) * n_bins)
        return make_error(ErrorCode::invalid_argument, "mel filter bank must be (n_mel, 201), got (" +
                                                           std::to_string(filters.n_mel) + ", " + std::to_string(filters.n_bins) + ")");
    if (n < 0 || (n > 0 && !pcm)) return make_error(ErrorCode::invalid_argument, "whisper_log_mel: no samples");
    for (int64_t i = 0; i < n; ++i)
        if (!std::isfinite(pcm[i]))
            return make_error(ErrorCode::invalid_argument, "audio sample " + std::to_string(i) + " is not a finite number");

    const int64_t len_padded = pad + n + static_cast<int64_t>(kWhisperChunkSeconds) * 16000 + pad;
    LogMel mel;
    mel.n_mel = filters.n_mel;
    mel.n_frames = (len_padded - n_fft) / hop;
    mel.n_frames_audio = 1 + (n + pad - n_fft) / hop;  // C++ division truncates like whisper.cpp's
    // log10 values first (frames past the signal are all-zero windows: log10(1e-10)), normalised below.
    mel.data.assign(static_cast<size_t>(mel.n_mel) * mel.n_frames, -10.0f);

    // Padded signal, read on the fly: reflection x[200..1] (zero where the input is shorter), x, zeros.
    auto sample = [&](int64_t j) -> double {
        if (j < pad) {
            const int64_t r = pad - j;
            return r < n ? pcm[r] : 0.0;
        }
        j -= pad;
        return j < n ? pcm[j] : 0.0;
    };
    double hann[n_fft];  // periodic: 0.5 (1 - cos(2 pi i / N))
    for (int i = 0; i < n_fft; ++i) hann[i] = 0.5 * (1.0 - std::cos(2.0 * kPi * i / n_fft));

    const RealFft fft(n_fft);
    const int64_t n_signal_frames = std::min<int64_t>(mel.n_frames, (pad + n) / hop + 1);  // frames touching the signal

    auto frames = [&](int64_t f0, int64_t f1) {
        double x[n_fft];
        cdouble spec[n_bins];
        cdouble scratch[n_fft];
        double power[n_bins];
        for (int64_t f = f0; f < f1; ++f) {
            const int64_t off = f * hop;
            for (int i = 0; i < n_fft; ++i) x[i] = hann[i] * sample(off + i);
            fft.forward(x, spec, scratch);
            for (int k = 0; k < n_bins; ++k) power[k] = std::norm(spec[k]);
            for (int m = 0; m < mel.n_mel; ++m) {
                const float* w = filters.data.data() + static_cast<size_t>(m) * n_bins;
                double s = 0.0;
                for (int k = 0; k < n_bins; ++k) s += static_cast<double>(w[k]) * power[k];
                mel.data[static_cast<size_t>(m) * mel.n_frames + f] = static_cast<float>(std::log10(std::max(s, 1e-10)));
            }
        }
    };
    if (pool && pool->size() > 1) pool->parallel_for(n_signal_frames, frames, 16);
    else frames(0, n_signal_frames);

    double mmax = -1e20;
    for (float v : mel.data) mmax = std::max(mmax, static_cast<double>(v));
    const double floor = mmax - 8.0;
    for (float& v : mel.data) v = static_cast<float>((std::max(static_cast<double>(v), floor) + 4.0) / 4.0);
    return mel;
}

void mel_window(const LogMel& mel, int64_t offset, int64_t n_frames_out, float* out) {
    const int64_t i0 = std::clamp<int64_t>(offset, 0, mel.n_frames);
    const int64_t i1 = std::clamp<int64_t>(offset + n_frames_out, 0, mel.n_frames);
    for (int m = 0; m < mel.n_mel; ++m) {
        float* dst = out + static_cast<int64_t>(m) * n_frames_out;
        std::fill(dst, dst + n_frames_out, 0.0f);
        if (i1 > i0) std::copy(mel.row(m) + i0, mel.row(m) + i1, dst);
    }
}

}  // namespace tessera::audio
