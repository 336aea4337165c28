// Backtracking regex engine for the BPE pre-tokenizers (ECMAScript semantics, as std::regex in llama.cpp).
// ref: llama.cpp src/unicode.cpp unicode_regex_split (category collapsing, k_ucat_map ASCII members).
#include "engine/tokenizer/regex.h"

#include <algorithm>
#include <limits>

#include "engine/tokenizer/unicode.h"

namespace tessera::tok {

namespace {

using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;

constexpr uint32_t kMaxChar = 0x10FFFF;
constexpr int kInfinite = -1;

void add_range(Ranges& r, uint32_t lo, uint32_t hi) { r.emplace_back(lo, hi); }

Ranges normalize(Ranges r) {
    std::sort(r.begin(), r.end());
    Ranges out;
    for (const auto& [lo, hi] : r) {
        if (!out.empty() && lo <= out.back().second + 1) {
            out.back().second = std::max(out.back().second, hi);
        } else {
            out.emplace_back(lo, hi);
        }
    }
    return out;
}

Ranges complement(const Ranges& in) {
    Ranges r = normalize(in);
    Ranges out;
    uint32_t next = 0;
    for (const auto& [lo, hi] : r) {
        if (lo > next) out.emplace_back(next, lo - 1);
        next = hi + 1;
    }
    if (next <= kMaxChar) out.emplace_back(next, kMaxChar);
    return out;
}

// C-locale classes as std::regex sees them (the text has non-ASCII whitespace mapped to 0x0B already).
Ranges class_space() { return {{0x09, 0x0D}, {0x20, 0x20}}; }
Ranges class_digit() { return {{'0', '9'}}; }
Ranges class_word() { return {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}; }

// \p{X} in collapsed mode: the category byte plus its ASCII members (llama.cpp k_ucat_cpt / k_ucat_map;
// note that '~' is not in \p{S} there).
bool category_ranges(std::string_view name, Ranges& out) {
    if (name == "N") {
        out = {{0xD1, 0xD1}, {'0', '9'}};
    } else if (name == "L") {
        out = {{0xD2, 0xD2}, {'A', 'Z'}, {'a', 'z'}};
    } else if (name == "P") {
        out = {{0xD3, 0xD3}, {0x21, 0x23}, {0x25, 0x2A}, {0x2C, 0x2F}, {0x3A, 0x3B},
               {0x3F, 0x40}, {0x5B, 0x5D}, {0x5F, 0x5F}, {0x7B, 0x7B}, {0x7D, 0x7D}};
    } else if (name == "M") {
        out = {{0xD4, 0xD4}};
    } else if (name == "S") {
        out = {{0xD5, 0xD5}, {0x24, 0x24}, {0x2B, 0x2B}, {0x3C, 0x3E}, {0x5E, 0x5E}, {0x60, 0x60}, {0x7C, 0x7C}};
    } else {
        return false;
    }
    return true;
}

}  // namespace

struct Regex::Ast {
    enum class Kind { set, seq, alt, repeat, look, end_anchor, begin_anchor } kind = Kind::seq;
    int32_t set = -1;
    std::vector<Ast> kids;
    int min = 1;
    int max = 1;
    bool greedy = true;
    bool neg = false;

    bool nullable() const {
        switch (kind) {
            case Kind::set: return false;
            case Kind::seq:
                return std::all_of(kids.begin(), kids.end(), [](const Ast& a) { return a.nullable(); });
            case Kind::alt:
                return std::any_of(kids.begin(), kids.end(), [](const Ast& a) { return a.nullable(); });
            case Kind::repeat: return min == 0 || kids[0].nullable();
            default: return true;
        }
    }
};

class Regex::Parser {
public:
    Parser(std::vector<uint32_t> p, bool collapsed, std::vector<CharSet>& sets)
        : p_(std::move(p)), collapsed_(collapsed), sets_(sets) {}

    Result<Ast> parse() {
        Ast root = parse_alt();
        if (!error_.empty()) return make_error(ErrorCode::invalid_argument, error_);
        if (i_ != p_.size()) return make_error(ErrorCode::invalid_argument, "unbalanced ')' at " + std::to_string(i_));
        return root;
    }

private:
    bool eof() const { return i_ >= p_.size(); }
    uint32_t peek() const { return eof() ? 0 : p_[i_]; }
    void fail(const std::string& msg) {
        if (error_.empty()) error_ = msg + " at pattern offset " + std::to_string(i_);
    }

