#pragma once
// Generated Unicode tables (see gen_unicode_tables.py). Internal to tessera_tokenizer.
#include <cstddef>
#include <cstdint>

namespace tessera::tok {

struct UnicodeFlagRange {
    uint32_t start;  // first code point of the range; the range ends where the next one starts
    uint8_t flags;   // category bits, see kCpt* in unicode.h
};

struct UnicodeCaseRun {
    uint32_t first;
    uint32_t last;
    int32_t stride;  // 1 or 2 (alternating upper/lower pairs)
    int32_t delta;   // lower = cpt + delta
};

struct UnicodeNfdRange {
    uint32_t first;
    uint32_t last;
    uint32_t nfd;  // first code point of the NFD decomposition
};

extern const UnicodeFlagRange k_unicode_flag_ranges[];
extern const size_t k_unicode_flag_ranges_size;
extern const UnicodeCaseRun k_unicode_lower_runs[];
extern const size_t k_unicode_lower_runs_size;
extern const UnicodeNfdRange k_unicode_nfd_ranges[];
extern const size_t k_unicode_nfd_ranges_size;

}  // namespace tessera::tok
