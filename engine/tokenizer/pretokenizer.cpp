// BPE pre-tokenizers. ref: llama.cpp src/unicode.cpp (unicode_regex_split, unicode_regex_split_custom_gpt2,
// unicode_regex_split_custom_llama3) and src/llama-vocab.cpp (regex_exprs per LLAMA_VOCAB_PRE_TYPE_*).
#include "engine/tokenizer/pretokenizer.h"

#include "engine/tokenizer/unicode.h"

namespace tessera::tok {

namespace {

// --- the patterns (as in llama.cpp's llm_tokenizer_bpe; non-ASCII written as \x{..}) ---

constexpr const char* k_re_gpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
constexpr const char* k_re_llama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* k_re_llama3_original =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* k_re_jais2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s{512}(?!\S)|\s{256}(?!\S)|\s{128}(?!\S)|\s{64}(?!\S)|\s{32}(?!\S)|\s{16}(?!\S)|\s{8}(?!\S)|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1})";
constexpr const char* k_re_qwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* k_re_qwen35 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* k_re_minicpm5 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* k_re_deepseek_llm_letters =
    R"(\s?[A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293}\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A}\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556}\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF}\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D}\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D}\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4}\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4}\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F}\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3}\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF}\x{1E900}-\x{1E943}]+)";
constexpr const char* k_re_deepseek_llm_punct = R"(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)";
constexpr const char* k_re_deepseek_cjk = R"([\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+)";
constexpr const char* k_re_deepseek3_cjk = R"([\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)";
constexpr const char* k_re_deepseek3_main =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* k_re_bloom = R"( ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{964}\x{6D4}\x{60C})]+)";
constexpr const char* k_re_tekken =
    R"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* k_re_gpt4o =
    R"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* k_re_bailingmoe =
    R"('(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)";
constexpr const char* k_re_seed_coder =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)";

// --- hand-written splitters for the two most common patterns (llama.cpp does the same for speed) ---

constexpr uint32_t kOutOfRange = 0xFFFFFFFF;

struct Segment {
    const std::vector<uint32_t>& cpts;
    size_t ini;
    size_t end;
    std::vector<size_t>& out;
    size_t prev_end;

    uint32_t cpt(size_t pos) const { return (pos >= ini && pos < end) ? cpts[pos] : kOutOfRange; }
    uint16_t flags(size_t pos) const { return (pos >= ini && pos < end) ? cpt_flags(cpts[pos]) : 0; }
    size_t add_token(size_t token_end) {
        const size_t len = token_end - prev_end;
        if (len > 0) out.push_back(len);
        prev_end = token_end;
        return len;
    }
};

bool is_l(uint16_t f) { return (f & kCptLetter) != 0; }
bool is_n(uint16_t f) { return (f & kCptNumber) != 0; }
bool is_ws(uint16_t f) { return (f & kCptWhitespace) != 0; }
// [^\s\p{L}\p{N}] for a code point inside the segment (flags 0 = outside)
bool is_other(uint16_t f) { return !(f & (kCptWhitespace | kCptLetter | kCptNumber)) && f != 0; }

// GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
void split_gpt2_segment(Segment& s) {
    for (size_t pos = s.ini; pos < s.end;) {
        const uint32_t cpt = s.cpt(pos);
        const uint16_t flags = s.flags(pos);
        if (cpt == '\'' && pos + 1 < s.end) {
            const uint32_t next = s.cpt(pos + 1);
            if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                pos += s.add_token(pos + 2);
                continue;
            }
            if (pos + 2 < s.end) {
                const uint32_t next2 = s.cpt(pos + 2);
                if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) {
                    pos += s.add_token(pos + 3);
                    continue;
                }
            }
        }
        uint16_t flags2 = cpt == ' ' ? s.flags(pos + 1) : flags;
        if (is_l(flags2)) {
            pos += (cpt == ' ');
            while (is_l(flags2)) flags2 = s.flags(++pos);
            s.add_token(pos);
            continue;
        }
        if (is_n(flags2)) {
            pos += (cpt == ' ');
            while (is_n(flags2)) flags2 = s.flags(++pos);
            s.add_token(pos);
            continue;
        }
        if (is_other(flags2)) {
            pos += (cpt == ' ');
            while (is_other(flags2)) flags2 = s.flags(++pos);
            s.add_token(pos);
            continue;
        }
        size_t num_ws = 0;
        while (is_ws(s.flags(pos + num_ws))) ++num_ws;
        if (num_ws > 1 && s.cpt(pos + num_ws) != kOutOfRange) {  // \s+(?!\S)
            pos += num_ws - 1;
            s.add_token(pos);
            continue;
        }
        if (num_ws > 0) {  // \s+
            pos += num_ws;
            s.add_token(pos);
            continue;
        }
        s.add_token(++pos);  // no match
    }
}