    int32_t add_set(const Ranges& ranges) {
        CharSet cs;
        for (const auto& [lo, hi] : normalize(ranges)) {
            for (uint32_t c = lo; c <= std::min<uint32_t>(hi, 127); ++c) cs.ascii[c >> 6] |= 1ull << (c & 63);
            if (hi >= 128) cs.high.emplace_back(std::max<uint32_t>(lo, 128), hi);
        }
        sets_.push_back(std::move(cs));
        return static_cast<int32_t>(sets_.size() - 1);
    }
    Ast set_node(const Ranges& ranges) {
        Ast a;
        a.kind = Ast::Kind::set;
        a.set = add_set(ranges);
        return a;
    }

    Ast parse_alt() {
        std::vector<Ast> branches;
        branches.push_back(parse_seq());
        while (!eof() && peek() == '|') {
            ++i_;
            branches.push_back(parse_seq());
        }
        if (branches.size() == 1) return std::move(branches[0]);
        Ast a;
        a.kind = Ast::Kind::alt;
        a.kids = std::move(branches);
        return a;
    }

    Ast parse_seq() {
        Ast seq;
        seq.kind = Ast::Kind::seq;
        while (!eof() && peek() != '|' && peek() != ')' && error_.empty()) {
            Ast atom = parse_atom();
            parse_quantifier(atom);
            seq.kids.push_back(std::move(atom));
        }
        return seq;
    }

    bool parse_int(int& v) {
        if (eof() || peek() < '0' || peek() > '9') return false;
        v = 0;
        while (!eof() && peek() >= '0' && peek() <= '9') {
            v = v * 10 + static_cast<int>(peek() - '0');
            if (v > 100000) return false;
            ++i_;
        }
        return true;
    }

    void parse_quantifier(Ast& atom) {
        if (eof()) return;
        int min = 1, max = 1;
        const uint32_t c = peek();
        if (c == '*') {
            min = 0, max = kInfinite, ++i_;
        } else if (c == '+') {
            min = 1, max = kInfinite, ++i_;
        } else if (c == '?') {
            min = 0, max = 1, ++i_;
        } else if (c == '{') {
            ++i_;
            if (!parse_int(min)) return fail("bad {n,m} quantifier");
            max = min;
            if (peek() == ',') {
                ++i_;
                max = kInfinite;
                if (peek() != '}' && !parse_int(max)) return fail("bad {n,m} quantifier");
            }
            if (peek() != '}') return fail("bad {n,m} quantifier");
            ++i_;
            if (max != kInfinite && max < min) return fail("bad {n,m} quantifier");
        } else {
            return;
        }
        bool greedy = true;
        if (peek() == '?') {
            greedy = false;
            ++i_;
        }
        if (atom.kind == Ast::Kind::look || atom.kind == Ast::Kind::end_anchor ||
            atom.kind == Ast::Kind::begin_anchor) {
            return fail("quantifier on an assertion");
        }
        if (max == kInfinite && atom.nullable()) return fail("unbounded repetition of an empty-matching group");
        Ast rep;
        rep.kind = Ast::Kind::repeat;
        rep.min = min;
        rep.max = max;
        rep.greedy = greedy;
        rep.kids.push_back(std::move(atom));
        atom = std::move(rep);
    }

