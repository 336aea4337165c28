// decode_audio_file: FFmpeg demux + decode, our own sample conversion and down-mix (bit-exact with
// miniaudio for integer PCM), swresample for the rate change.
// ref: FFmpeg doc/examples/decode_audio.c, demux_decode.c (send/receive loop);
//      miniaudio ma_pcm_s16_to_f32 (s * 1/32768) and ma_channel_converter (mono = mean of channels).
#include "engine/audio/audio_decode.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>

#if TESSERA_HAVE_FFMPEG
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}
#endif

namespace tessera::audio {
namespace {

Status file_error(ErrorCode code, const std::string& path, const std::string& what) {
    return make_error(code, "'" + path + "': " + what);
}

bool ends_with(const std::string& s, const char* suffix) {
    const size_t n = std::strlen(suffix);
    if (s.size() < n) return false;
    for (size_t i = 0; i < n; ++i)
        if (std::tolower(static_cast<unsigned char>(s[s.size() - n + i])) != suffix[i]) return false;
    return true;
}

// Missing, unreadable, not a regular file, or empty: one clear message before FFmpeg sees the path.
Status check_file(const std::string& path, int64_t* size) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return file_error(ErrorCode::io_error, path, std::string("cannot open: ") + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return file_error(ErrorCode::io_error, path, "not a regular file");
    std::ifstream probe(path, std::ios::binary);
    if (!probe) return file_error(ErrorCode::io_error, path, "cannot open for reading");
    if (st.st_size == 0) return file_error(ErrorCode::format_error, path, "the file is empty");
    *size = static_cast<int64_t>(st.st_size);
    return Status::ok();
}

// Silence: no sample reaches one 16-bit step (-90 dBFS).
Status check_content(const std::string& path, const std::vector<float>& x, const AudioDecodeOptions& o) {
    if (x.empty()) return file_error(ErrorCode::format_error, path, "contains no audio samples");
    if (!o.allow_silent) {
        float peak = 0.0f;
        for (float v : x) peak = std::max(peak, std::fabs(v));
        if (peak < 1.0f / 32768.0f)
            return file_error(ErrorCode::invalid_argument, path,
                              "the audio is silent (" + std::to_string(x.size()) + " samples at 16 kHz, peak below -90 dBFS)");
    }
    return Status::ok();
}

}  // namespace

// ---- miniaudio's linear resampler, bit for bit ----
// ref: miniaudio 0.11 ma_linear_resampler (set_rate_internal: rates reduced by their gcd, inTimeInt = 1 at
// start; process_pcm_frames_f32_downsample/upsample; interpolate_frame_f32: x0 + (x1 - x0) * frac/out)
// and ma_lpf of order MA_DEFAULT_RESAMPLER_LPF_ORDER = 4: two biquads (ma_lpf2, Butterworth Q =
// 1 / (2 cos((1 + 2i) pi / 8))) in transposed direct form II, cutoff min(in, out) / 2, run at
// max(in, out). Downsampling filters each input frame before interpolation; upsampling filters the
// interpolated output.
LinearResampler::LinearResampler(int rate_in, int rate_out) {
    auto gcd = [](uint32_t a, uint32_t b) {
        while (b) { const uint32_t t = a % b; a = b; b = t; }
        return a;
    };
    if (rate_in <= 0 || rate_out <= 0) rate_in = rate_out = 1;  // nonsense rates: 1:1 (one-sample delay)
    const uint32_t g = gcd(static_cast<uint32_t>(rate_in), static_cast<uint32_t>(rate_out));
    in_ = static_cast<uint32_t>(rate_in) / g;
    out_ = static_cast<uint32_t>(rate_out) / g;
    adv_int_ = in_ / out_;
    adv_frac_ = in_ % out_;
    const double fs = std::max(in_, out_), fc = std::min(in_, out_) * 0.5;
    constexpr double kPi = 3.14159265358979323846;
    for (int i = 0; i < 2; ++i) {  // ma_lpf_reinit__internal, even order 4
        const double a = (1 + i * 2) * (kPi / (4 * 2));
        const double q = 1 / (2 * std::cos(a));
        const double w = 2 * kPi * fc / fs, sn = std::sin(w), cs = std::cos(w), al = sn / (2 * q);  // ma_lpf2_reinit
        const double b0 = (1 - cs) / 2, b1 = 1 - cs, b2 = (1 - cs) / 2, a0 = 1 + al, a1 = -2 * cs, a2 = 1 - al;
        bq_[i] = {static_cast<float>(b0 / a0), static_cast<float>(b1 / a0), static_cast<float>(b2 / a0),
                  static_cast<float>(a1 / a0), static_cast<float>(a2 / a0), 0.0f, 0.0f};
    }
}

float LinearResampler::lpf(float x) {
    for (Biquad& b : bq_) {  // ma_biquad_process_pcm_frame_f32__direct_form_2_transposed
        const float y = b.b0 * x + b.r1;
        b.r1 = b.b1 * x - b.a1 * y + b.r2;
        b.r2 = b.b2 * x - b.a2 * y;
        x = y;
    }
    return x;
}

void LinearResampler::push(const float* x, int64_t n, std::vector<float>& out) {
    const bool down = in_ > out_;
    int64_t i = 0;
    for (;;) {
        while (time_int_ > 0 && i < n) {  // load (and, downsampling, filter) the next input frame
            x0_ = x1_;
            x1_ = down ? lpf(x[i]) : x[i];
            ++i;
            --time_int_;
        }
        if (time_int_ > 0) break;  // needs more input
        const float a = static_cast<float>(time_frac_) / static_cast<float>(out_);
        const float y = x0_ + (x1_ - x0_) * a;  // ma_mix_f32_fast
        out.push_back(down || in_ == out_ ? y : lpf(y));
        time_int_ += adv_int_;
        time_frac_ += adv_frac_;
        if (time_frac_ >= out_) {
            time_frac_ -= out_;
            ++time_int_;
        }
    }
}

namespace {

#if TESSERA_HAVE_FFMPEG

#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(57, 24, 100)
#define TS_FRAME_CHANNELS(f) ((f)->ch_layout.nb_channels)
#define TS_PAR_CHANNELS(p) ((p)->ch_layout.nb_channels)
#else
#define TS_FRAME_CHANNELS(f) ((f)->channels)
#define TS_PAR_CHANNELS(p) ((p)->channels)
#endif

std::string av_error_text(int err) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(err, buf, sizeof(buf));
    return buf;
}

// FFmpeg logs to stderr; corrupt input can print hundreds of lines. While a decode runs on a thread, its
// messages are captured instead (the last error is quoted in the Status); other threads keep the default.
thread_local std::string* t_log_sink = nullptr;

void log_callback(void* avcl, int level, const char* fmt, va_list vl) {
    if (t_log_sink) {
        if (level <= AV_LOG_ERROR) {
            char line[512];
            int print_prefix = 0;
            av_log_format_line(avcl, level, fmt, vl, line, sizeof(line), &print_prefix);
            std::string s(line);
            while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
            if (!s.empty()) *t_log_sink = s;
        }
        return;
    }
    av_log_default_callback(avcl, level, fmt, vl);
}

struct LogCapture {
    std::string last_error;
    LogCapture() {
        static std::once_flag once;
        std::call_once(once, [] { av_log_set_callback(log_callback); });
        t_log_sink = &last_error;
    }
    ~LogCapture() { t_log_sink = nullptr; }
    std::string suffix() const { return last_error.empty() ? "" : " (FFmpeg: " + last_error + ")"; }
};

struct FormatHandle {
    AVFormatContext* p = nullptr;
    ~FormatHandle() { if (p) avformat_close_input(&p); }
};
struct CodecHandle {
    AVCodecContext* p = nullptr;
    ~CodecHandle() { avcodec_free_context(&p); }
};
struct PacketHandle {
    AVPacket* p = av_packet_alloc();
    ~PacketHandle() { av_packet_free(&p); }
};
struct FrameHandle {
    AVFrame* p = av_frame_alloc();
    ~FrameHandle() { av_frame_free(&p); }
};
struct SwrHandle {
    SwrContext* p = nullptr;
    ~SwrHandle() { swr_free(&p); }
};

// One decoded sample of channel c at index i, as f32 (miniaudio's integer -> float mapping).
inline float sample_at(const AVFrame* f, AVSampleFormat fmt, bool planar, int channels, int c, int i) {
    const int idx = planar ? i : i * channels + c;
    const uint8_t* base = planar ? f->extended_data[c] : f->extended_data[0];
    switch (fmt) {
        case AV_SAMPLE_FMT_U8: case AV_SAMPLE_FMT_U8P:
            return (static_cast<float>(base[idx]) - 128.0f) * (1.0f / 128.0f);
        case AV_SAMPLE_FMT_S16: case AV_SAMPLE_FMT_S16P: {
            int16_t v; std::memcpy(&v, base + 2 * idx, 2);
            return static_cast<float>(v) * (1.0f / 32768.0f);
        }
        case AV_SAMPLE_FMT_S32: case AV_SAMPLE_FMT_S32P: {
            int32_t v; std::memcpy(&v, base + 4 * idx, 4);
            return static_cast<float>(static_cast<double>(v) * (1.0 / 2147483648.0));
        }
        case AV_SAMPLE_FMT_S64: case AV_SAMPLE_FMT_S64P: {
            int64_t v; std::memcpy(&v, base + 8 * idx, 8);
            return static_cast<float>(static_cast<double>(v) * (1.0 / 9223372036854775808.0));
        }
        case AV_SAMPLE_FMT_FLT: case AV_SAMPLE_FMT_FLTP: {
            float v; std::memcpy(&v, base + 4 * idx, 4);
            return v;
        }
        case AV_SAMPLE_FMT_DBL: case AV_SAMPLE_FMT_DBLP: {
            double v; std::memcpy(&v, base + 8 * idx, 8);
            return static_cast<float>(v);
        }
        default: return 0.0f;
    }
}

bool sample_format_known(AVSampleFormat fmt) {
    switch (av_get_packed_sample_fmt(fmt)) {
        case AV_SAMPLE_FMT_U8: case AV_SAMPLE_FMT_S16: case AV_SAMPLE_FMT_S32: case AV_SAMPLE_FMT_S64:
        case AV_SAMPLE_FMT_FLT: case AV_SAMPLE_FMT_DBL: return true;
        default: return false;
    }
}

// Streams mono samples at the source rate into 16 kHz output; re-initialises if the rate changes.
class MonoResampler {
public:
    explicit MonoResampler(ResampleMethod method) : method_(method) {}
    Status push(const float* x, int n, int rate, std::vector<float>& out) {
        if (rate != rate_) {  // first frame at a rate other than 16 kHz, or a mid-stream change
            TS_RETURN_IF_ERROR(flush(out));
            TS_RETURN_IF_ERROR(init(rate));
        }
        if (rate == kSampleRate) {
            out.insert(out.end(), x, x + n);
            return Status::ok();
        }
        if (linear_) {
            linear_->push(x, n, out);
            return Status::ok();
        }
        return convert(reinterpret_cast<const uint8_t*>(x), n, out);
    }
    // swresample keeps a filter delay's worth of samples; miniaudio's linear resampler stops with its input.
    Status flush(std::vector<float>& out) {
        if (!swr_.p) return Status::ok();
        return convert(nullptr, 0, out);
    }

private:
    Status init(int rate) {
        swr_free(&swr_.p);
        linear_.reset();
        rate_ = rate;
        if (rate == kSampleRate) return Status::ok();
        if (method_ == ResampleMethod::linear_miniaudio) {
            linear_ = std::make_unique<LinearResampler>(rate, kSampleRate);
            return Status::ok();
        }
#if LIBSWRESAMPLE_VERSION_INT >= AV_VERSION_INT(4, 5, 100)
        AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
        int ret = swr_alloc_set_opts2(&swr_.p, &mono, AV_SAMPLE_FMT_FLT, kSampleRate, &mono, AV_SAMPLE_FMT_FLT, rate, 0, nullptr);
#else
        swr_.p = swr_alloc_set_opts(nullptr, AV_CH_LAYOUT_MONO, AV_SAMPLE_FMT_FLT, kSampleRate, AV_CH_LAYOUT_MONO,
                                    AV_SAMPLE_FMT_FLT, rate, 0, nullptr);
        int ret = swr_.p ? 0 : AVERROR(ENOMEM);
#endif
        if (ret >= 0) ret = swr_init(swr_.p);
        if (ret < 0) return make_error(ErrorCode::internal, "cannot set up resampling " + std::to_string(rate) + " Hz -> 16 kHz: " + av_error_text(ret));
        return Status::ok();
    }
    Status convert(const uint8_t* in, int n, std::vector<float>& out) {
        const int cap = swr_get_out_samples(swr_.p, n);
        if (cap < 0) return make_error(ErrorCode::internal, "resampler: " + av_error_text(cap));
        const size_t old = out.size();
        out.resize(old + static_cast<size_t>(cap));
        uint8_t* dst = reinterpret_cast<uint8_t*>(out.data() + old);
        const uint8_t* src = in;
        const int got = swr_convert(swr_.p, &dst, cap, in ? &src : nullptr, n);
        if (got < 0) {
            out.resize(old);
            return make_error(ErrorCode::internal, "resampler: " + av_error_text(got));
        }
        out.resize(old + static_cast<size_t>(got));
        return Status::ok();
    }

