// WordPiece (BERT).
// ref: llama.cpp src/llama-vocab.cpp llm_tokenizer_wpm_session: BERT basic tokenization (the 1:1 "NFD"
// map, accent stripping, lowercasing, whitespace/control removal, punctuation and CJK characters as words),
// then greedy longest-match-first over "▁" + word. The GGUF stores word-initial pieces with a leading ▁ and
// continuation pieces ("##x" in HF) without it. A word with no full segmentation becomes [UNK].
#include "engine/tokenizer/unicode.h"
#include "engine/tokenizer/vocab.h"

namespace tessera::tok {

namespace {

bool is_chinese_char(uint32_t cpt) {
    return (cpt >= 0x04E00 && cpt <= 0x09FFF) || (cpt >= 0x03400 && cpt <= 0x04DBF) ||
           (cpt >= 0x20000 && cpt <= 0x2A6DF) || (cpt >= 0x2A700 && cpt <= 0x2B73F) ||
           (cpt >= 0x2B740 && cpt <= 0x2B81F) ||
           (cpt >= 0x2B920 && cpt <= 0x2CEAF) ||  // 0x2B820 in the Unicode blocks; HF's Rust code uses 0x2B920
           (cpt >= 0x0F900 && cpt <= 0x0FAFF) || (cpt >= 0x2F800 && cpt <= 0x2FA1F);
}

}  // namespace

std::vector<std::string> wpm_preprocess(std::string_view text, bool lowercase, bool strip_accents) {
    std::vector<uint32_t> cpts = cpts_from_utf8(text);
    if (strip_accents) {
        for (uint32_t& c : cpts) c = cpt_nfd(c);
    }
    std::vector<std::string> words(1);
    for (const uint32_t cpt : cpts) {
        const uint16_t flags = cpt_flags(cpt);
        if (flags & kCptWhitespace) {
            if (!words.back().empty()) words.emplace_back();
            continue;
        }
        if (cpt == 0 || cpt == kReplacementChar || (flags & kCptControl)) continue;
        if (strip_accents && (flags & kCptAccentMark)) continue;
        const uint32_t c = lowercase ? cpt_tolower(cpt) : cpt;
        if ((flags & kCptPunctuation) || (cpt < 0x7F && (flags & kCptSymbol)) || is_chinese_char(cpt)) {
            if (!words.back().empty()) words.emplace_back();
            append_utf8(words.back(), c);  // a word of its own
            words.emplace_back();
        } else {
            append_utf8(words.back(), c);
        }
    }
    if (words.back().empty()) words.pop_back();
    return words;
}

void wpm_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
    const std::vector<std::string> words = wpm_preprocess(text, vocab.lowercase, vocab.strip_accents);
    std::string word1;
    for (const std::string& word : words) {
        if (word.empty()) continue;
        word1 = "\xE2\x96\x81" + word;  // phantom space
        const int n = static_cast<int>(word1.size());
        const size_t first = out.size();
        for (int i = 0; i < n; ++i) {
            bool match = false;
            for (int j = std::min(n, i + vocab.max_token_len + 1); j > i; --j) {
                const int32_t id = vocab.text_to_token(std::string_view(word1).substr(static_cast<size_t>(i),
                                                                                      static_cast<size_t>(j - i)));
                if (id >= 0) {
                    out.push_back(id);
                    match = true;
                    i = j - 1;
                    break;
                }
            }
            if (!match) {  // discard the partial segmentation of this word
                out.resize(first);
                break;
            }
        }
        if (out.size() == first && vocab.unk >= 0) out.push_back(vocab.unk);
    }
}

}  // namespace tessera::tok