    // Escape outside or inside a class; fills `ranges` (a class) or returns a literal in `lit`.
    // Returns false for a literal.
    bool parse_escape(Ranges& ranges, uint32_t& lit) {
        if (eof()) {
            fail("trailing backslash");
            lit = '\\';
            return false;
        }
        const uint32_t c = p_[i_++];
        switch (c) {
            case 's': ranges = class_space(); return true;
            case 'S': ranges = complement(class_space()); return true;
            case 'd': ranges = class_digit(); return true;
            case 'D': ranges = complement(class_digit()); return true;
            case 'w': ranges = class_word(); return true;
            case 'W': ranges = complement(class_word()); return true;
            case 'r': lit = '\r'; return false;
            case 'n': lit = '\n'; return false;
            case 't': lit = '\t'; return false;
            case 'f': lit = '\f'; return false;
            case 'v': lit = '\v'; return false;
            case '0': lit = 0; return false;
            case 'x':
            case 'u': {
                if (c == 'x' && peek() == '{') {  // \x{HHHHH}: any code point (our extension)
                    ++i_;
                    uint32_t v = 0;
                    while (!eof() && peek() != '}') {
                        const uint32_t h = p_[i_++];
                        const int d = (h >= '0' && h <= '9') ? static_cast<int>(h - '0')
                                    : (h >= 'A' && h <= 'F') ? static_cast<int>(h - 'A' + 10)
                                    : (h >= 'a' && h <= 'f') ? static_cast<int>(h - 'a' + 10) : -1;
                        if (d < 0 || v > kMaxChar) {
                            fail("bad \\x{} escape");
                            break;
                        }
                        v = v * 16 + static_cast<uint32_t>(d);
                    }
                    ++i_;
                    lit = v;
                    return false;
                }
                const int digits = c == 'x' ? 2 : 4;
                uint32_t v = 0;
                for (int k = 0; k < digits; ++k) {
                    const uint32_t h = peek();
                    int d = -1;
                    if (h >= '0' && h <= '9') d = static_cast<int>(h - '0');
                    if (h >= 'a' && h <= 'f') d = static_cast<int>(h - 'a' + 10);
                    if (h >= 'A' && h <= 'F') d = static_cast<int>(h - 'A' + 10);
                    if (d < 0) {
                        fail("bad hex escape");
                        break;
                    }
                    v = v * 16 + static_cast<uint32_t>(d);
                    ++i_;
                }
                lit = v;
                return false;
            }
            case 'p': {
                if (peek() != '{') {
                    fail("bad \\p");
                    return true;
                }
                std::string name;
                ++i_;
                while (!eof() && peek() != '}') name.push_back(static_cast<char>(p_[i_++]));
                ++i_;
                if (!collapsed_ || !category_ranges(name, ranges)) fail("unsupported \\p{" + name + "}");
                return true;
            }
            case 'b':
            case 'B':
                fail("word boundaries are not supported");
                return true;
            default:
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '1' && c <= '9')) {
                    fail("unsupported escape");
                }
                lit = c;  // escaped punctuation is literal
                return false;
        }
    }

    Ast parse_class() {
        // at '[' already consumed
        bool negate = false;
        if (peek() == '^') {
            negate = true;
            ++i_;
        }
        Ranges ranges;
        while (!eof() && peek() != ']' && error_.empty()) {
            Ranges esc;
            uint32_t lo = 0;
            bool is_class = false;
            if (peek() == '\\') {
                ++i_;
                is_class = parse_escape(esc, lo);
            } else {
                lo = p_[i_++];
            }
            if (is_class) {
                ranges.insert(ranges.end(), esc.begin(), esc.end());
                continue;
            }
            if (peek() == '-' && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
                ++i_;
                uint32_t hi = 0;
                if (peek() == '\\') {
                    ++i_;
                    Ranges dummy;
                    if (parse_escape(dummy, hi)) {
                        fail("class escape as range end");
                        break;
                    }
                } else {
                    hi = p_[i_++];
                }
                if (hi < lo) {
                    fail("bad class range");
                    break;
                }
                add_range(ranges, lo, hi);
            } else {
                add_range(ranges, lo, lo);
            }
        }
        if (eof()) fail("unterminated class");
        ++i_;  // ']'
        return set_node(negate ? complement(ranges) : ranges);
    }

    Ast parse_atom() {
        const uint32_t c = p_[i_++];
        switch (c) {
            case '(': {
                Ast a;
                if (peek() == '?') {
                    const uint32_t k = i_ + 1 < p_.size() ? p_[i_ + 1] : 0;
                    if (k == ':') {
                        i_ += 2;
                        a = parse_alt();
                    } else if (k == '=' || k == '!') {
                        i_ += 2;
                        a.kind = Ast::Kind::look;
                        a.neg = k == '!';
                        a.kids.push_back(parse_alt());
                    } else {
                        fail("unsupported group");
                    }
                } else {
                    a = parse_alt();  // capturing groups are plain groups here
                }
                if (peek() != ')') fail("missing ')'");
                ++i_;
                return a;
            }
            case '[': return parse_class();
            case '.': return set_node(complement({{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}}));
            case '$': {
                Ast a;
                a.kind = Ast::Kind::end_anchor;
                return a;
            }
            case '^': {
                Ast a;
                a.kind = Ast::Kind::begin_anchor;
                return a;
            }
            case '\\': {
                Ranges r;
                uint32_t lit = 0;
                if (parse_escape(r, lit)) return set_node(r);
                return set_node({{lit, lit}});
            }
            case '*':
            case '+':
            case '?':
            case '{':
                fail("quantifier without operand");
                return set_node({});
            default:
                if (collapsed_ && c >= 128) fail("non-ASCII character in a pattern that uses \\p{..}");
                return set_node({{c, c}});
        }
    }

    std::vector<uint32_t> p_;
    size_t i_ = 0;
    bool collapsed_;
    std::vector<CharSet>& sets_;
    std::string error_;
};