    ResampleMethod method_;
    SwrHandle swr_;
    std::unique_ptr<LinearResampler> linear_;
    int rate_ = kSampleRate;
};

Result<DecodedAudio> decode_with_ffmpeg(const std::string& path, const AudioDecodeOptions& options) {
    LogCapture log;
    FormatHandle fmt;
    // "file:" forces the local-file protocol (a name with a colon is not a URL), and the whitelist keeps
    // playlist-style inputs (HLS, concat) from pulling in other files or the network.
    AVDictionary* open_opts = nullptr;
    av_dict_set(&open_opts, "protocol_whitelist", "file", 0);
    int ret = avformat_open_input(&fmt.p, ("file:" + path).c_str(), nullptr, &open_opts);
    av_dict_free(&open_opts);
    if (ret < 0)
        return file_error(ErrorCode::format_error, path, "not a recognised audio or video file: " + av_error_text(ret) + log.suffix());
    ret = avformat_find_stream_info(fmt.p, nullptr);
    if (ret < 0)
        return file_error(ErrorCode::format_error, path, "cannot read stream information: " + av_error_text(ret) + log.suffix());

    const AVCodec* codec = nullptr;
    const int stream_index = av_find_best_stream(fmt.p, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (stream_index == AVERROR_STREAM_NOT_FOUND) {
        std::string kinds;
        for (unsigned i = 0; i < fmt.p->nb_streams; ++i) {
            const char* k = av_get_media_type_string(fmt.p->streams[i]->codecpar->codec_type);
            kinds += std::string(i ? ", " : "") + (k ? k : "unknown");
        }
        return file_error(ErrorCode::format_error, path,
                          "no audio stream (container '" + std::string(fmt.p->iformat->name) + "' with " +
                              std::to_string(fmt.p->nb_streams) + " stream(s)" + (kinds.empty() ? "" : ": " + kinds) + ")");
    }
    if (stream_index == AVERROR_DECODER_NOT_FOUND || !codec) {
        int idx = -1;
        for (unsigned i = 0; i < fmt.p->nb_streams; ++i)
            if (fmt.p->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) { idx = static_cast<int>(i); break; }
        const char* name = idx >= 0 ? avcodec_get_name(fmt.p->streams[idx]->codecpar->codec_id) : "?";
        return file_error(ErrorCode::unsupported, path, std::string("this FFmpeg build has no decoder for audio codec '") + name + "'");
    }
    if (stream_index < 0) return file_error(ErrorCode::format_error, path, "cannot select an audio stream: " + av_error_text(stream_index));

    AVStream* stream = fmt.p->streams[stream_index];
    CodecHandle dec;
    dec.p = avcodec_alloc_context3(codec);
    if (!dec.p) return make_error(ErrorCode::internal, "out of memory allocating a decoder");
    ret = avcodec_parameters_to_context(dec.p, stream->codecpar);
    if (ret >= 0) {
        dec.p->pkt_timebase = stream->time_base;
        ret = avcodec_open2(dec.p, codec, nullptr);
    }
    if (ret < 0)
        return file_error(ErrorCode::format_error, path, std::string("cannot open the '") + codec->name + "' decoder: " + av_error_text(ret) + log.suffix());

    DecodedAudio result;
    AudioInfo& info = result.info;
    info.container = fmt.p->iformat->name;
    info.codec = codec->name;
    info.source_rate = stream->codecpar->sample_rate;
    info.source_channels = TS_PAR_CHANNELS(stream->codecpar);

    const size_t max_samples = static_cast<size_t>(std::max(0.0, options.max_seconds) * kSampleRate);
    std::vector<float>& out = result.samples;
    std::vector<float> mono;  // one frame, source rate
    MonoResampler resampler(options.resampler);
    PacketHandle pkt;
    FrameHandle frame;
    if (!pkt.p || !frame.p) return make_error(ErrorCode::internal, "out of memory allocating packets");
    int64_t n_frames = 0;

    auto drain = [&]() -> Status {
        for (;;) {
            const int r = avcodec_receive_frame(dec.p, frame.p);
            if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return Status::ok();
            if (r < 0) {  // a corrupt frame: skip it, keep going
                ++info.n_corrupt_packets;
                return Status::ok();
            }
            const AVFrame* f = frame.p;
            const auto sf = static_cast<AVSampleFormat>(f->format);
            const int channels = TS_FRAME_CHANNELS(f);
            if (channels <= 0 || f->sample_rate <= 0) {
                av_frame_unref(frame.p);
                ++info.n_corrupt_packets;
                continue;
            }
            if (!sample_format_known(sf)) {
                const char* name = av_get_sample_fmt_name(sf);
                return file_error(ErrorCode::unsupported, path, std::string("decoder produced sample format '") + (name ? name : "?") + "'");
            }
            const bool planar = av_sample_fmt_is_planar(sf) != 0;
            const int n = f->nb_samples;
            mono.resize(static_cast<size_t>(n));
            for (int i = 0; i < n; ++i) {
                float s = 0.0f;
                for (int c = 0; c < channels; ++c) s += sample_at(f, sf, planar, channels, c, i);
                mono[static_cast<size_t>(i)] = s / static_cast<float>(channels);  // ma_channel_converter: t / channelsIn
            }
            const int rate = f->sample_rate;
            av_frame_unref(frame.p);
            ++n_frames;
            TS_RETURN_IF_ERROR(resampler.push(mono.data(), n, rate, out));
            if (out.size() > max_samples)
                return file_error(ErrorCode::out_of_range, path,
                                  "longer than the " + std::to_string(static_cast<int64_t>(options.max_seconds)) + " s limit");
        }
    };

    int read_ret = 0;
    while ((read_ret = av_read_frame(fmt.p, pkt.p)) >= 0) {
        if (pkt.p->stream_index == stream_index) {
            const int s = avcodec_send_packet(dec.p, pkt.p);
            if (s < 0 && s != AVERROR(EAGAIN)) ++info.n_corrupt_packets;
            Status st = drain();
            if (!st.is_ok()) return st;
        }
        av_packet_unref(pkt.p);
    }
    const bool truncated = read_ret != AVERROR_EOF;
    avcodec_send_packet(dec.p, nullptr);  // flush the decoder's delay
    TS_RETURN_IF_ERROR(drain());
    TS_RETURN_IF_ERROR(resampler.flush(out));

    info.n_samples = static_cast<int64_t>(out.size());
    if (n_frames == 0) {
        std::string why = info.n_corrupt_packets ? std::to_string(info.n_corrupt_packets) + " corrupt packet(s)" : "no audio frames";
        if (truncated) why += ", read error: " + av_error_text(read_ret);
        return file_error(ErrorCode::format_error, path, "no decodable audio in the '" + info.codec + "' stream (" + why + ")" + log.suffix());
    }
    TS_RETURN_IF_ERROR(check_content(path, out, options));
    return result;
}

#endif  // TESSERA_HAVE_FFMPEG

}  // namespace

bool ffmpeg_available() {
#if TESSERA_HAVE_FFMPEG
    return true;
#else
    return false;
#endif
}

Result<std::vector<float>> read_raw_f32(const std::string& path) {
    int64_t size = 0;
    TS_RETURN_IF_ERROR(check_file(path, &size));
    if (size % 4 != 0)
        return file_error(ErrorCode::format_error, path, "raw float32 audio must be a multiple of 4 bytes, got " + std::to_string(size));
    std::vector<float> x(static_cast<size_t>(size / 4));
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(x.data()), static_cast<std::streamsize>(size));
    if (!in) return file_error(ErrorCode::io_error, path, "read failed");
    for (size_t i = 0; i < x.size(); ++i)
        if (!std::isfinite(x[i]))
            return file_error(ErrorCode::format_error, path, "sample " + std::to_string(i) + " is not a finite number");
    return x;
}

