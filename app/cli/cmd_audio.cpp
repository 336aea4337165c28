// transcribe, bench-audio: Whisper speech recognition from the command line.
//
//   transcribe -m WHISPER.bin -f AUDIO [--language xx|auto] [--translate] [--timestamps] [--print-ids]
//              [--srt | --vtt] [-o FILE] [--beam-size N] [--best-of N] [--temp T] [--no-fallback] [-t N]
//   transcribe -m WHISPER.bin -f AUDIO --decoder-tokens 50258,50259,50359,50363 --logits-out FILE
//       check mode: encodes the first 30 s window and writes float32 logits (n_tokens x n_vocab) of the
//       given tokens, teacher forced (row i = distribution after token i).
//   bench-audio --preset base|small|... [--type f16|f32] [-t N] [-n TOKENS] [-r REPEATS]
//       real-time factor of a random-weight model: encoder (one 30 s window) and decoder (TOKENS greedy
//       steps after the 4-token SOT prompt) measured separately.
//
// AUDIO is anything FFmpeg decodes (WAV, MP3, FLAC, OGG/Opus, M4A/AAC, the audio track of a video); a file
// ending in .f32 is read as raw little-endian float32 16 kHz mono samples (e.g. the fixtures' pcm_16k.f32).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "app/cli/cli_args.h"
#include "app/cli/commands.h"
#include "engine/audio/audio_decode.h"
#include "engine/audio/mel.h"
#include "engine/audio/transcribe.h"
#include "engine/models/audio/whisper.h"
#include "engine/models/audio/whisper_writer.h"
#include "engine/ops/ops.h"

