// Tokenization references computed by llama.cpp d32676d7 for the text, embedding and vision fixtures, plus
// detokenization, streaming and end-of-generation checks on the real vocabularies.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/engine/tokenizer/tokenizer_test_util.h"

namespace tessera::test {
namespace {

using nlohmann::json;

std::vector<int32_t> to_ids(const json& j) { return j.get<std::vector<int32_t>>(); }

TEST(TokenizerStories260K, MatchesLlamaTokenizeAndDetokenize) {
    const auto json_path = fixture("text/stories260K.tokenize.json");
    const auto gguf_path = fixture("text/stories260K.gguf");
    TESSERA_REQUIRE_FIXTURE(json_path);
    TESSERA_REQUIRE_FIXTURE(gguf_path);
    auto tok = load_tokenizer(gguf_path);
    ASSERT_TRUE(tok);
    EXPECT_EQ(tok->kind(), TokenizerKind::spm);
    EXPECT_EQ(tok->n_vocab(), 512);
    EXPECT_EQ(tok->bos_id(), 1);
    EXPECT_EQ(tok->eos_id(), 2);
    EXPECT_TRUE(tok->add_bos());
    EXPECT_FALSE(tok->add_eos());

    const json ref = json::parse(read_text_file(json_path));
    ASSERT_EQ(ref["sentences"].size(), 5u);
    for (const json& s : ref["sentences"]) {
        const std::string text = s["text"];
        const std::vector<int32_t> with_special = to_ids(s["ids_add_special"]);
        EXPECT_EQ(tok->encode(text, true, false), with_special) << text;
        EXPECT_EQ(tok->encode(text, false, false), to_ids(s["ids_no_special"])) << text;
        EXPECT_EQ(tok->decode(with_special, /*remove_special=*/true, /*unparse_special=*/false),
                  s["detokenized_add_special_remove_special"].get<std::string>())
            << text;
        // pieces (special = true); byte-fallback pieces are shown as <0xHH> in the manifest
        const auto& pieces = s["pieces_add_special"];
        ASSERT_EQ(pieces.size(), with_special.size());
        for (size_t i = 0; i < with_special.size(); ++i) {
            const std::string piece = tok->token_to_piece(with_special[i], true);
            if (tok->is_byte(with_special[i]) && static_cast<unsigned char>(piece[0]) >= 0x80) {
                ASSERT_EQ(piece.size(), 1u);
                char buf[8];
                std::snprintf(buf, sizeof(buf), "<0x%02X>", static_cast<unsigned char>(piece[0]));
                EXPECT_EQ(buf, pieces[i].get<std::string>());
            } else {
                EXPECT_EQ(piece, pieces[i].get<std::string>());
            }
        }
        // plain decode drops BOS text (control) and the SPM prefix space
        EXPECT_EQ(tok->decode(to_ids(s["ids_no_special"])), text);
    }
    // the README's prompt
    EXPECT_EQ(tok->encode("Once upon a time", true, false), (std::vector<int32_t>{1, 403, 407, 261, 378}));
}

TEST(TokenizerStories260K, StreamingEmojiWaitsForCompleteCharacter) {
    const auto gguf_path = fixture("text/stories260K.gguf");
    TESSERA_REQUIRE_FIXTURE(gguf_path);
    auto tok = load_tokenizer(gguf_path);
    ASSERT_TRUE(tok);
    // "🎂" = F0 9F 8E 82 -> four byte tokens (ids 3 + byte)
    const std::vector<int32_t> ids = tok->encode("cakes 🎂 and", false, false);
    StreamingDecoder dec(*tok);
    std::string streamed;
    bool saw_partial_wait = false;
    for (int32_t id : ids) {
        const std::string out = dec.push(id);
        if (tok->is_byte(id) && out.empty()) saw_partial_wait = true;
        if (id == 243 || id == 162 || id == 145) EXPECT_EQ(out, "") << "emitted half a character at id " << id;
        if (id == 133) EXPECT_EQ(out, "\xF0\x9F\x8E\x82");
        streamed += out;
    }
    streamed += dec.flush();
    EXPECT_TRUE(saw_partial_wait);
    EXPECT_EQ(streamed, " cakes 🎂 and");
    EXPECT_EQ(tok->decode(ids), "cakes 🎂 and");
}

TEST(TokenizerStories260K, EndOfGeneration) {
    const auto gguf_path = fixture("text/stories260K.gguf");
    TESSERA_REQUIRE_FIXTURE(gguf_path);
    auto tok = load_tokenizer(gguf_path);
    ASSERT_TRUE(tok);
    EXPECT_TRUE(tok->is_eog(2));  // </s>
    EXPECT_FALSE(tok->is_eog(1));
    EXPECT_FALSE(tok->is_eog(403));
    EXPECT_FALSE(tok->is_eog(-1));
    EXPECT_TRUE(tok->is_control(1));
    EXPECT_EQ(tok->find_token("<s>"), 1);
    EXPECT_EQ(tok->find_token("no such token"), -1);
    EXPECT_EQ(tok->nl_id(), 13);
    EXPECT_EQ(tok->token_to_piece(1), "");
    EXPECT_EQ(tok->token_to_piece(1, true), "<s>");
    EXPECT_EQ(tok->token_to_piece(99999), "");
}

TEST(TokenizerBert, EmbeddingFixtureIds) {
    const auto json_path = fixture("embedding/bert-tiny-random.ref.json");
    const auto gguf_path = fixture("embedding/bert-tiny-random.gguf");
    TESSERA_REQUIRE_FIXTURE(json_path);
    TESSERA_REQUIRE_FIXTURE(gguf_path);
    auto tok = load_tokenizer(gguf_path);
    ASSERT_TRUE(tok);
    EXPECT_EQ(tok->kind(), TokenizerKind::wpm);
    EXPECT_EQ(tok->bos_id(), 101);
    EXPECT_EQ(tok->sep_id(), 102);
    EXPECT_EQ(tok->unk_id(), 100);
    const json ref = json::parse(read_text_file(json_path));
    ASSERT_EQ(ref["sentences"].size(), 6u);
    for (const json& s : ref["sentences"]) {
        const std::string text = s["text"];
        const std::vector<int32_t> ids = to_ids(s["ids"]);
        EXPECT_EQ(tok->encode(text, true, false), ids) << text;
        EXPECT_EQ(static_cast<size_t>(s["n_tokens"].get<int>()), ids.size());
    }
    // detokenization: pieces carry the word-initial space, clean-up removes it before punctuation
    EXPECT_EQ(tok->decode(tok->encode("The quick brown fox jumps over the lazy dog.", true, false), true),
              " the quick brown fox jumps over the lazy dog.");
}

// Vision fixtures: mtmd tokenizes the text around the media marker with parse_special = true.
TEST(TokenizerVisionDecoders, ParseSpecialChunks) {
    struct Case {
        const char* family;
        const char* end_text;  // the projector's text after the image
    };
    for (const Case c : {Case{"gemma3", "<end_of_image>"}, Case{"qwen25vl", "<|vision_end|>"}}) {
        const auto manifest_path = fixture(std::string("vision/") + c.family + "__shapes_320x240/manifest.json");
        const auto gguf_path = fixture(std::string("vision/models/decoder-") + c.family + ".gguf");
        TESSERA_REQUIRE_FIXTURE(manifest_path);
        TESSERA_REQUIRE_FIXTURE(gguf_path);
        auto tok = load_tokenizer(gguf_path);
        ASSERT_TRUE(tok);
        const json m = json::parse(read_text_file(manifest_path));
        std::vector<std::vector<int32_t>> text_chunks;
        for (const json& chunk : m["chunks"]) {
            if (chunk["type"] == "text") text_chunks.push_back(to_ids(chunk["tokens"]));
        }
        ASSERT_EQ(text_chunks.size(), 2u) << c.family;
        // "<s><start_of_image>" / "<s><|vision_start|>": BOS + the begin token (no text)
        EXPECT_EQ(text_chunks[0].size(), 2u);
        const std::string begin_text = tok->token_text(text_chunks[0][1]);
        EXPECT_EQ(tok->encode(begin_text, true, true), text_chunks[0]) << c.family;
        EXPECT_EQ(tok->encode(std::string(c.end_text) + " What is in the picture?", false, true), text_chunks[1])
            << c.family;
        // without parse_special the control-token text is ordinary text
        EXPECT_NE(tok->encode(std::string(c.end_text) + " What is in the picture?", false, false), text_chunks[1]);
    }
}

TEST(TokenizerVisionDecoders, UserDefinedTokenAlwaysMatched) {
    const auto gguf_path = fixture("vision/models/decoder-smolvlm_idefics3.gguf");
    TESSERA_REQUIRE_FIXTURE(gguf_path);
    auto tok = load_tokenizer(gguf_path);
    ASSERT_TRUE(tok);
    // manifest chunk: "\n\n<fake_token_around_image><global-img>" -> [512, 513, 514]
    EXPECT_EQ(tok->encode("\n\n<fake_token_around_image><global-img>", false, true),
              (std::vector<int32_t>{512, 513, 514}));
    // "\n\n" is USER_DEFINED: matched even with parse_special = false
    const std::vector<int32_t> ids = tok->encode("a\n\nb", false, false);
    EXPECT_NE(std::find(ids.begin(), ids.end(), 512), ids.end()) << ids_to_string(ids);
    EXPECT_EQ(tok->token_to_piece(512), "\n\n");
    EXPECT_EQ(tok->token_to_piece(513), "");  // control
}

TEST(TokenizerEndOfGeneration, EndOfTextVocabularies) {
    struct Case {
        const char* vocab;
        const char* eog_text;
    };
    for (const Case c : {Case{"gpt-2", "<|endoftext|>"}, Case{"mpt", "<|endoftext|>"}, Case{"falcon", "<|endoftext|>"},
                         Case{"starcoder", "<|endoftext|>"}, Case{"refact", "<|endoftext|>"},
                         Case{"phi-3", "<|endoftext|>"}, Case{"phi-3", "<|end|>"}, Case{"llama-spm", "</s>"},
                         Case{"deepseek-coder", "<｜end▁of▁sentence｜>"},
                         Case{"deepseek-llm", "<｜end▁of▁sentence｜>"}}) {
        const auto path = fixture(std::string("vocab/ggml-vocab-") + c.vocab + ".gguf");
        TESSERA_REQUIRE_FIXTURE(path);
        auto tok = load_tokenizer(path);
        ASSERT_TRUE(tok);
        const int32_t id = tok->find_token(c.eog_text);
        ASSERT_GE(id, 0) << c.vocab << " " << c.eog_text;
        EXPECT_TRUE(tok->is_eog(id)) << c.vocab << " " << c.eog_text;
        EXPECT_TRUE(tok->is_control(id)) << c.vocab << " " << c.eog_text;
        EXPECT_TRUE(tok->is_eog(tok->eos_id())) << c.vocab;
        EXPECT_FALSE(tok->is_eog(tok->find_token("a"))) << c.vocab;
    }
    // phi-3: EOS is <|endoftext|> (32000, from the metadata); EOT is found by text among <|end|> and
    // <|endoftext|> (llama.cpp's pick between several candidates depends on its hash-map order)
    auto phi3 = load_tokenizer(fixture("vocab/ggml-vocab-phi-3.gguf"));
    ASSERT_TRUE(phi3);
    EXPECT_EQ(phi3->eos_id(), 32000);
    EXPECT_TRUE(phi3->eot_id() == 32007 || phi3->eot_id() == 32000) << phi3->eot_id();
    // gpt-2: EOS = BOS = 50256, no automatic BOS
    auto gpt2 = load_tokenizer(fixture("vocab/ggml-vocab-gpt-2.gguf"));
    ASSERT_TRUE(gpt2);
    EXPECT_EQ(gpt2->eos_id(), 50256);
    EXPECT_FALSE(gpt2->add_bos());
    EXPECT_EQ(gpt2->encode("Hello", true, false), gpt2->encode("Hello", false, false));
}

TEST(TokenizerParseSpecial, ControlTokensOnlyWhenAsked) {
    const auto path = fixture("vocab/ggml-vocab-gpt-2.gguf");
    TESSERA_REQUIRE_FIXTURE(path);
    auto tok = load_tokenizer(path);
    ASSERT_TRUE(tok);
    const std::string text = "Hello<|endoftext|>world";
    EXPECT_EQ(tok->encode(text, false, true),
              (std::vector<int32_t>{tok->find_token("Hello"), 50256, tok->find_token("world")}));
    const std::vector<int32_t> plain = tok->encode(text, false, false);
    EXPECT_EQ(std::count(plain.begin(), plain.end(), 50256), 0);
    EXPECT_EQ(tok->decode(plain), text);
    // rendering control tokens
    EXPECT_EQ(tok->decode(tok->encode(text, false, true)), "Helloworld");
    EXPECT_EQ(tok->decode(tok->encode(text, false, true), false, true), text);
}

TEST(TokenizerParseSpecial, Phi3RstripAfterSpecialTokens) {
    const auto path = fixture("vocab/ggml-vocab-phi-3.gguf");
    TESSERA_REQUIRE_FIXTURE(path);
    auto tok = load_tokenizer(path);
    ASSERT_TRUE(tok);
    // Phi-3 special tokens strip the whitespace that follows them (llama.cpp's per-model attributes)
    const std::vector<int32_t> a = tok->encode("<|user|>\nHi<|end|>", false, true);
    const std::vector<int32_t> b = tok->encode("<|user|>Hi<|end|>", false, true);
    EXPECT_EQ(a, b);
    ASSERT_GE(a.size(), 3u);
    EXPECT_EQ(a.front(), 32010);
    EXPECT_EQ(a.back(), 32007);
}

}  // namespace
}  // namespace tessera::test