Result<DecodedAudio> decode_audio_file(const std::string& path, const AudioDecodeOptions& options) {
    int64_t size = 0;
    TS_RETURN_IF_ERROR(check_file(path, &size));
    if (options.raw_f32_by_extension && ends_with(path, ".f32")) {
        TS_ASSIGN_OR_RETURN(std::vector<float> x, read_raw_f32(path));
        if (static_cast<double>(x.size()) > options.max_seconds * kSampleRate)
            return file_error(ErrorCode::out_of_range, path, "longer than the " + std::to_string(static_cast<int64_t>(options.max_seconds)) + " s limit");
        TS_RETURN_IF_ERROR(check_content(path, x, options));
        DecodedAudio d;
        d.info.container = "raw-f32";
        d.info.codec = "f32le";
        d.info.source_rate = kSampleRate;
        d.info.source_channels = 1;
        d.info.n_samples = static_cast<int64_t>(x.size());
        d.samples = std::move(x);
        return d;
    }
#if TESSERA_HAVE_FFMPEG
    return decode_with_ffmpeg(path, options);
#else
    return file_error(ErrorCode::unsupported, path, "this build has no FFmpeg: only raw .f32 audio can be read (rebuild with libavformat-dev libavcodec-dev libswresample-dev)");
#endif
}

}  // namespace tessera::audio
