// Fixture-free tests: small hand-made vocabularies with hand-computed ids, error statuses, the regex engine
// against ECMAScript rules, Unicode tables against known code points, streaming and invalid UTF-8.
#include <gtest/gtest.h>

#include "engine/tokenizer/pretokenizer.h"
#include "engine/tokenizer/regex.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/unicode.h"
#include "engine/tokenizer/vocab.h"

namespace tessera {
namespace {

// SPM vocabulary: <unk> <s> </s>, 256 byte tokens, then a few pieces with scores.
TokenizerSpec small_spm() {
    TokenizerSpec s;
    s.model = "llama";
    s.tokens = {"<unk>", "<s>", "</s>"};
    s.token_types = {2, 3, 3};
    s.scores = {0, 0, 0};
    static const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
        s.tokens.push_back(std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">");
        s.token_types.push_back(6);
        s.scores.push_back(0);
    }
    const std::pair<const char*, float> pieces[] = {
        {"\xE2\x96\x81", -1.0f}, {"a", -1.0f},  {"b", -1.0f},   {"\xE2\x96\x81" "a", -3.0f},
        {"ab", -0.5f},           {"\xE2\x96\x81" "ab", -2.0f}, {"<tool>", 0.0f}};
    for (const auto& [text, score] : pieces) {
        s.tokens.push_back(text);
        s.token_types.push_back(1);
        s.scores.push_back(score);
    }
    s.token_types.back() = 4;  // <tool>: user-defined
    return s;
}

constexpr int32_t kSpace = 259, kA = 260, kB = 261, kSpaceA = 262, kAB = 263, kSpaceAB = 264, kTool = 265;
int32_t byte_id(uint8_t b) { return 3 + b; }

TEST(TokenizerSpm, MergesByScoreAndFallsBackToBytes) {
    auto tok = Tokenizer::from_spec(small_spm());
    ASSERT_TRUE(tok.is_ok()) << tok.status().to_string();
    const Tokenizer& t = *tok.value();
    // "ab": ▁ a b -> "ab" (-0.5) beats "▁a" (-3) -> then "▁" + "ab" = "▁ab"
    EXPECT_EQ(t.encode("ab", false, false), (std::vector<int32_t>{kSpaceAB}));
    EXPECT_EQ(t.encode("ab", true, false), (std::vector<int32_t>{1, kSpaceAB}));
    // "a" alone: "▁a"
    EXPECT_EQ(t.encode("a", false, false), (std::vector<int32_t>{kSpaceA}));
    // unknown characters become their UTF-8 bytes
    EXPECT_EQ(t.encode("\xE2\x82\xAC", false, false),
              (std::vector<int32_t>{kSpace, byte_id(0xE2), byte_id(0x82), byte_id(0xAC)}));
    // invalid UTF-8 is byte fallback too, never a crash
    EXPECT_EQ(t.encode("\xFF", false, false), (std::vector<int32_t>{kSpace, byte_id(0xFF)}));
    EXPECT_EQ(t.encode("", true, false), (std::vector<int32_t>{1}));
    EXPECT_TRUE(t.encode("", false, false).empty());
    // user-defined token split out even without parse_special; a space prefix follows it
    EXPECT_EQ(t.encode("a<tool>b", false, false), (std::vector<int32_t>{kSpaceA, kTool, kSpace, kB}));
    // control token text is plain text unless parse_special
    EXPECT_EQ(t.encode("<s>", false, true), (std::vector<int32_t>{1}));
    EXPECT_NE(t.encode("<s>", false, false), (std::vector<int32_t>{1}));
    // decode
    // the prefix space is stripped from the first token only, and BOS (not rendered) is that token
    EXPECT_EQ(t.decode({kSpaceAB, kSpaceA}), "ab a");
    EXPECT_EQ(t.decode({1, kSpaceAB, kSpaceA}), " ab a");
    EXPECT_EQ(t.decode({1, kSpaceAB}, true), " ab");  // llama.cpp keeps the space once BOS is removed
    EXPECT_EQ(t.decode({kSpace, byte_id(0xE2), byte_id(0x82), byte_id(0xAC)}), "\xE2\x82\xAC");
    EXPECT_EQ(t.token_to_piece(kSpaceAB), " ab");
    EXPECT_EQ(t.token_to_piece(byte_id('x')), "x");
    EXPECT_EQ(t.n_vocab(), 266);
    EXPECT_EQ(t.nl_id(), byte_id('\n'));
}

TEST(TokenizerSpm, AddSpacePrefixKey) {
    TokenizerSpec spec = small_spm();
    spec.add_space_prefix = false;  // Gemma-style vocabularies
    auto tok = Tokenizer::from_spec(spec);
    ASSERT_TRUE(tok.is_ok());
    EXPECT_EQ(tok.value()->encode("ab", false, false), (std::vector<int32_t>{kAB}));
    EXPECT_EQ(tok.value()->encode(" ab", false, false), (std::vector<int32_t>{kSpaceAB}));
    EXPECT_EQ(tok.value()->decode({kSpaceAB}), " ab");
}

TEST(TokenizerSpm, StreamingNeverSplitsACharacter) {
    auto tok = Tokenizer::from_spec(small_spm());
    ASSERT_TRUE(tok.is_ok());
    StreamingDecoder dec(*tok.value());
    // 😀 = F0 9F 98 80 as four byte tokens
    EXPECT_EQ(dec.push(kSpaceA), " a");
    EXPECT_EQ(dec.push(byte_id(0xF0)), "");
    EXPECT_EQ(dec.push(byte_id(0x9F)), "");
    EXPECT_EQ(dec.push(byte_id(0x98)), "");
    EXPECT_EQ(dec.pending_bytes(), 3u);
    EXPECT_EQ(dec.push(byte_id(0x80)), "\xF0\x9F\x98\x80");
    EXPECT_EQ(dec.push(kB), "b");
    EXPECT_EQ(dec.push(1), "");  // control token not rendered
    // an incomplete character at the end becomes U+FFFD on flush
    EXPECT_EQ(dec.push(byte_id(0xE2)), "");
    EXPECT_EQ(dec.flush(), "\xEF\xBF\xBD");
    // bytes that can never become valid are replaced immediately
    EXPECT_EQ(dec.push(byte_id(0x80)), "\xEF\xBF\xBD");
    EXPECT_EQ(dec.push(byte_id(0xE2)), "");
    EXPECT_EQ(dec.push(kA), "\xEF\xBF\xBD" "a");
    EXPECT_EQ(dec.flush(), "");
}

TokenizerSpec small_bpe(std::string pre) {
    TokenizerSpec s;
    s.model = "gpt2";
    s.pre = std::move(pre);
    s.tokens = {"a", "b", "c", "ab", "bc", "abc", "\xC4\xA0", "\xC4\xA0" "a", "<|endoftext|>"};
    s.token_types = {1, 1, 1, 1, 1, 1, 1, 1, 3};
    s.merges = {"b c", "a b", "a bc", "\xC4\xA0 a"};
    s.eos_id = 8;
    s.bos_id = 8;
    return s;
}

TEST(TokenizerBpe, MergesByRank) {
    auto tok = Tokenizer::from_spec(small_bpe("gpt-2"));
    ASSERT_TRUE(tok.is_ok()) << tok.status().to_string();
    const Tokenizer& t = *tok.value();
    // "b c" has the lowest rank, so abc -> a + bc -> abc (never ab + c)
    EXPECT_EQ(t.encode("abc", false, false), (std::vector<int32_t>{5}));
    EXPECT_EQ(t.encode("ab", false, false), (std::vector<int32_t>{3}));
    // " a" -> "Ġa" (space is byte-encoded as U+0120)
    EXPECT_EQ(t.encode("ab a", false, false), (std::vector<int32_t>{3, 7}));
    // characters without a token are dropped byte by byte, as llama.cpp does
    EXPECT_EQ(t.encode("az", false, false), (std::vector<int32_t>{0}));
    EXPECT_EQ(t.decode({3, 7}), "ab a");
    EXPECT_TRUE(t.is_eog(8));
    EXPECT_EQ(t.eot_id(), 8);  // detected from the <|endoftext|> text
    EXPECT_FALSE(t.add_bos());
}

// Gemma 4 style BPE: spaces escaped to ▁, raw UTF-8 (no byte encoding), <0xNN> byte fallback, BOS forced.
TEST(TokenizerBpe, SpmStyleGemma4) {
    TokenizerSpec s;
    s.model = "gemma4";
    s.tokens = {"<pad>", "<eos>", "<bos>", "a", "b", "\xE2\x96\x81", "\xE2\x96\x81" "a", "ab", "\n", "<0x7A>"};
    s.token_types = {3, 3, 3, 1, 1, 1, 1, 1, 1, 6};
    s.merges = {"\xE2\x96\x81 a", "a b"};
    s.bos_id = 2;
    s.eos_id = 1;
    auto tok = Tokenizer::from_spec(s);
    ASSERT_TRUE(tok.is_ok()) << tok.status().to_string();
    const Tokenizer& t = *tok.value();
    EXPECT_TRUE(t.add_bos());
    // "a▁ab": "▁ a" (rank 0) merges first, which leaves no "a b" pair
    EXPECT_EQ(t.encode("a ab\nz", true, false), (std::vector<int32_t>{2, 3, 6, 4, 8, 9}));
    EXPECT_EQ(t.decode({3, 6, 4, 8, 9}), "a ab\nz");
}

TEST(TokenizerErrors, UnknownModelOrPreTokenizerNamesIt) {
    TokenizerSpec spec = small_bpe("no-such-pre");
    auto r = Tokenizer::from_spec(spec);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::unsupported);
    EXPECT_NE(r.status().message().find("no-such-pre"), std::string::npos) << r.status().message();