namespace tessera::cli {
namespace {

void check(const Status& s) {
    if (!s.is_ok()) throw std::runtime_error(s.to_string());
}

std::atomic<bool> g_stop{false};
extern "C" void on_sigint_audio(int) { g_stop.store(true); }

void write_output(const std::string& path, const std::string& text) {
    if (path.empty()) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write '" + path + "'");
    out << text;
    if (!out) throw std::runtime_error("write to '" + path + "' failed");
}

// Check mode: first window, teacher-forced logits of the given tokens.
int logits_check(const std::shared_ptr<const WhisperModel>& model, const std::vector<float>& pcm, const std::vector<int32_t>& tokens,
                 const std::string& out_path, int n_threads) {
    audio::Transcriber tr(model, n_threads);
    auto mel = tr.log_mel(pcm.data(), static_cast<int64_t>(pcm.size()));
    check(mel.status());
    const WhisperHParams& h = model->hparams();
    std::vector<float> window(static_cast<size_t>(h.n_mels) * 2 * h.n_audio_ctx);
    audio::mel_window(mel.value(), 0, 2 * h.n_audio_ctx, window.data());
    WhisperState& st = tr.state();
    check(st.encode(window.data(), h.n_mels, 2 * h.n_audio_ctx));
    check(st.decode(tokens, 0, 0, /*all_logits=*/true));
    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write '" + out_path + "'");
    out.write(reinterpret_cast<const char*>(st.logits(0)), static_cast<std::streamsize>(tokens.size() * h.n_vocab * sizeof(float)));
    if (!out) throw std::runtime_error("write to '" + out_path + "' failed");
    std::fprintf(stderr, "wrote %zu x %d logits to %s\n", tokens.size(), h.n_vocab, out_path.c_str());
    return 0;
}

}  // namespace

int cmd_transcribe(int argc, char** argv) {
    Args args(argc, argv, 2,
              {"-m", "-f", "--language", "-l", "-o", "--beam-size", "--best-of", "--temp", "-t", "--decoder-tokens", "--logits-out",
               "--max-tokens"},
              {"--timestamps", "--print-ids", "--srt", "--vtt", "--translate", "--no-fallback", "--no-context", "--allow-silent"},
              {{"-l", "--language"}});
    const std::string model_path = args.required("-m");
    const std::string audio_path = args.required("-f");
    const int n_threads = static_cast<int>(args.integer("-t", 0));
    if (args.has("--srt") && args.has("--vtt")) throw UsageError("--srt and --vtt are exclusive");
    if (args.has("--decoder-tokens") != args.has("--logits-out"))
        throw UsageError("--decoder-tokens and --logits-out go together");

    auto model = WhisperModel::load(model_path);
    check(model.status());
    audio::AudioDecodeOptions dopt;
    dopt.allow_silent = args.has("--allow-silent") || args.has("--decoder-tokens");
    auto audio = audio::decode_audio_file(audio_path, dopt);
    check(audio.status());
    const audio::AudioInfo& info = audio->info;

    if (args.has("--decoder-tokens")) {
        const auto tokens = args.int_list("--decoder-tokens");
        if (tokens.empty()) throw UsageError("--decoder-tokens is empty");
        return logits_check(model.value(), audio->samples, tokens, args.required("--logits-out"), n_threads);
    }

    audio::TranscribeOptions o;
    o.language = args.str("--language", "en");
    o.translate = args.has("--translate");
    o.n_threads = n_threads;
    o.condition_on_previous_text = !args.has("--no-context");
    if (args.has("--beam-size")) {
        o.strategy = audio::WhisperStrategy::beam_search;
        o.beam_size = static_cast<int>(args.integer("--beam-size", 5));
    }
    o.best_of = static_cast<int>(args.integer("--best-of", o.best_of));
    o.temperature = static_cast<float>(args.number("--temp", 0.0));
    if (args.has("--no-fallback")) o.temperature_inc = 0.0f;
    o.max_tokens_per_window = static_cast<int>(args.integer("--max-tokens", 0));
    o.cancel = &g_stop;
    const bool timestamps = args.has("--timestamps");
    const bool subtitles = args.has("--srt") || args.has("--vtt");
    o.timestamps = true;  // timestamp tokens drive the window seeking; they are printed only on request
    std::signal(SIGINT, on_sigint_audio);
    const bool stream = !subtitles && !args.has("-o") && isatty(STDOUT_FILENO);
    if (stream) {
        o.on_segment = [&](const audio::TranscriptSegment& s) {
            if (timestamps)
                std::printf("[%s --> %s]  %s\n", audio::format_timestamp(s.t0_cs).c_str(), audio::format_timestamp(s.t1_cs).c_str(), s.text.c_str());
            else
                std::printf("%s", s.text.c_str());
            std::fflush(stdout);
            return true;
        };
    }

    audio::Transcriber tr(model.value(), n_threads);
    const auto t0 = std::chrono::steady_clock::now();
    auto result = tr.transcribe(audio->samples.data(), static_cast<int64_t>(audio->samples.size()), o);
    if (!result.is_ok() && result.status().code() == ErrorCode::cancelled) {
        std::fprintf(stderr, "[interrupted]\n");
        return 130;
    }
    check(result.status());
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const audio::Transcript& t = result.value();

    std::string text;
    if (args.has("--srt")) {
        text = audio::format_srt(t);
    } else if (args.has("--vtt")) {
        text = audio::format_vtt(t);
    } else if (!stream) {
        for (const auto& s : t.segments) {
            if (timestamps) {
                text += '[';
                text += audio::format_timestamp(s.t0_cs);
                text += " --> ";
                text += audio::format_timestamp(s.t1_cs);
                text += "]  ";
            }
            text += s.text;
            if (timestamps) text += '\n';
        }
        if (!timestamps) text += "\n";
    } else if (!timestamps) {
        std::printf("\n");
    }
    write_output(args.str("-o"), text);
    if (args.has("--print-ids")) {
        std::string ids;
        for (const auto& s : t.segments)
            for (int32_t id : s.tokens) {
                if (!ids.empty()) ids += ' ';
                ids += std::to_string(id);
            }
        std::printf("%s\n", ids.c_str());
    }
    std::fprintf(stderr,
                 "[%s: %.2f s of audio (%s/%s, %d Hz, %d ch), language %s, %d window(s), %d fallback(s); mel %.0f ms, encode %.0f ms, "
                 "decode %.0f ms; %.2fx real time]\n",
                 audio_path.c_str(), t.seconds, info.container.c_str(), info.codec.c_str(), info.source_rate, info.source_channels,
                 t.language.empty() ? "en (English-only model)" : t.language.c_str(), t.n_windows, t.n_fallbacks, t.mel_ms, t.encode_ms,
                 t.decode_ms, secs > 0 ? t.seconds / secs : 0.0);
    return 0;
}

int cmd_bench_audio(int argc, char** argv) {
    Args args(argc, argv, 2, {"--preset", "--type", "-t", "-n", "-r", "--keep"}, {});
    const std::string preset = args.str("--preset", "base");
    WhisperRandomSpec spec;
    spec.hparams = whisper_preset(preset);
    if (spec.hparams.n_audio_state == 0) throw UsageError("unknown preset '" + preset + "' (tiny, base, small, medium, large, large-v3)");
    const std::string type = args.str("--type", "f16");
    if (type == "f16") spec.matrix_type = DType::F16;
    else if (type == "f32") spec.matrix_type = DType::F32;
    else throw UsageError("--type must be f16 or f32");
    const int n_threads = static_cast<int>(args.integer("-t", 2));
    const int n_tokens = static_cast<int>(args.integer("-n", 100));
    const int repeats = std::max<int>(1, static_cast<int>(args.integer("-r", 2)));
    const std::string path = args.str("--keep", "/tmp/tessera-bench-whisper-" + preset + "-" + type + "-" + std::to_string(::getpid()) + ".bin");
    check(write_random_whisper_ggml(path, spec));
    auto model = WhisperModel::load(path);
    if (!args.has("--keep")) std::remove(path.c_str());
    check(model.status());
    const WhisperHParams& h = model.value()->hparams();

    using clk = std::chrono::steady_clock;
    auto ms = [](clk::time_point a) { return std::chrono::duration<double, std::milli>(clk::now() - a).count(); };
    // 30 s of a synthetic signal (chirp + noise): mel, then encoder, then decoder.
    std::vector<float> pcm(16000 * 30);
    for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = 0.3f * std::sin(0.001f * i * (1.0f + i * 1e-5f)) + 0.01f * std::sin(i * 1.7f);
    WhisperStateOptions so;
    so.n_threads = n_threads;
    WhisperState st(model.value(), so);
    audio::MelFilterBank fb{model.value()->mel_n_mel(), model.value()->mel_n_bins(), model.value()->mel_filters()};
    auto t = clk::now();
    auto mel = audio::whisper_log_mel(pcm.data(), static_cast<int64_t>(pcm.size()), fb, &st.pool());
    check(mel.status());
    const double mel_ms = ms(t);
    std::vector<float> window(static_cast<size_t>(h.n_mels) * 2 * h.n_audio_ctx);
    audio::mel_window(mel.value(), 0, 2 * h.n_audio_ctx, window.data());

    // Wall time (best of the repeats) and process CPU time (all threads): on a busy machine the CPU
    // time divided by the thread count is what an idle one would show.
    auto cpu_ms = [] { return 1000.0 * static_cast<double>(std::clock()) / CLOCKS_PER_SEC; };
    double enc_ms = 1e30, prompt_ms = 1e30, tok_ms = 1e30, enc_cpu = 1e30, dec_cpu = 1e30;
    const std::vector<int32_t> prompt = {50258, 50259, 50359, 50363};
    for (int r = 0; r < repeats; ++r) {
        double c0 = cpu_ms();
        t = clk::now();
        check(st.encode(window.data(), h.n_mels, 2 * h.n_audio_ctx));
        enc_ms = std::min(enc_ms, ms(t));
        enc_cpu = std::min(enc_cpu, cpu_ms() - c0);
        c0 = cpu_ms();
        t = clk::now();
        check(st.decode(prompt, 0));
        prompt_ms = std::min(prompt_ms, ms(t));
        t = clk::now();
        int32_t next = 0;
        for (int i = 0; i < n_tokens; ++i) {
            next = ops::argmax(st.logits(), h.n_vocab);
            check(st.decode(std::span<const int32_t>(&next, 1), static_cast<int64_t>(prompt.size()) + i));
        }
        tok_ms = std::min(tok_ms, ms(t) / n_tokens);
        dec_cpu = std::min(dec_cpu, cpu_ms() - c0);
    }
    const double window_ms = 30000.0;
    const double dec_ms = prompt_ms + n_tokens * tok_ms;
    std::printf("whisper-%s (%s, random weights), %d thread(s), best of %d:\n", preset.c_str(), type.c_str(), n_threads, repeats);
    std::printf("  log-mel 30 s        %8.1f ms   RTF %.4f\n", mel_ms, mel_ms / window_ms);
    std::printf("  encoder 30 s window %8.1f ms   RTF %.4f\n", enc_ms, enc_ms / window_ms);
    std::printf("  decoder prompt (4)  %8.1f ms\n", prompt_ms);
    std::printf("  decoder per token   %8.2f ms\n", tok_ms);
    std::printf("  decoder %d tokens  %8.1f ms   RTF %.4f (per 30 s window)\n", n_tokens, dec_ms, dec_ms / window_ms);
    std::printf("  total               %8.1f ms   RTF %.4f\n", mel_ms + enc_ms + dec_ms, (mel_ms + enc_ms + dec_ms) / window_ms);
    std::printf("  CPU time: encoder %.1f ms, decoder (prompt + %d tokens) %.1f ms over %d thread(s)\n", enc_cpu, n_tokens, dec_cpu,
                n_threads);
    return 0;
}

}  // namespace tessera::cli
