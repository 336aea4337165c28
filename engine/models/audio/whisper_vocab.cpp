// WhisperVocab: file tokens + synthesised specials, ids exactly as whisper.cpp assigns them.
#include "engine/models/audio/whisper_vocab.h"

#include <cctype>

namespace tessera {
namespace {

struct Lang {
    const char* code;
    const char* name;
};

// ref: whisper.cpp g_lang (ids are positions); OpenAI whisper tokenizer.py LANGUAGES.
constexpr Lang kLanguages[] = {
    {"en", "english"}, {"zh", "chinese"}, {"de", "german"}, {"es", "spanish"}, {"ru", "russian"},
    {"ko", "korean"}, {"fr", "french"}, {"ja", "japanese"}, {"pt", "portuguese"}, {"tr", "turkish"},
    {"pl", "polish"}, {"ca", "catalan"}, {"nl", "dutch"}, {"ar", "arabic"}, {"sv", "swedish"},
    {"it", "italian"}, {"id", "indonesian"}, {"hi", "hindi"}, {"fi", "finnish"}, {"vi", "vietnamese"},
    {"he", "hebrew"}, {"uk", "ukrainian"}, {"el", "greek"}, {"ms", "malay"}, {"cs", "czech"},
    {"ro", "romanian"}, {"da", "danish"}, {"hu", "hungarian"}, {"ta", "tamil"}, {"no", "norwegian"},
    {"th", "thai"}, {"ur", "urdu"}, {"hr", "croatian"}, {"bg", "bulgarian"}, {"lt", "lithuanian"},
    {"la", "latin"}, {"mi", "maori"}, {"ml", "malayalam"}, {"cy", "welsh"}, {"sk", "slovak"},
    {"te", "telugu"}, {"fa", "persian"}, {"lv", "latvian"}, {"bn", "bengali"}, {"sr", "serbian"},
    {"az", "azerbaijani"}, {"sl", "slovenian"}, {"kn", "kannada"}, {"et", "estonian"}, {"mk", "macedonian"},
    {"br", "breton"}, {"eu", "basque"}, {"is", "icelandic"}, {"hy", "armenian"}, {"ne", "nepali"},
    {"mn", "mongolian"}, {"bs", "bosnian"}, {"kk", "kazakh"}, {"sq", "albanian"}, {"sw", "swahili"},
    {"gl", "galician"}, {"mr", "marathi"}, {"pa", "punjabi"}, {"si", "sinhala"}, {"km", "khmer"},
    {"sn", "shona"}, {"yo", "yoruba"}, {"so", "somali"}, {"af", "afrikaans"}, {"oc", "occitan"},
    {"ka", "georgian"}, {"be", "belarusian"}, {"tg", "tajik"}, {"sd", "sindhi"}, {"gu", "gujarati"},
    {"am", "amharic"}, {"yi", "yiddish"}, {"lo", "lao"}, {"uz", "uzbek"}, {"fo", "faroese"},
    {"ht", "haitian creole"}, {"ps", "pashto"}, {"tk", "turkmen"}, {"nn", "nynorsk"}, {"mt", "maltese"},
    {"sa", "sanskrit"}, {"lb", "luxembourgish"}, {"my", "myanmar"}, {"bo", "tibetan"}, {"tl", "tagalog"},
    {"mg", "malagasy"}, {"as", "assamese"}, {"tt", "tatar"}, {"haw", "hawaiian"}, {"ln", "lingala"},
    {"ha", "hausa"}, {"ba", "bashkir"}, {"jw", "javanese"}, {"su", "sundanese"}, {"yue", "cantonese"},
};
constexpr int kNumLanguages = static_cast<int>(sizeof(kLanguages) / sizeof(kLanguages[0]));

const std::string kEmpty;

}  // namespace

WhisperVocab::WhisperVocab(std::vector<std::string> file_tokens, int32_t n_vocab)
    : n_vocab_(n_vocab), id_to_token_(std::move(file_tokens)) {
    // ref: whisper_model_load "load vocab": multilingual models shift eot/sot by one and the task tokens by
    // the number of languages beyond 98.
    if (multilingual()) {
        ++eot;
        ++sot;
        const int dt = num_languages() - 98;
        translate += dt;
        transcribe += dt;
        solm += dt;
        prev += dt;
        nosp += dt;
        notimestamps += dt;
        timestamp_begin += dt;
    }
    const int32_t n_file = static_cast<int32_t>(id_to_token_.size());
    if (n_file > n_vocab_) id_to_token_.resize(static_cast<size_t>(n_vocab_));
    for (int32_t i = n_file; i < n_vocab_; ++i) {
        std::string w;
        if (i > timestamp_begin) w = "[_TT_" + std::to_string(i - timestamp_begin) + "]";
        else if (i == eot) w = "[_EOT_]";
        else if (i == sot) w = "[_SOT_]";
        else if (i == translate) w = "[_TRANSLATE_]";
        else if (i == transcribe) w = "[_TRANSCRIBE_]";
        else if (i == solm) w = "[_SOLM_]";
        else if (i == prev) w = "[_PREV_]";
        else if (i == nosp) w = "[_NOSP_]";
        else if (i == notimestamps) w = "[_NOT_]";
        else if (i == timestamp_begin) w = "[_BEG_]";
        else if (is_lang_token(i) && i - sot - 1 < kNumLanguages) w = std::string("[_LANG_") + kLanguages[i - sot - 1].code + "]";
        else w = "[_extra_token_" + std::to_string(i) + "]";
        id_to_token_.push_back(std::move(w));
    }
    token_to_id_.reserve(id_to_token_.size());
    for (int32_t i = 0; i < static_cast<int32_t>(id_to_token_.size()); ++i) token_to_id_[id_to_token_[static_cast<size_t>(i)]] = i;
}

const std::string& WhisperVocab::token_text(int32_t id) const {
    if (id < 0 || id >= static_cast<int32_t>(id_to_token_.size())) return kEmpty;
    return id_to_token_[static_cast<size_t>(id)];
}

std::string WhisperVocab::decode(std::span<const int32_t> ids, bool render_special) const {
    std::string s;
    for (int32_t id : ids)
        if (is_text(id) || render_special) s += token_text(id);
    return s;
}

int32_t WhisperVocab::find(std::string_view text) const {
    const auto it = token_to_id_.find(std::string(text));
    return it == token_to_id_.end() ? -1 : it->second;
}

int WhisperVocab::n_known_languages() { return kNumLanguages; }

int WhisperVocab::lang_id(std::string_view s) {
    std::string lower;
    for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (int i = 0; i < kNumLanguages; ++i)
        if (lower == kLanguages[i].code || lower == kLanguages[i].name) return i;
    return -1;
}

const char* WhisperVocab::lang_code(int id) { return id >= 0 && id < kNumLanguages ? kLanguages[id].code : nullptr; }
const char* WhisperVocab::lang_name(int id) { return id >= 0 && id < kNumLanguages ? kLanguages[id].name : nullptr; }

}  // namespace tessera