    spec = small_bpe("gpt-2");
    spec.model = "t5-unigram-x";
    r = Tokenizer::from_spec(spec);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::unsupported);
    EXPECT_NE(r.status().message().find("t5-unigram-x"), std::string::npos);

    spec = small_bpe("gpt-2");
    spec.merges.clear();
    r = Tokenizer::from_spec(spec);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::format_error);
    EXPECT_NE(r.status().message().find("merges"), std::string::npos);

    spec = small_spm();
    spec.tokens.clear();
    r = Tokenizer::from_spec(spec);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::format_error);

    spec = small_spm();
    spec.scores.resize(10);
    r = Tokenizer::from_spec(spec);
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("tokenizer.ggml.scores"), std::string::npos);

    // out-of-range special ids keep the default (stories260K stores 0xFFFFFFFF for sep/pad)
    spec = small_spm();
    spec.sep_id = 0xFFFFFFFFll;
    spec.bos_id = 100000;
    r = Tokenizer::from_spec(spec);
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r.value()->sep_id(), -1);
    EXPECT_EQ(r.value()->bos_id(), 1);
}

TEST(TokenizerPre, KnownPreTokenizersCompile) {
    for (const char* pre : {"default", "llama-bpe", "deepseek-llm", "deepseek-coder", "deepseek-v3", "falcon",
                            "starcoder", "refact", "mpt", "gpt-neox", "gpt-2", "smollm", "command-r", "olmo", "dbrx", "qwen2",
                            "qwen35", "tekken", "bloom", "gpt-4o", "chatglm-bpe", "viking", "poro-chat", "chameleon",
                            "jais-2", "bailingmoe", "seed-coder", "minicpm5", "laguna", "exaone4", "stablelm2"}) {
        auto info = tok::find_pre_tokenizer(pre);
        ASSERT_TRUE(info.is_ok()) << pre << ": " << info.status().to_string();
        auto pt = tok::PreTokenizer::create(info.value().regexes, info.value().byte_encode);
        EXPECT_TRUE(pt.is_ok()) << pre << ": " << pt.status().to_string();
    }
}

