#pragma once
// Whisper's token vocabulary as whisper.cpp builds it from a ggml .bin file: the file's byte-level BPE
// tokens (stored as raw bytes: 50257 multilingual / 50256 English-only) plus synthesised special tokens
// up to the model's n_vocab.
// ref: whisper.cpp src/whisper.cpp whisper_vocab (ids), whisper_model_load (synthesised names, the
// multilingual shift), g_lang (the language table).
//
//   multilingual (n_vocab >= 51865): eot 50257, sot 50258, languages sot+1 .. sot+n_lang,
//     translate 50358, transcribe 50359, solm 50360, prev 50361, nosp 50362, notimestamps 50363,
//     timestamp_begin 50364 (+1 each for large-v3's 100 languages, n_vocab 51866);
//   English-only (n_vocab 51864): eot 50256, sot 50257, translate 50357, ..., timestamp_begin 50363.
// Timestamp token timestamp_begin + i stands for i * 20 ms inside the current 30 s window.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tessera {

class WhisperVocab {
public:
    WhisperVocab() = default;
    // file_tokens: the vocabulary section of the .bin (raw bytes per token); n_vocab: hparams.n_vocab.
    WhisperVocab(std::vector<std::string> file_tokens, int32_t n_vocab);

    int32_t n_vocab() const { return n_vocab_; }
    bool multilingual() const { return n_vocab_ >= 51865; }
    int num_languages() const { return n_vocab_ - 51765 - (multilingual() ? 1 : 0); }

    int32_t eot = 50256, sot = 50257, translate = 50357, transcribe = 50358, solm = 50359, prev = 50360,
            nosp = 50361, notimestamps = 50362, timestamp_begin = 50363;

    int32_t lang_token(int lang_id) const { return sot + 1 + lang_id; }
    bool is_lang_token(int32_t id) const { return id > sot && id <= sot + num_languages(); }
    bool is_text(int32_t id) const { return id >= 0 && id < eot; }
    bool is_timestamp(int32_t id) const { return id >= timestamp_begin && id < n_vocab_; }
    // Seconds inside the window for a timestamp token (20 ms steps).
    double timestamp_seconds(int32_t id) const { return (id - timestamp_begin) * 0.02; }

    // Raw bytes of a text token; whisper.cpp's names ("[_SOT_]", "[_LANG_en]", "[_TT_150]") for the rest;
    // "" out of range.
    const std::string& token_text(int32_t id) const;
    // Bytes of the text tokens in `ids` (specials and timestamps skipped unless render_special).
    std::string decode(std::span<const int32_t> ids, bool render_special = false) const;
    // Exact lookup of a token's bytes/name; -1 when absent.
    int32_t find(std::string_view text) const;

    // Language table (whisper.cpp g_lang order: id 0 "en" ... 99 "yue").
    static int n_known_languages();
    static int lang_id(std::string_view code_or_name);  // "en" or "english"; -1 unknown
    static const char* lang_code(int id);             // nullptr out of range
    static const char* lang_name(int id);

private:
    int32_t n_vocab_ = 0;
    std::vector<std::string> id_to_token_;
    std::unordered_map<std::string, int32_t> token_to_id_;
};

}  // namespace tessera
