#pragma once
// Speech to text with Whisper: log-mel of the whole input, then 30-second windows decoded one after the
// other, the window start moving by what the timestamp tokens cover ("seeking").
// ref: whisper.cpp src/whisper.cpp whisper_full_with_state (window loop, temperature fallback, segment
//      output), whisper_process_logits (token suppression and timestamp rules), whisper_sequence_score,
//      whisper_lang_auto_detect_with_state; openai/whisper decoding.py (ApplyTimestampRules,
//      SuppressBlank, BeamSearchDecoder) and transcribe.py.
//
// Defaults are whisper.cpp's whisper_full_default_params: temperature 0 with +0.2 steps on failure,
// entropy threshold 2.4 (whisper.cpp's stand-in for OpenAI's compression-ratio test), average
// log-probability threshold -1, no-speech threshold 0.6, max initial timestamp 1 s, blank suppression,
// previous window's text as the prompt of the next. Differences: beam search keeps the beam_size most
// probable continuations of every beam (deterministic, as OpenAI's BeamSearchDecoder; whisper.cpp at the
// referenced commit samples them), and language detection only ranks the model's own language tokens.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/audio/mel.h"
#include "engine/core/status.h"
#include "engine/models/audio/whisper.h"

namespace tessera::audio {

enum class WhisperStrategy { greedy, beam_search };

struct TranscribeOptions {
    std::string language = "en";  // code or name; "" or "auto": detect (multilingual models only)
    bool translate = false;       // task <|translate|> (to English) instead of <|transcribe|>
    bool timestamps = true;       // false: prompt ends with <|notimestamps|>, one segment per window
    WhisperStrategy strategy = WhisperStrategy::greedy;
    int beam_size = 5;
    int best_of = 5;              // candidates sampled when the temperature is above 0
    float temperature = 0.0f;
    float temperature_inc = 0.2f;  // 0: no fallback
    float entropy_thold = 2.4f;
    float logprob_thold = -1.0f;
    float no_speech_thold = 0.6f;
    float max_initial_ts = 1.0f;   // seconds
    bool suppress_blank = true;
    bool condition_on_previous_text = true;
    int max_tokens_per_window = 0;  // 0: n_text_ctx / 2 - 4
    uint64_t seed = 0;              // sampling at temperature > 0
    int n_threads = 0;
    const std::atomic<bool>* cancel = nullptr;
    // Called as segments are produced; return false to stop (the transcript so far is returned).
    std::function<bool(const struct TranscriptSegment&)> on_segment;
    std::function<void(double fraction)> on_progress;
};

struct TranscriptSegment {
    int64_t t0_cs = 0;  // start, centiseconds from the start of the audio
    int64_t t1_cs = 0;  // end
    std::string text;   // UTF-8 bytes of the text tokens (may start with a space, as Whisper emits them)
    std::vector<int32_t> tokens;  // every token of the segment, timestamps included
    float no_speech_prob = 0.0f;
    double t0() const { return t0_cs / 100.0; }
    double t1() const { return t1_cs / 100.0; }
};

struct Transcript {
    std::string language;        // code used ("en"); empty for English-only models
    float language_prob = 1.0f;  // detection probability (1 when given)
    std::vector<TranscriptSegment> segments;
    int n_windows = 0;           // 30 s windows decoded
    int n_fallbacks = 0;         // windows re-decoded at a higher temperature
    double seconds = 0.0;        // audio length
    double mel_ms = 0, encode_ms = 0, decode_ms = 0;
    std::string text() const;    // all segments' text concatenated
};

struct LanguageGuess {
    int lang_id = 0;
    std::string code;
    float prob = 0.0f;
    std::vector<float> probs;  // (num_languages) softmax over the language tokens
};

class Transcriber {
public:
    explicit Transcriber(std::shared_ptr<const WhisperModel> model, int n_threads = 0);
    ~Transcriber();

    WhisperState& state() { return *state_; }
    const WhisperModel& model() const { return *model_; }

    // The model's filter bank (from the .bin).
    MelFilterBank filters() const;
    Result<LogMel> log_mel(const float* pcm, int64_t n);

    // pcm: 16 kHz mono samples. Errors: empty / shorter than 100 ms input, unknown language, translate on
    // an English-only model, cancellation (code cancelled), decoder failures.
    Result<Transcript> transcribe(const float* pcm, int64_t n, const TranscribeOptions& options);
    // Most probable language of the window starting at `offset` frames (SOT, then argmax over languages).
    Result<LanguageGuess> detect_language(const LogMel& mel, int64_t offset = 0);

private:
    struct Impl;
    std::shared_ptr<const WhisperModel> model_;
    std::unique_ptr<WhisperState> state_;
};

// "HH:MM:SS.mmm" (comma: SRT's "HH:MM:SS,mmm").
std::string format_timestamp(int64_t t_cs, bool comma = false);
std::string format_srt(const Transcript& t);
std::string format_vtt(const Transcript& t);

}  // namespace tessera::audio
