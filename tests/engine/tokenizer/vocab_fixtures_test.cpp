// The 10 llama.cpp vocabularies x 46 cases (tests/test-tokenizer-0 format): the ids must equal llama.cpp's
// (which equal the HF tokenizers') for encode(add_special = false, parse_special = false).
#include <gtest/gtest.h>

#include <sstream>

#include "tests/engine/tokenizer/tokenizer_test_util.h"

namespace tessera::test {
namespace {

struct VocabCase {
    std::string text;
    std::vector<int32_t> ids;
};

std::vector<VocabCase> read_cases(const std::string& name) {
    const std::string inp = read_text_file(fixture("vocab/ggml-vocab-" + name + ".gguf.inp"));
    const std::string out = read_text_file(fixture("vocab/ggml-vocab-" + name + ".gguf.out"));
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<VocabCase> cases;
    size_t pos = 0;
    for (;;) {
        const size_t next = inp.find(sep, pos);
        if (next == std::string::npos) break;  // the remainder after the last separator is not a test
        cases.push_back({inp.substr(pos, next - pos), {}});
        pos = next + sep.size();
    }
    std::istringstream lines(out);
    std::string line;
    for (VocabCase& c : cases) {
        if (!std::getline(lines, line)) break;
        std::istringstream ids(line);
        int64_t id = 0;
        while (ids >> id) c.ids.push_back(static_cast<int32_t>(id));
    }
    return cases;
}

class VocabFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(VocabFixture, MatchesLlamaCppIds) {
    const std::string name = GetParam();
    const auto path = fixture("vocab/ggml-vocab-" + name + ".gguf");
    TESSERA_REQUIRE_FIXTURE(path);
    auto tok = load_tokenizer(path);
    ASSERT_TRUE(tok);
    const std::vector<VocabCase> cases = read_cases(name);
    ASSERT_EQ(cases.size(), 46u) << "vocab/" << name << ".gguf.inp";
    int n_ok = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
        const std::vector<int32_t> got = tok->encode(cases[i].text, /*add_special=*/false, /*parse_special=*/false);
        if (got == cases[i].ids) {
            ++n_ok;
        } else {
            ADD_FAILURE() << name << " case " << i << " '" << printable(cases[i].text) << "'\n  expected:"
                          << ids_to_string(cases[i].ids) << "\n  got:     " << ids_to_string(got);
        }
    }
    std::cout << "[ vocab    ] " << name << ": " << n_ok << "/" << cases.size() << " cases match\n";
}

INSTANTIATE_TEST_SUITE_P(Vocab, VocabFixture,
                         ::testing::Values("bert-bge", "deepseek-coder", "deepseek-llm", "falcon", "gpt-2", "llama-spm",
                                           "mpt", "phi-3", "refact", "starcoder"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             std::string n = info.param;
                             for (char& c : n) {
                                 if (c == '-') c = '_';
                             }
                             return n;
                         });

// Round trip on the same inputs: decode(encode(text)) gives the text back wherever the tokenizer is lossless
// (byte-level BPE always; SPM modulo the prefix space it adds).
TEST_P(VocabFixture, DecodeRoundTrip) {
    const std::string name = GetParam();
    const auto path = fixture("vocab/ggml-vocab-" + name + ".gguf");
    TESSERA_REQUIRE_FIXTURE(path);
    auto tok = load_tokenizer(path);
    ASSERT_TRUE(tok);
    if (tok->kind() == TokenizerKind::wpm) GTEST_SKIP() << "WordPiece is lossy (lowercase, accents, spaces)";
    for (const VocabCase& c : read_cases(name)) {
        const std::vector<int32_t> ids = tok->encode(c.text, false, false);
        std::string text;
        for (int32_t id : ids) text += tok->token_to_piece(id);
        if (tok->kind() == TokenizerKind::spm) {
            // SPM prepends a space to the text; raw pieces keep it, decode() strips it again
            ASSERT_EQ(text, c.text.empty() ? "" : " " + c.text) << name << " '" << printable(c.text) << "'";
            ASSERT_EQ(tok->decode(ids), c.text) << name << " '" << printable(c.text) << "'";
        } else {
            ASSERT_EQ(text, c.text) << name << " '" << printable(c.text) << "'";
        }
    }
}

}  // namespace
}  // namespace tessera::test
