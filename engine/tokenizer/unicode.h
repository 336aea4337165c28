#pragma once
// Unicode helpers for the tokenizers: lenient UTF-8 decoding, category flags, lowercase, the 1:1 "NFD"
// map and GPT-2's byte <-> unicode mapping. Internal to tessera_tokenizer.
// ref: llama.cpp src/unicode.cpp (unicode_cpt_from_utf8, unicode_cpt_flags, unicode_byte_to_utf8).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::tok {

// Category flags: one of the category bits, plus kCptWhitespace for Unicode White_Space.
enum : uint16_t {
    kCptUndefined = 1 << 0,
    kCptNumber = 1 << 1,       // \p{N}
    kCptLetter = 1 << 2,       // \p{L}
    kCptSeparator = 1 << 3,    // \p{Z}
    kCptAccentMark = 1 << 4,   // \p{M}
    kCptPunctuation = 1 << 5,  // \p{P}
    kCptSymbol = 1 << 6,       // \p{S}
    kCptControl = 1 << 7,      // \p{C} (includes unassigned code points)
    kCptCategoryMask = 0xFF,
    kCptWhitespace = 1 << 8,   // \s (Unicode White_Space)
};

constexpr uint32_t kReplacementChar = 0xFFFD;
constexpr uint32_t kMaxCodepoint = 0x10FFFF;

// Flags of one code point (0 for values above U+10FFFF, as llama.cpp's "undefined").
uint16_t cpt_flags(uint32_t cpt);
inline bool cpt_is_whitespace(uint32_t cpt) { return (cpt_flags(cpt) & kCptWhitespace) != 0; }

// First code point of the lowercase form (Python's str.lower()[0]); the code point itself if none.
uint32_t cpt_tolower(uint32_t cpt);
// First code point of the NFD decomposition (llama.cpp unicode_cpts_normalize_nfd: combining marks dropped).
uint32_t cpt_nfd(uint32_t cpt);

// Byte length of a UTF-8 sequence from its lead byte alone (llama.cpp unicode_len_utf8: 1 for bytes
// 0x00-0xBF, 2 for 0xC0-0xDF, 3 for 0xE0-0xEF, 4 for 0xF0-0xFF). Never 0.
inline size_t utf8_len(char lead) {
    static constexpr uint8_t lookup[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return lookup[static_cast<uint8_t>(lead) >> 4];
}

// Decodes one code point at `offset` with llama.cpp's lenient rules (overlong forms and surrogates are
// accepted); returns false and leaves `offset` unchanged on an invalid or truncated sequence, or a value
// above U+10FFFF.
bool utf8_decode(std::string_view s, size_t& offset, uint32_t& cpt);
// Whole string; every byte that does not start a valid sequence becomes U+FFFD (llama.cpp behaviour).
std::vector<uint32_t> cpts_from_utf8(std::string_view s);
void append_utf8(std::string& out, uint32_t cpt);
std::string cpt_to_utf8(uint32_t cpt);

// GPT-2 byte-level BPE: byte -> printable code point (as UTF-8), and back (-1 when not a mapped code point).
const std::string& byte_to_bpe_utf8(uint8_t byte);
uint32_t byte_to_bpe_cpt(uint8_t byte);
int bpe_cpt_to_byte(uint32_t cpt);

}  // namespace tessera::tok