// Llama 3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
void split_llama3_segment(Segment& s) {
    for (size_t pos = s.ini; pos < s.end;) {
        const uint32_t cpt = s.cpt(pos);
        const uint16_t flags = s.flags(pos);
        if (cpt == '\'' && pos + 1 < s.end) {
            const uint32_t next = cpt_tolower(s.cpt(pos + 1));
            if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                pos += s.add_token(pos + 2);
                continue;
            }
            if (pos + 2 < s.end) {
                const uint32_t next2 = cpt_tolower(s.cpt(pos + 2));
                if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) {
                    pos += s.add_token(pos + 3);
                    continue;
                }
            }
        }
        if (!(cpt == '\r' || cpt == '\n' || is_n(flags))) {  // [^\r\n\p{L}\p{N}]?\p{L}+
            if (is_l(flags) || is_l(s.flags(pos + 1))) {
                ++pos;
                while (is_l(s.flags(pos))) ++pos;
                s.add_token(pos);
                continue;
            }
        }
        if (is_n(flags)) {  // \p{N}{1,3}
            size_t ini = pos;
            while (is_n(s.flags(pos))) {
                if (++pos - ini >= 3) {
                    s.add_token(pos);
                    ini = pos;
                }
            }
            s.add_token(pos);
            continue;
        }
        uint16_t flags2 = cpt == ' ' ? s.flags(pos + 1) : flags;  //  ?[^\s\p{L}\p{N}]+[\r\n]*
        if (!(flags2 & (kCptWhitespace | kCptLetter | kCptNumber)) && flags != 0) {
            pos += (cpt == ' ');
            while (is_other(flags2)) flags2 = s.flags(++pos);
            uint32_t c2 = s.cpt(pos);
            while (c2 == '\r' || c2 == '\n') c2 = s.cpt(++pos);
            s.add_token(pos);
            continue;
        }
        size_t num_ws = 0;
        size_t last_end_r_or_n = 0;
        while (is_ws(s.flags(pos + num_ws))) {
            const uint32_t c2 = s.cpt(pos + num_ws);
            if (c2 == '\r' || c2 == '\n') last_end_r_or_n = pos + num_ws + 1;
            ++num_ws;
        }
        if (last_end_r_or_n > 0) {  // \s*[\r\n]+
            pos = last_end_r_or_n;
            s.add_token(pos);
            continue;
        }
        if (num_ws > 1 && s.cpt(pos + num_ws) != kOutOfRange) {  // \s+(?!\S)
            pos += num_ws - 1;
            s.add_token(pos);
            continue;
        }
        if (num_ws > 0) {  // \s+
            pos += num_ws;
            s.add_token(pos);
            continue;
        }
        s.add_token(++pos);
    }
}

template <class Fn>
std::vector<size_t> split_custom(const std::vector<uint32_t>& cpts, const std::vector<size_t>& offsets, Fn fn) {
    std::vector<size_t> out;
    out.reserve(offsets.size());
    size_t start = 0;
    for (size_t len : offsets) {
        Segment s{cpts, start, start + len, out, start};
        fn(s);
        start += len;
    }
    return out;
}

// ref: llama.cpp unicode_regex_split_stl: matches and the gaps between them both become segments.
std::vector<size_t> split_regex(const std::vector<uint32_t>& text, const std::vector<size_t>& offsets,
                                const Regex& re) {
    std::vector<size_t> out;
    out.reserve(offsets.size());
    size_t start = 0;
    for (size_t len : offsets) {
        const size_t seg_end = start + len;
        size_t consumed = start;  // end of the last match
        size_t pos = start;
        bool last_empty = false;
        while (pos <= seg_end) {
            size_t mb = 0, me = 0;
            bool found = false;
            if (last_empty) {
                // std::regex_iterator after an empty match: a non-empty match right here, else search on.
                if (re.match_at(text.data(), start, seg_end, pos, me, /*not_null=*/true)) {
                    mb = pos;
                    found = true;
                } else if (++pos > seg_end) {
                    break;
                }
            }
            if (!found && !re.search(text.data(), start, seg_end, pos, mb, me)) break;
            if (mb > consumed) out.push_back(mb - consumed);
            if (me > mb) out.push_back(me - mb);
            consumed = me;
            last_empty = me == mb;
            pos = me;
        }
        if (consumed < seg_end) out.push_back(seg_end - consumed);
        start = seg_end;
    }
    return out;
}

