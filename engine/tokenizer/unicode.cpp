// ref: llama.cpp src/unicode.cpp (d32676d7): lenient UTF-8 decoding, flag table, GPT-2 byte map.
#include "engine/tokenizer/unicode.h"

#include <algorithm>
#include <array>

#include "engine/tokenizer/unicode_data.h"

namespace tessera::tok {

namespace {

// Unicode White_Space (what Python's `regex` \s matches; llama.cpp unicode_set_whitespace).
constexpr uint32_t k_whitespace[] = {
    0x0009, 0x000A, 0x000B, 0x000C, 0x000D, 0x0020, 0x0085, 0x00A0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
    0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
};

// One uint16 per code point (2.2 MB), built once: the pre-tokenizers query it for every character.
const std::vector<uint16_t>& flag_table() {
    static const std::vector<uint16_t> table = [] {
        std::vector<uint16_t> t(kMaxCodepoint + 1, kCptUndefined);
        for (size_t i = 0; i < k_unicode_flag_ranges_size; ++i) {
            const uint32_t start = k_unicode_flag_ranges[i].start;
            const uint32_t end = i + 1 < k_unicode_flag_ranges_size ? k_unicode_flag_ranges[i + 1].start
                                                                     : kMaxCodepoint + 1;
            std::fill(t.begin() + start, t.begin() + std::min<uint32_t>(end, kMaxCodepoint + 1),
                      k_unicode_flag_ranges[i].flags);
        }
        for (uint32_t cpt : k_whitespace) t[cpt] |= kCptWhitespace;
        return t;
    }();
    return table;
}

struct ByteMaps {
    std::array<uint32_t, 256> byte_to_cpt{};
    std::array<std::string, 256> byte_to_utf8;
};

// ref: GPT-2 encoder.py bytes_to_unicode (llama.cpp unicode_byte_to_utf8_map)
const ByteMaps& byte_maps() {
    static const ByteMaps maps = [] {
        ByteMaps m;
        std::array<bool, 256> direct{};
        for (int c = 0x21; c <= 0x7E; ++c) direct[c] = true;
        for (int c = 0xA1; c <= 0xAC; ++c) direct[c] = true;
        for (int c = 0xAE; c <= 0xFF; ++c) direct[c] = true;
        uint32_t n = 0;
        for (int c = 0; c < 256; ++c) {
            m.byte_to_cpt[c] = direct[c] ? static_cast<uint32_t>(c) : 256 + n++;
            m.byte_to_utf8[c] = cpt_to_utf8(m.byte_to_cpt[c]);
        }
        return m;
    }();
    return maps;
}

}  // namespace

uint16_t cpt_flags(uint32_t cpt) {
    if (cpt > kMaxCodepoint) return 0;
    return flag_table()[cpt];
}

uint32_t cpt_tolower(uint32_t cpt) {
    if (cpt < 0x80) return (cpt >= 'A' && cpt <= 'Z') ? cpt + 32 : cpt;
    const UnicodeCaseRun* begin = k_unicode_lower_runs;
    const UnicodeCaseRun* end = k_unicode_lower_runs + k_unicode_lower_runs_size;
    const UnicodeCaseRun* it =
        std::upper_bound(begin, end, cpt, [](uint32_t c, const UnicodeCaseRun& r) { return c < r.first; });
    if (it == begin) return cpt;
    --it;
    if (cpt > it->last || (cpt - it->first) % static_cast<uint32_t>(it->stride) != 0) return cpt;
    return static_cast<uint32_t>(static_cast<int64_t>(cpt) + it->delta);
}

uint32_t cpt_nfd(uint32_t cpt) {
    if (cpt < 0xC0) return cpt;
    const UnicodeNfdRange* begin = k_unicode_nfd_ranges;
    const UnicodeNfdRange* end = k_unicode_nfd_ranges + k_unicode_nfd_ranges_size;
    const UnicodeNfdRange* it =
        std::upper_bound(begin, end, cpt, [](uint32_t c, const UnicodeNfdRange& r) { return c < r.first; });
    if (it == begin) return cpt;
    --it;
    return cpt <= it->last ? it->nfd : cpt;
}

bool utf8_decode(std::string_view s, size_t& offset, uint32_t& cpt) {
    // ref: llama.cpp unicode_cpt_from_utf8 (no overlong / surrogate checks, like the peer).
    const size_t n = s.size();
    const auto b = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
    const uint8_t c0 = b(offset);
    if (!(c0 & 0x80)) {
        cpt = c0;
        offset += 1;
        return true;
    }
    if (!(c0 & 0x40)) return false;
    if (!(c0 & 0x20)) {
        if (offset + 1 >= n || (b(offset + 1) & 0xC0) != 0x80) return false;
        cpt = ((c0 & 0x1Fu) << 6) | (b(offset + 1) & 0x3Fu);
        offset += 2;
        return true;
    }
    if (!(c0 & 0x10)) {
        if (offset + 2 >= n || (b(offset + 1) & 0xC0) != 0x80 || (b(offset + 2) & 0xC0) != 0x80) return false;
        cpt = ((c0 & 0x0Fu) << 12) | ((b(offset + 1) & 0x3Fu) << 6) | (b(offset + 2) & 0x3Fu);
        offset += 3;
        return true;
    }
    if (!(c0 & 0x08)) {
        if (offset + 3 >= n || (b(offset + 1) & 0xC0) != 0x80 || (b(offset + 2) & 0xC0) != 0x80 ||
            (b(offset + 3) & 0xC0) != 0x80) {
            return false;
        }
        const uint32_t v = ((c0 & 0x07u) << 18) | ((b(offset + 1) & 0x3Fu) << 12) |
                           ((b(offset + 2) & 0x3Fu) << 6) | (b(offset + 3) & 0x3Fu);
        // llama.cpp would accept values up to 0x1FFFFF and then fail to re-encode them; treat as invalid.
        if (v > kMaxCodepoint) return false;
        cpt = v;
        offset += 4;
        return true;
    }
    return false;
}

std::vector<uint32_t> cpts_from_utf8(std::string_view s) {
    std::vector<uint32_t> out;
    out.reserve(s.size());
    size_t offset = 0;
    while (offset < s.size()) {
        uint32_t cpt = 0;
        if (utf8_decode(s, offset, cpt)) {
            out.push_back(cpt);
        } else {
            ++offset;
            out.push_back(kReplacementChar);
        }
    }
    return out;
}

void append_utf8(std::string& out, uint32_t cpt) {
    if (cpt <= 0x7F) {
        out.push_back(static_cast<char>(cpt));
    } else if (cpt <= 0x7FF) {
        out.push_back(static_cast<char>(0xC0 | ((cpt >> 6) & 0x1F)));
        out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
    } else if (cpt <= 0xFFFF) {
        out.push_back(static_cast<char>(0xE0 | ((cpt >> 12) & 0x0F)));
        out.push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
    } else if (cpt <= kMaxCodepoint) {
        out.push_back(static_cast<char>(0xF0 | ((cpt >> 18) & 0x07)));
        out.push_back(static_cast<char>(0x80 | ((cpt >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
    } else {
        append_utf8(out, kReplacementChar);
    }
}

std::string cpt_to_utf8(uint32_t cpt) {
    std::string s;
    append_utf8(s, cpt);
    return s;
}

const std::string& byte_to_bpe_utf8(uint8_t byte) { return byte_maps().byte_to_utf8[byte]; }

uint32_t byte_to_bpe_cpt(uint8_t byte) { return byte_maps().byte_to_cpt[byte]; }

int bpe_cpt_to_byte(uint32_t cpt) {
    if (cpt < 256) {
        const bool direct = (cpt >= 0x21 && cpt <= 0x7E) || (cpt >= 0xA1 && cpt <= 0xAC) || (cpt >= 0xAE);
        return direct ? static_cast<int>(cpt) : -1;
    }
    if (cpt < 256 + 68) {  // 68 bytes are remapped to U+0100..U+0143
        const ByteMaps& m = byte_maps();
        for (int b = 0; b < 256; ++b) {
            if (m.byte_to_cpt[b] == cpt) return b;
        }
    }
    return -1;
}

}  // namespace tessera::tok
