// Long documents (speed: no quadratic merges) and hostile input (random bytes, invalid UTF-8) on the real
// vocabularies.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "tests/engine/tokenizer/tokenizer_test_util.h"

namespace tessera::test {
namespace {

const char* const k_vocabs[] = {"bert-bge", "deepseek-coder", "deepseek-llm", "falcon", "gpt-2",
                                "llama-spm", "mpt", "phi-3", "refact", "starcoder"};

std::string vocab_path(const std::string& name) { return fixture("vocab/ggml-vocab-" + name + ".gguf").string(); }

// ~100k tokens of mixed text: the vocab test inputs (code, CJK, emoji, whitespace runs, numbers) repeated.
std::string long_document(size_t target_bytes) {
    const std::string base = read_text_file(fixture("vocab/ggml-vocab-gpt-2.gguf.inp"));
    std::string doc;
    while (doc.size() < target_bytes) {
        doc += base;
        doc += "\nOnce upon a time, there was a little girl named Lily. She loved to play outside in the park. ";
    }
    return doc;
}

TEST(TokenizerSpeed, HundredThousandTokensWellUnderASecond) {
    TESSERA_REQUIRE_FIXTURE(fixture("vocab/ggml-vocab-gpt-2.gguf.inp"));
    const std::string doc = long_document(400000);
    for (const char* name : k_vocabs) {
        TESSERA_REQUIRE_FIXTURE(std::filesystem::path(vocab_path(name)));
        auto tok = load_tokenizer(vocab_path(name));
        ASSERT_TRUE(tok);
        const auto t0 = std::chrono::steady_clock::now();
        const std::vector<int32_t> ids = tok->encode(doc, true, false);
        const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double per_100k = sec * 100000.0 / static_cast<double>(ids.size());
        std::cout << "[ speed    ] " << name << ": " << ids.size() << " tokens in " << sec * 1000 << " ms ("
                  << per_100k * 1000 << " ms per 100k tokens)\n";
        EXPECT_GT(ids.size(), 80000u) << name;
        EXPECT_LT(per_100k, 1.0) << name;
        // the document tokenizes the same in pieces as a whole at line boundaries for byte-level BPE
        if (tok->kind() == TokenizerKind::bpe) {
            std::string text;
            for (int32_t id : ids) text += tok->token_to_piece(id);
            EXPECT_EQ(text, doc) << name;
        }
    }
}

// Regex-driven pre-tokenizers (qwen2, gpt-4o, deepseek-v3 ... on the gpt-2 vocabulary) on the long document,
// and inputs that make a naive backtracking matcher quadratic (long whitespace runs before a non-space).
TEST(TokenizerSpeed, RegexPreTokenizersAndPathologicalWhitespace) {
    TESSERA_REQUIRE_FIXTURE(std::filesystem::path(vocab_path("gpt-2")));
    auto file = GgufFile::open(vocab_path("gpt-2"));
    ASSERT_TRUE(file.is_ok());
    auto spec = Tokenizer::spec_from_gguf(*file.value());
    ASSERT_TRUE(spec.is_ok());
    const std::string doc = long_document(400000);
    const std::string spaces = std::string(50000, ' ') + "\xF0\x9F\x98\x80" + std::string(50000, '\n') + "x" +
                               std::string(30000, '\t') + "!";
    for (const char* pre : {"qwen2", "gpt-4o", "deepseek-v3", "deepseek-llm", "tekken", "bloom", "default"}) {
        TokenizerSpec s = spec.value();
        s.pre = pre;
        auto tok = Tokenizer::from_spec(std::move(s));
        ASSERT_TRUE(tok.is_ok()) << pre << ": " << tok.status().to_string();
        for (const std::string* text : {&doc, &spaces}) {
            const auto t0 = std::chrono::steady_clock::now();
            const std::vector<int32_t> ids = tok.value()->encode(*text, false, false);
            const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::cout << "[ speed    ] gpt-2 vocab, pre " << pre << ": " << text->size() << " bytes -> " << ids.size()
                      << " tokens in " << sec * 1000 << " ms\n";
            EXPECT_LT(sec, 1.0) << pre;
            std::string back;
            for (int32_t id : ids) back += tok.value()->token_to_piece(id);
            EXPECT_EQ(back, *text) << pre;
        }
    }
}

TEST(TokenizerRobustness, RandomBytesNeverCrash) {
    std::mt19937 rng(1234);
    std::vector<std::string> inputs;
    for (int i = 0; i < 200; ++i) {
        std::string s(static_cast<size_t>(rng() % 64), '\0');
        for (char& c : s) c = static_cast<char>(rng() & 0xFF);
        inputs.push_back(s);
    }
    // truncated / overlong / surrogate / out-of-range sequences
    for (const char* s : {"\xC3", "\xE2\x82", "\xF0\x9F\x98", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                          "\xF8\x88\x80\x80\x80", "\xFF\xFE", "a\x80" "b", "<|endoftext|\xFF>", "\xE2\x96\x81\xE2\x96"}) {
        inputs.emplace_back(s);
    }
    for (const char* name : k_vocabs) {
        TESSERA_REQUIRE_FIXTURE(std::filesystem::path(vocab_path(name)));
        auto tok = load_tokenizer(vocab_path(name));
        ASSERT_TRUE(tok);
        for (const std::string& in : inputs) {
            for (bool parse_special : {false, true}) {
                const std::vector<int32_t> ids = tok->encode(in, true, parse_special);
                for (int32_t id : ids) ASSERT_TRUE(id >= 0 && id < tok->n_vocab()) << name << " id " << id;
                (void)tok->decode(ids, true, true);
                StreamingDecoder dec(*tok);
                for (int32_t id : ids) (void)dec.push(id);
                (void)dec.flush();
            }
        }
        // out-of-range ids are ignored, not fatal
        EXPECT_EQ(tok->decode({-5, tok->n_vocab(), 1 << 30}), "");
    }
}

TEST(TokenizerRobustness, InvalidUtf8MatchesReplacementCharacter) {
    // llama.cpp turns each invalid byte into U+FFFD before byte-level BPE and WordPiece
    for (const char* name : {"gpt-2", "deepseek-llm", "starcoder"}) {
        TESSERA_REQUIRE_FIXTURE(std::filesystem::path(vocab_path(name)));
        auto tok = load_tokenizer(vocab_path(name));
        ASSERT_TRUE(tok);
        EXPECT_EQ(tok->encode("ab\xFF" "cd", false, false), tok->encode("ab\xEF\xBF\xBD" "cd", false, false)) << name;
    }
    TESSERA_REQUIRE_FIXTURE(std::filesystem::path(vocab_path("bert-bge")));
    auto bert = load_tokenizer(vocab_path("bert-bge"));
    ASSERT_TRUE(bert);
    EXPECT_EQ(bert->encode("hello \xFF world", false, false), bert->encode("hello world", false, false));
    // SPM keeps the raw bytes as byte tokens
    auto spm = load_tokenizer(vocab_path("llama-spm"));
    ASSERT_TRUE(spm);
    const std::vector<int32_t> ids = spm->encode("\xFF", false, false);
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids.back(), spm->find_token("<0xFF>"));
}

}  // namespace
}  // namespace tessera::test