std::vector<std::string> split_words(const std::string& regex, const std::string& text) {
    auto pt = tok::PreTokenizer::create({regex}, /*byte_encode=*/false);
    EXPECT_TRUE(pt.is_ok()) << pt.status().to_string();
    return pt.is_ok() ? pt.value().split(text) : std::vector<std::string>{};
}

using Words = std::vector<std::string>;

TEST(TokenizerPre, Gpt2AndLlama3Splits) {
    auto gpt2 = tok::find_pre_tokenizer("gpt-2").value().regexes[0];
    EXPECT_EQ(split_words(gpt2, "Hello world's  test!!\n"),
              (Words{"Hello", " world", "'s", " ", " test", "!!", "\n"}));
    auto llama3 = tok::find_pre_tokenizer("llama-bpe").value().regexes[0];
    EXPECT_EQ(split_words(llama3, "I'VE 12345 apples,\n\n  ok"),
              (Words{"I", "'VE", " ", "123", "45", " apples", ",\n\n", " ", " ok"}));
}

// The hand-written gpt2/llama3 splitters and the regex engine on the same pattern agree (llama.cpp's
// custom splitters are checked against std::regex the same way).
TEST(TokenizerPre, CustomSplittersAgreeWithRegexEngine) {
    const std::vector<std::string> texts = {
        "Hello world's  test!!\n",
        "  leading and trailing   ",
        "I'VE 12345 apples,\n\n  ok\r\n\tend",
        "Café naïve — \xE4\xBD\xA0\xE5\xA5\xBD 42 x\xC2\xA0y \xE2\x80\x83 z",
        "'s'll'd 're 'Re  \n \n",
        "emoji \xF0\x9F\xA6\x99.cpp 3.14159 ~~~ $$$",
    };
    for (const char* pre : {"gpt-2", "llama-bpe"}) {
        const std::string re = tok::find_pre_tokenizer(pre).value().regexes[0];
        for (const std::string& text : texts) {
            // wrapping in a group keeps the semantics but bypasses the custom splitter
            EXPECT_EQ(split_words(re, text), split_words("(?:" + re + ")", text)) << pre << ": " << text;
        }
    }
}