bool Regex::CharSet::contains(uint32_t c) const {
    if (c < 128) return (ascii[c >> 6] >> (c & 63)) & 1;
    // high ranges are few for most sets; binary search keeps large negated sets cheap
    auto it = std::upper_bound(high.begin(), high.end(), c,
                               [](uint32_t v, const std::pair<uint32_t, uint32_t>& r) { return v < r.first; });
    if (it == high.begin()) return false;
    --it;
    return c <= it->second;
}

std::vector<uint32_t> Regex::collapse_text(const std::vector<uint32_t>& cpts) {
    std::vector<uint32_t> out(cpts.size());
    for (size_t i = 0; i < cpts.size(); ++i) {
        const uint32_t c = cpts[i];
        if (c < 128) {
            out[i] = c;
            continue;
        }
        const uint16_t f = cpt_flags(c);
        if (f & kCptWhitespace) {
            out[i] = 0x0B;
        } else {
            switch (f & kCptCategoryMask) {
                case kCptNumber: out[i] = 0xD1; break;
                case kCptLetter: out[i] = 0xD2; break;
                case kCptPunctuation: out[i] = 0xD3; break;
                case kCptAccentMark: out[i] = 0xD4; break;
                case kCptSymbol: out[i] = 0xD5; break;
                default: out[i] = 0xD0; break;
            }
        }
    }
    return out;
}

std::vector<uint32_t> Regex::widen_text(const std::vector<uint32_t>& cpts) {
    std::vector<uint32_t> out(cpts);
    for (uint32_t& c : out) {
        if (c > 0x7F && cpt_is_whitespace(c)) c = 0x0B;
    }
    return out;
}

bool Regex::uses_categories(std::string_view pattern) {
    for (const char* cat : {"\\p{N}", "\\p{L}", "\\p{P}", "\\p{M}", "\\p{S}"}) {
        if (pattern.find(cat) != std::string_view::npos) return true;
    }
    return false;
}

Result<Regex> Regex::compile(std::string_view pattern, bool collapsed) {
    Regex re;
    Parser parser(cpts_from_utf8(pattern), collapsed, re.sets_);
    Result<Ast> ast = parser.parse();
    if (!ast.is_ok()) {
        return make_error(ErrorCode::invalid_argument,
                          "regex '" + std::string(pattern) + "': " + ast.status().message());
    }
    re.emit(ast.value());
    re.add_inst({Op::match, false, 0, 0});
    return re;
}

void Regex::emit(const Ast& node) {
    switch (node.kind) {
        case Ast::Kind::set: add_inst({Op::set, false, node.set, 0}); break;
        case Ast::Kind::seq:
            for (const Ast& k : node.kids) emit(k);
            break;
        case Ast::Kind::alt: {
            std::vector<int32_t> jumps;
            for (size_t b = 0; b < node.kids.size(); ++b) {
                int32_t split = -1;
                if (b + 1 < node.kids.size()) split = add_inst({Op::split, false, 0, 0});
                if (split >= 0) prog_[split].x = split + 1;
                emit(node.kids[b]);
                if (b + 1 < node.kids.size()) {
                    jumps.push_back(add_inst({Op::jmp, false, 0, 0}));
                    prog_[split].y = static_cast<int32_t>(prog_.size());
                }
            }
            for (int32_t j : jumps) prog_[j].x = static_cast<int32_t>(prog_.size());
            break;
        }
        case Ast::Kind::repeat: {
            const Ast& body = node.kids[0];
            for (int k = 0; k < node.min; ++k) emit(body);
            if (node.max == kInfinite) {
                const int32_t split = add_inst({Op::split, false, 0, 0});
                emit(body);
                add_inst({Op::jmp, false, split, 0});
                const int32_t out = static_cast<int32_t>(prog_.size());
                prog_[split].x = node.greedy ? split + 1 : out;
                prog_[split].y = node.greedy ? out : split + 1;
            } else {
                std::vector<int32_t> splits;
                for (int k = node.min; k < node.max; ++k) {
                    splits.push_back(add_inst({Op::split, false, 0, 0}));
                    emit(body);
                }
                const int32_t out = static_cast<int32_t>(prog_.size());
                for (int32_t s : splits) {
                    prog_[s].x = node.greedy ? s + 1 : out;
                    prog_[s].y = node.greedy ? out : s + 1;
                }
            }
            break;
        }
        case Ast::Kind::look: {
            const int32_t look = add_inst({Op::look, node.neg, 0, 0});
            prog_[look].x = look + 1;
            emit(node.kids[0]);
            add_inst({Op::match, false, 0, 0});
            prog_[look].y = static_cast<int32_t>(prog_.size());
            break;
        }
        case Ast::Kind::end_anchor: add_inst({Op::end_anchor, false, 0, 0}); break;
        case Ast::Kind::begin_anchor: add_inst({Op::begin_anchor, false, 0, 0}); break;
    }
}