bool name_in(std::string_view pre, std::initializer_list<std::string_view> names) {
    for (std::string_view n : names) {
        if (pre == n) return true;
    }
    return false;
}

}  // namespace

Result<PreTokenizerInfo> find_pre_tokenizer(std::string_view pre) {
    PreTokenizerInfo p;
    p.name = std::string(pre);
    // regex sets shared by several pre types
    const std::vector<std::string> gpt2 = {k_re_gpt2};
    const std::vector<std::string> llama3 = {k_re_llama3};
    const std::vector<std::string> starcoder = {R"(\p{N})", k_re_gpt2};
    const std::vector<std::string> qwen2 = {k_re_qwen2};
    const std::vector<std::string> deepseek3 = {R"(\p{N}{1,3})", k_re_deepseek3_cjk, k_re_deepseek3_main};
    const std::vector<std::string> bloom = {k_re_bloom};

    if (pre.empty() || pre == "default") {
        p.regexes = {R"([\p{P}\$\+<=>\^~\|]+)", k_re_gpt2, R"(\p{N}+)", "[0-9][0-9][0-9]"};
    } else if (name_in(pre, {"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                             "jina-v5-nano"})) {
        p.regexes = llama3;
        p.ignore_merges = true;
        p.add_bos = true;
    } else if (pre == "deepseek-llm") {
        p.regexes = {"[\r\n]", k_re_deepseek_llm_letters, k_re_deepseek_llm_punct, R"(\s+$)", k_re_deepseek_cjk,
                     R"(\p{N}+)"};
        p.clean_spaces = false;
    } else if (pre == "deepseek-coder") {
        p.regexes = {"[\r\n]", R"(\s?\p{L}+)", R"(\s?\p{P}+)", k_re_deepseek_cjk, R"(\p{N})"};
        p.clean_spaces = false;
    } else if (name_in(pre, {"deepseek-v3", "hunyuan-dense", "joyai-llm"})) {
        p.regexes = deepseek3;
        p.clean_spaces = false;
    } else if (pre == "falcon") {
        p.regexes = {R"([\p{P}\$\+<=>\^~\|`]+)", k_re_gpt2, "[0-9][0-9][0-9]"};
    } else if (name_in(pre, {"starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2"})) {
        p.regexes = starcoder;
    } else if (name_in(pre, {"command-r", "smollm"})) {
        p.regexes = starcoder;
        p.clean_spaces = false;
    } else if (name_in(pre, {"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
                             "mellum", "modern-bert", "mpt", "olmo", "jais", "exaone4"})) {
        p.regexes = gpt2;
    } else if (pre == "gpt-neox") {
        // not a llama.cpp pre name (NeoX-tokenizer models convert as "mpt"/"olmo"); same GPT-2 split
        p.regexes = gpt2;
    } else if (name_in(pre, {"jina-v1-en", "jina-v2-code", "roberta-bpe"})) {
        p.regexes = gpt2;
        p.add_sep = true;
    } else if (name_in(pre, {"trillion", "granite-docling"})) {
        p.regexes = gpt2;
        p.clean_spaces = false;
    } else if (pre == "jais-2") {
        p.regexes = {k_re_jais2};
    } else if (name_in(pre, {"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open"})) {
        p.regexes = qwen2;
        p.clean_spaces = false;
    } else if (name_in(pre, {"stablelm2", "megrez"})) {
        p.regexes = qwen2;
    } else if (pre == "qwen35") {
        p.regexes = {k_re_qwen35};
        p.clean_spaces = false;
    } else if (name_in(pre, {"dbrx", "smaug-bpe"})) {
        p.regexes = llama3;
    } else if (name_in(pre, {"glm4", "chatglm-bpe"})) {
        p.regexes = llama3;
        p.no_bos = true;
    } else if (pre == "poro-chat") {
        p.regexes = bloom;
        p.clean_spaces = false;
    } else if (name_in(pre, {"bloom", "gpt3-finnish"})) {
        p.regexes = bloom;
    } else if (pre == "viking") {
        p.regexes = {k_re_bloom, R"(\p{N})"};
        p.clean_spaces = false;
    } else if (pre == "tekken") {
        p.regexes = {k_re_tekken};
        p.clean_spaces = false;
        p.ignore_merges = true;
        p.add_bos = true;
    } else if (pre == "chameleon") {
        p.regexes = {"<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )", R"(\p{N})",
                     R"([\p{P}!-/:-@\[-`{-~])", k_re_gpt2};
        p.add_bos = true;
        p.clean_spaces = false;
    } else if (name_in(pre, {"gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"})) {
        p.regexes = {k_re_gpt4o};
        p.clean_spaces = false;
    } else if (name_in(pre, {"bailingmoe", "bailingmoe2", "llada-moe"})) {
        p.regexes = {k_re_bailingmoe};
        p.clean_spaces = false;
    } else if (pre == "seed-coder") {
        p.regexes = {k_re_seed_coder};
        p.clean_spaces = false;
    } else if (pre == "grok-2") {
        p.regexes = qwen2;
        p.clean_spaces = false;
    } else if (pre == "minicpm5") {
        p.regexes = {R"(\p{N}{1,3})", k_re_minicpm5};
        p.ignore_merges = true;
    } else if (pre == "laguna") {
        p.regexes = {"[^\\n]+|[\\n]+", k_re_qwen2};
        p.clean_spaces = false;
    } else if (name_in(pre, {"gemma4", "granite-embed-multi-311m"})) {
        p.regexes = {"[^\\n]+|[\\n]+"};
        p.byte_encode = false;
        p.escape_whitespaces = true;
        p.add_bos = true;  // llama.cpp forces add_bos for Gemma 4
    } else {
        return make_error(ErrorCode::unsupported,
                          "unknown or unsupported pre-tokenizer type (tokenizer.ggml.pre): '" + std::string(pre) + "'");
    }
    return p;
}

Result<PreTokenizer> PreTokenizer::create(const std::vector<std::string>& regexes, bool byte_encode) {
    PreTokenizer pt;
    pt.byte_encode_ = byte_encode;
    for (const std::string& expr : regexes) {
        Step step;
        if (expr == k_re_gpt2) {
            step.kind = StepKind::gpt2;
        } else if (expr == k_re_llama3 || expr == k_re_llama3_original) {
            step.kind = StepKind::llama3;
        } else {
            const bool collapsed = Regex::uses_categories(expr);
            Result<Regex> re = Regex::compile(expr, collapsed);
            if (!re.is_ok()) return re.status();
            step.kind = collapsed ? StepKind::regex_collapsed : StepKind::regex_wide;
            step.regex = std::make_shared<const Regex>(std::move(re).value());
        }
        pt.steps_.push_back(std::move(step));
    }
    return pt;
}

std::vector<size_t> PreTokenizer::split_offsets(const std::vector<uint32_t>& cpts) const {
    std::vector<size_t> offsets = {cpts.size()};
    std::vector<uint32_t> collapsed, wide;
    for (const Step& step : steps_) {
        switch (step.kind) {
            case StepKind::gpt2: offsets = split_custom(cpts, offsets, split_gpt2_segment); break;
            case StepKind::llama3: offsets = split_custom(cpts, offsets, split_llama3_segment); break;
            case StepKind::regex_collapsed:
                if (collapsed.size() != cpts.size()) collapsed = Regex::collapse_text(cpts);
                offsets = split_regex(collapsed, offsets, *step.regex);
                break;
            case StepKind::regex_wide:
                if (wide.size() != cpts.size()) wide = Regex::widen_text(cpts);
                offsets = split_regex(wide, offsets, *step.regex);
                break;
        }
    }
    return offsets;
}

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
    const std::vector<uint32_t> cpts = cpts_from_utf8(text);
    const std::vector<size_t> offsets = split_offsets(cpts);
    std::vector<std::string> words;
    words.reserve(offsets.size());
    size_t start = 0;
    std::string utf8;
    for (size_t len : offsets) {
        std::string word;
        for (size_t i = start; i < start + len; ++i) {
            if (byte_encode_) {
                utf8.clear();
                append_utf8(utf8, cpts[i]);
                for (char b : utf8) word += byte_to_bpe_utf8(static_cast<uint8_t>(b));
            } else {
                append_utf8(word, cpts[i]);
            }
        }
        words.push_back(std::move(word));
        start += len;
    }
    return words;
}

}  // namespace tessera::tok