TEST(TokenizerRegex, EcmaScriptSemantics) {
    const auto match = [](const std::string& pattern, const std::string& text, size_t from = 0) {
        auto re = tok::Regex::compile(pattern, tok::Regex::uses_categories(pattern));
        EXPECT_TRUE(re.is_ok()) << pattern << ": " << re.status().to_string();
        const std::vector<uint32_t> cpts = tok::cpts_from_utf8(text);
        const std::vector<uint32_t> subject =
            tok::Regex::uses_categories(pattern) ? tok::Regex::collapse_text(cpts) : tok::Regex::widen_text(cpts);
        size_t b = 0, e = 0;
        if (!re.is_ok() || !re.value().search(subject.data(), 0, subject.size(), from, b, e)) return std::string("<none>");
        std::string out;
        for (size_t i = b; i < e; ++i) tok::append_utf8(out, cpts[i]);
        return out;
    };
    EXPECT_EQ(match("a|ab", "ab"), "a");           // first alternative wins, not the longest
    EXPECT_EQ(match("ab|a", "ab"), "ab");
    EXPECT_EQ(match("a+?", "aaa"), "a");           // lazy
    EXPECT_EQ(match("a{2,3}", "aaaa"), "aaa");
    EXPECT_EQ(match("\\d{1,3}", "x12345"), "123");
    EXPECT_EQ(match("\\s+(?!\\S)", "a   b"), "  ");  // backs off one space
    EXPECT_EQ(match("\\s+$", "a  b  "), "  ");
    EXPECT_EQ(match("[^a-c]+", "abcxyzb"), "xyz");
    EXPECT_EQ(match("[\\-.]+", "a-.-b"), "-.-");
    EXPECT_EQ(match("x(?=y)", "xz xy"), "x");
    EXPECT_EQ(match("(?:ab)+c", "ababc"), "ababc");
    EXPECT_EQ(match("\\x{4E00}+", "a\xE4\xB8\x80\xE4\xB8\x80"), "\xE4\xB8\x80\xE4\xB8\x80");
    // collapsed categories: letters of any script, digits, punctuation
    EXPECT_EQ(match("\\p{L}+", "12 Bj\xC3\xB6rk!"), "Bj\xC3\xB6rk");
    EXPECT_EQ(match("\\p{N}+", "ab \xD9\xA3\xD9\xA4 5"), "\xD9\xA3\xD9\xA4");  // Arabic-Indic digits
    EXPECT_EQ(match("\\p{P}+", "a \xE3\x80\x82\xE3\x80\x81!"), "\xE3\x80\x82\xE3\x80\x81!");
    EXPECT_EQ(match("[^\\s\\p{L}]+", "ab\xC2\xA0\xE2\x82\xAC$ x"), "\xE2\x82\xAC$");  // NBSP is \s
    // what llama.cpp's collapsing does not support is refused, not mis-matched
    EXPECT_FALSE(tok::Regex::compile("\\p{Lu}", true).is_ok());
    EXPECT_FALSE(tok::Regex::compile("\\p{L}\xC3\xA9", true).is_ok());
    EXPECT_FALSE(tok::Regex::compile("(a", false).is_ok());
    EXPECT_FALSE(tok::Regex::compile("(?:a*)*", false).is_ok());
}