bool Regex::Memo::visit(int32_t pc, size_t sp, size_t end, size_t prog_size) {
    if (bits.empty()) {
        if (++steps <= budget) return true;
        span = end - origin + 1;
        bits.assign((prog_size * span + 63) / 64, 0);
    }
    const size_t bit = static_cast<size_t>(pc) * span + (sp - origin);
    uint64_t& word = bits[bit >> 6];
    const uint64_t mask = 1ull << (bit & 63);
    if (word & mask) return false;  // explored before without success
    word |= mask;
    return true;
}

bool Regex::run(const uint32_t* text, size_t begin, size_t end, int32_t pc, size_t sp, size_t start,
                bool not_null, size_t& match_end, std::vector<std::pair<int32_t, size_t>>& stack, Memo* memo) const {
    const size_t base = stack.size();
    for (;;) {
        const Inst& in = prog_[pc];
        bool ok = !memo || memo->visit(pc, sp, end, prog_.size());
        if (ok) switch (in.op) {
            case Op::set:
                if (sp < end && sets_[in.x].contains(text[sp])) {
                    ++sp;
                    ++pc;
                } else {
                    ok = false;
                }
                break;
            case Op::split:
                stack.emplace_back(in.y, sp);
                pc = in.x;
                break;
            case Op::jmp: pc = in.x; break;
            case Op::match:
                if (not_null && sp == start) {
                    ok = false;
                    break;
                }
                match_end = sp;
                stack.resize(base);
                return true;
            case Op::look: {
                std::vector<std::pair<int32_t, size_t>> sub;  // lookaheads are atomic: own stack
                size_t ignored = 0;
                const bool found = run(text, begin, end, in.x, sp, sp, false, ignored, sub, nullptr);
                if (found != in.neg) {
                    pc = in.y;
                } else {
                    ok = false;
                }
                break;
            }
            case Op::end_anchor:
                if (sp == end) {
                    ++pc;
                } else {
                    ok = false;
                }
                break;
            case Op::begin_anchor:
                if (sp == begin) {
                    ++pc;
                } else {
                    ok = false;
                }
                break;
        }
        if (!ok) {
            if (stack.size() == base) return false;
            pc = stack.back().first;
            sp = stack.back().second;
            stack.pop_back();
        }
    }
}

bool Regex::match_at_memo(const uint32_t* text, size_t begin, size_t end, size_t at, size_t& match_end,
                          Memo* memo) const {
    thread_local std::vector<std::pair<int32_t, size_t>> stack;
    stack.clear();
    return run(text, begin, end, 0, at, at, /*not_null=*/false, match_end, stack, memo);
}

bool Regex::match_at(const uint32_t* text, size_t begin, size_t end, size_t at, size_t& match_end,
                     bool not_null) const {
    thread_local std::vector<std::pair<int32_t, size_t>> stack;
    stack.clear();
    return run(text, begin, end, 0, at, at, not_null, match_end, stack, nullptr);
}

bool Regex::search(const uint32_t* text, size_t begin, size_t end, size_t from, size_t& match_begin,
                   size_t& match_end) const {
    Memo memo;
    memo.origin = from;
    memo.budget = 4096 + 64 * (end - from);
    for (size_t at = from; at <= end; ++at) {
        if (match_at_memo(text, begin, end, at, match_end, &memo)) {
            match_begin = at;
            return true;
        }
    }
    return false;
}

}  // namespace tessera::tok
