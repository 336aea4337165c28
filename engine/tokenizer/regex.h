#pragma once
// A small backtracking regex engine with ECMAScript (std::regex) semantics, over sequences of code points.
// It covers what the BPE pre-tokenizer patterns use: alternation, groups ((...), (?:...)), lookahead
// ((?=...), (?!...)), classes with ranges and negation, \s \S \d \D \w \W \r \n \t, \p{N|L|P|M|S},
// quantifiers * + ? {n} {n,} {n,m} (greedy and lazy), $ and ^.
//
// llama.cpp runs these patterns through std::regex in one of two modes (ref: unicode.cpp unicode_regex_split):
//  * collapsed: the pattern uses \p{..}; every code point >= 128 of the text is replaced by one byte for its
//    category (0xD1 number, 0xD2 letter, 0xD3 punctuation, 0xD4 mark, 0xD5 symbol, 0xD0 other, 0x0B for
//    whitespace) and \p{X} becomes "[<that byte><ASCII members>]";
//  * wide: no \p{..}; code points are matched as they are, except non-ASCII whitespace which becomes 0x0B.
// The engine does the same, so that the splits are identical. Matching uses an explicit backtracking stack
// (no recursion per character), so long runs do not overflow the C++ stack.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/status.h"

namespace tessera::tok {

class Regex {
public:
    // Compiles a UTF-8 pattern. `collapsed` selects the category representation described above.
    static Result<Regex> compile(std::string_view pattern, bool collapsed);

    // Leftmost match (ECMAScript priority) starting at or after `from` in text[begin, end); `$` matches at
    // `end`. With `not_null`, an empty match at `from` is not accepted (std::regex_iterator's retry rule).
    bool search(const uint32_t* text, size_t begin, size_t end, size_t from, size_t& match_begin,
                size_t& match_end) const;
    // Anchored match at `at`.
    bool match_at(const uint32_t* text, size_t begin, size_t end, size_t at, size_t& match_end,
                  bool not_null = false) const;

    // The text representations the two modes match on (see above).
    static std::vector<uint32_t> collapse_text(const std::vector<uint32_t>& cpts);
    static std::vector<uint32_t> widen_text(const std::vector<uint32_t>& cpts);

    // Does the pattern contain \p{N}, \p{L}, \p{P}, \p{M} or \p{S} (llama.cpp's test for collapsing)?
    static bool uses_categories(std::string_view pattern);

private:
    struct CharSet {
        std::array<uint64_t, 2> ascii{};                  // members < 128
        std::vector<std::pair<uint32_t, uint32_t>> high;  // sorted, merged ranges >= 128
        bool contains(uint32_t c) const;
    };
    enum class Op : uint8_t { set, split, jmp, match, look, end_anchor, begin_anchor };
    struct Inst {
        Op op = Op::match;
        bool neg = false;  // look: negative lookahead
        int32_t x = 0;     // set: set index; split: preferred target; jmp: target; look: body start
        int32_t y = 0;     // split: alternative target; look: continuation
    };
    struct Ast;
    class Parser;

    // Failure memo for one search: once a search has spent its step budget, every (pc, position) state
    // reached is recorded and never explored again (without back-references a state that was explored and
    // did not lead to a match never will), bounding pathological backtracking to O(program x text).
    struct Memo {
        size_t steps = 0;
        size_t budget = 0;
        std::vector<uint64_t> bits;  // (pc * span + (sp - origin)); allocated when the budget runs out
        size_t origin = 0;
        size_t span = 0;
        // false when (pc, sp) was explored before; counts steps until the budget is spent
        bool visit(int32_t pc, size_t sp, size_t end, size_t prog_size);
    };

    bool run(const uint32_t* text, size_t begin, size_t end, int32_t pc, size_t sp, size_t start, bool not_null,
             size_t& match_end, std::vector<std::pair<int32_t, size_t>>& stack, Memo* memo) const;
    bool match_at_memo(const uint32_t* text, size_t begin, size_t end, size_t at, size_t& match_end, Memo* memo) const;
    void emit(const Ast& node);
    int32_t add_inst(Inst inst) {
        prog_.push_back(inst);
        return static_cast<int32_t>(prog_.size() - 1);
    }

    std::vector<CharSet> sets_;
    std::vector<Inst> prog_;
};

}  // namespace tessera::tok