TEST(TokenizerUnicode, TablesAgainstKnownCodePoints) {
    using namespace tok;
    EXPECT_TRUE(cpt_flags('A') & kCptLetter);
    EXPECT_TRUE(cpt_flags('7') & kCptNumber);
    EXPECT_TRUE(cpt_flags(' ') & kCptWhitespace);
    EXPECT_TRUE(cpt_flags(' ') & kCptSeparator);
    EXPECT_TRUE(cpt_flags('\n') & kCptWhitespace);
    EXPECT_TRUE(cpt_flags('\n') & kCptControl);
    EXPECT_FALSE(cpt_flags(0x1C) & kCptWhitespace);  // not White_Space (Python's isspace disagrees)
    EXPECT_TRUE(cpt_flags(0xA0) & kCptWhitespace);
    EXPECT_TRUE(cpt_flags(0x3000) & kCptWhitespace);
    EXPECT_TRUE(cpt_flags(0x0301) & kCptAccentMark);
    EXPECT_TRUE(cpt_flags(0x4E00) & kCptLetter);
    EXPECT_TRUE(cpt_flags('~') & kCptSymbol);
    EXPECT_TRUE(cpt_flags('!') & kCptPunctuation);
    EXPECT_TRUE(cpt_flags(0x1F999) & kCptSymbol);   // 🦙
    EXPECT_TRUE(cpt_flags(0x0378) & kCptControl);   // unassigned -> \p{C}
    EXPECT_TRUE(cpt_flags(0x10FFFF) & kCptControl);
    EXPECT_EQ(cpt_flags(0x110000), 0);
    EXPECT_EQ(cpt_tolower('A'), static_cast<uint32_t>('a'));
    EXPECT_EQ(cpt_tolower(0xC4), 0xE4u);    // Ä
    EXPECT_EQ(cpt_tolower(0x130), 0x69u);   // İ -> i (first code point of "i̇")
    EXPECT_EQ(cpt_tolower(0x100), 0x101u);  // alternating pairs
    EXPECT_EQ(cpt_tolower(0x101), 0x101u);
    EXPECT_EQ(cpt_tolower(0x411), 0x431u);  // Cyrillic Б
    EXPECT_EQ(cpt_tolower(0x4E00), 0x4E00u);
    EXPECT_EQ(cpt_nfd(0xE9), static_cast<uint32_t>('e'));  // é
    EXPECT_EQ(cpt_nfd(0xC5), static_cast<uint32_t>('A'));  // Å
    EXPECT_EQ(cpt_nfd(0x1EE9), static_cast<uint32_t>('u'));  // ứ
    EXPECT_EQ(cpt_nfd(0xAC00), 0x1100u);  // 가 -> its leading jamo (llama.cpp keeps only the first code point)
    EXPECT_EQ(cpt_nfd('q'), static_cast<uint32_t>('q'));
    EXPECT_EQ(byte_to_bpe_utf8(' '), "\xC4\xA0");  // Ġ
    EXPECT_EQ(byte_to_bpe_cpt('\n'), 0x10Au);      // Ċ
    EXPECT_EQ(byte_to_bpe_cpt('a'), static_cast<uint32_t>('a'));
    for (int b = 0; b < 256; ++b) EXPECT_EQ(bpe_cpt_to_byte(byte_to_bpe_cpt(static_cast<uint8_t>(b))), b);
    EXPECT_EQ(bpe_cpt_to_byte(0x2581), -1);
    // lenient decoding: invalid bytes become U+FFFD one by one
    EXPECT_EQ(cpts_from_utf8("a\xFF\xC3"), (std::vector<uint32_t>{'a', 0xFFFD, 0xFFFD}));
    EXPECT_EQ(cpts_from_utf8("\xF0\x9F\xA6\x99"), (std::vector<uint32_t>{0x1F999}));
}

TEST(TokenizerWpm, BasicTokenization) {
    EXPECT_EQ(tok::wpm_preprocess("Héllo, WORLD!  naïve\tcafé 你好", true, true),
              (Words{"hello", ",", "world", "!", "naive", "cafe", "\xE4\xBD\xA0", "\xE5\xA5\xBD"}));
    // combining marks are dropped when stripping accents
    EXPECT_EQ(tok::wpm_preprocess("e\xCC\x81t\xC3\xA9", true, true), (Words{"ete"}));
    EXPECT_EQ(tok::wpm_preprocess("Abc", false, false), (Words{"Abc"}));
    // control characters and U+FFFD (from invalid bytes) vanish
    EXPECT_EQ(tok::wpm_preprocess("a\x01" "b\xFF" "c", true, true), (Words{"abc"}));
}

}  // namespace
}  // namespace tessera
