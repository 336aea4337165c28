// BERT embeddings against llama.cpp (fixtures/embedding, see ../shared/fixtures/README.md "embedding"):
// token ids, final token states, mean / CLS pooled embeddings (raw and L2-normalised), and batched
// encoding giving the same vectors as one sequence at a time.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/models/embedding/embedder.h"
#include "engine/tokenizer/tokenizer.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

struct Sentence {
    std::string text;
    std::vector<int32_t> ids;
    int64_t row_offset = 0;
};

class BertFixture : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = test::fixture("embedding");
        TESSERA_REQUIRE_FIXTURE(dir_ / "bert-tiny-random.gguf");
        const nlohmann::json ref = nlohmann::json::parse(test::read_text_file(dir_ / "bert-tiny-random.ref.json"));
        for (const auto& s : ref["sentences"]) {
            Sentence x;
            x.text = s["text"].get<std::string>();
            x.ids = s["ids"].get<std::vector<int32_t>>();
            x.row_offset = s["token_states_row_offset"].get<int64_t>();
            sentences_.push_back(std::move(x));
        }
        ASSERT_EQ(sentences_.size(), 6u);
        EmbedderOptions opt;
        opt.n_threads = 2;
        auto e = Embedder::load((dir_ / "bert-tiny-random.gguf").string(), opt);
        ASSERT_TRUE(e.is_ok()) << e.status().to_string();
        embedder_ = std::move(e).value();
    }

    std::vector<float> ref(const char* name) { return test::read_f32_file(dir_ / name); }

    std::vector<std::vector<int32_t>> all_ids() const {
        std::vector<std::vector<int32_t>> v;
        for (const auto& s : sentences_) v.push_back(s.ids);
        return v;
    }

    // Compares (6, 64) pooled embeddings row by row.
    void expect_pooled(const std::vector<float>& got, const std::vector<float>& want, double tol, bool cosine) {
        const int64_t E = embedder_->n_embd();
        ASSERT_EQ(got.size(), want.size());
        double worst = 0, worstCos = 1;
        for (size_t s = 0; s < sentences_.size(); ++s) {
            const float* a = got.data() + s * E;
            const float* b = want.data() + s * E;
            worst = std::max(worst, test::max_abs_diff(a, b, E));
            EXPECT_LE(test::max_abs_diff(a, b, E), tol) << "sentence " << s;
            if (cosine) {
                double dot = 0, na = 0, nb = 0;
                for (int64_t i = 0; i < E; ++i) {
                    dot += double(a[i]) * b[i];
                    na += double(a[i]) * a[i];
                    nb += double(b[i]) * b[i];
                }
                worstCos = std::min(worstCos, dot / std::sqrt(na * nb));
                EXPECT_GE(dot / std::sqrt(na * nb), 0.9999) << "sentence " << s;
            }
        }
        std::printf("max |diff| %.3g, min cosine %.8f\n", worst, worstCos);
    }

    std::filesystem::path dir_;
    std::vector<Sentence> sentences_;
    std::unique_ptr<Embedder> embedder_;
};

TEST_F(BertFixture, HyperparametersFromTheFile) {
    const EmbeddingHParams& hp = embedder_->hparams();
    EXPECT_EQ(hp.arch, "bert");
    EXPECT_EQ(hp.n_embd, 64);
    EXPECT_EQ(hp.n_layer, 2);
    EXPECT_EQ(hp.n_head, 4);
    EXPECT_EQ(hp.head_dim, 16);
    EXPECT_EQ(hp.n_ff, 256);
    EXPECT_EQ(hp.n_ctx, 512);
    EXPECT_EQ(hp.n_token_types, 2);
    EXPECT_EQ(hp.n_vocab, 30522);
    EXPECT_EQ(hp.pooling, PoolingType::cls);
    EXPECT_EQ(embedder_->pooling(), PoolingType::cls);
}

TEST_F(BertFixture, TokenIdsMatchLlamaCpp) {
    for (const auto& s : sentences_) EXPECT_EQ(embedder_->tokenize(s.text), s.ids) << s.text;
}

TEST_F(BertFixture, TokenStatesMatchLlamaCpp) {
    const std::vector<float> want = ref("bert-tiny-random.token_states.f32");
    const int64_t E = embedder_->n_embd();
    ASSERT_EQ(want.size(), size_t(70 * E));
    double worst = 0;
    for (const auto& s : sentences_) {
        auto got = embedder_->token_states(s.ids);
        ASSERT_TRUE(got.is_ok()) << got.status().to_string();
        ASSERT_EQ(got->size(), s.ids.size() * E);
        const double d = test::max_abs_diff(got->data(), want.data() + s.row_offset * E, got->size());
        worst = std::max(worst, d);
        EXPECT_LE(d, 2e-3) << s.text;
    }
    std::printf("token states: max |diff| %.3g\n", worst);
}

TEST_F(BertFixture, MeanPoolingNormalizedAndRaw) {
    auto norm = embedder_->embed_ids(all_ids(), PoolingType::mean, true);
    ASSERT_TRUE(norm.is_ok()) << norm.status().to_string();
    expect_pooled(*norm, ref("bert-tiny-random.mean.normalized.f32"), 5e-4, true);
    auto raw = embedder_->embed_ids(all_ids(), PoolingType::mean, false);
    ASSERT_TRUE(raw.is_ok()) << raw.status().to_string();
    expect_pooled(*raw, ref("bert-tiny-random.mean.raw.f32"), 2e-3, true);
}

TEST_F(BertFixture, ClsPoolingNormalizedAndRaw) {
    auto norm = embedder_->embed_ids(all_ids(), PoolingType::cls, true);
    ASSERT_TRUE(norm.is_ok()) << norm.status().to_string();
    expect_pooled(*norm, ref("bert-tiny-random.cls.normalized.f32"), 5e-4, true);
    auto raw = embedder_->embed_ids(all_ids(), PoolingType::cls, false);
    ASSERT_TRUE(raw.is_ok()) << raw.status().to_string();
    expect_pooled(*raw, ref("bert-tiny-random.cls.raw.f32"), 2e-3, true);
}

TEST_F(BertFixture, TextsEmbedWithTheFilePoolingAndOverride) {
    std::vector<std::string> texts;
    for (const auto& s : sentences_) texts.push_back(s.text);
    auto cls = embedder_->embed(texts);  // file default: CLS, normalised
    ASSERT_TRUE(cls.is_ok()) << cls.status().to_string();
    expect_pooled(*cls, ref("bert-tiny-random.cls.normalized.f32"), 5e-4, true);

    EmbedderOptions opt;
    opt.pooling = PoolingType::mean;
    auto e = Embedder::load((dir_ / "bert-tiny-random.gguf").string(), opt);
    ASSERT_TRUE(e.is_ok()) << e.status().to_string();
    auto mean = (*e)->embed(texts);
    ASSERT_TRUE(mean.is_ok()) << mean.status().to_string();
    expect_pooled(*mean, ref("bert-tiny-random.mean.normalized.f32"), 5e-4, true);
}

TEST_F(BertFixture, SmallBatchesGiveTheSameVectors) {
    // max_batch_tokens 16: most sequences run alone, some packed in pairs.
    EmbedderOptions opt;
    opt.max_batch_tokens = 16;
    opt.n_threads = 1;
    auto small = Embedder::load((dir_ / "bert-tiny-random.gguf").string(), opt);
    ASSERT_TRUE(small.is_ok());
    auto a = (*small)->embed_ids(all_ids(), PoolingType::mean, true);
    auto b = embedder_->embed_ids(all_ids(), PoolingType::mean, true);
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    EXPECT_LE(test::max_abs_diff(a->data(), b->data(), a->size()), 1e-5);
}

TEST_F(BertFixture, BadInputsAreErrorsNotCrashes) {
    EXPECT_EQ(embedder_->token_states({}).status().code(), ErrorCode::invalid_argument);
    EXPECT_EQ(embedder_->token_states({101, 999999, 102}).status().code(), ErrorCode::out_of_range);
    EXPECT_EQ(embedder_->token_states(std::vector<int32_t>(513, 1000)).status().code(), ErrorCode::context_overflow);
    EXPECT_EQ(embedder_->embed_ids(all_ids(), PoolingType::none, true).status().code(), ErrorCode::invalid_argument);
    // A text longer than the context is cut to n_ctx tokens and still ends with [SEP].
    std::string longText;
    for (int i = 0; i < 600; ++i) longText += "word ";
    const auto ids = embedder_->tokenize(longText);
    ASSERT_EQ(ids.size(), 512u);
    EXPECT_EQ(ids.front(), 101);
    EXPECT_EQ(ids.back(), 102);
    auto v = embedder_->embed({longText});
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
}

TEST_F(BertFixture, CancelFlagStopsEncoding) {
    std::atomic<bool> cancel{true};
    embedder_->set_cancel_flag(&cancel);
    EXPECT_EQ(embedder_->embed({"hello"}).status().code(), ErrorCode::cancelled);
    embedder_->set_cancel_flag(nullptr);
    EXPECT_TRUE(embedder_->embed({"hello"}).is_ok());
}

TEST(EmbedderLoad, RejectsNonEmbeddingArchAndMissingTensors) {
    const auto dir = test::fixture("embedding");
    TESSERA_REQUIRE_FIXTURE(dir / "bert-tiny-random.gguf");
    // A bert header without its tensors: the loader names the first missing one.
    GgufWriter w;
    w.set_string("general.architecture", "bert");
    w.set_u32("bert.context_length", 8);
    w.set_u32("bert.embedding_length", 8);
    w.set_u32("bert.block_count", 1);
    w.set_u32("bert.feed_forward_length", 16);
    w.set_u32("bert.attention.head_count", 2);
    const auto bytes = w.to_bytes();
    auto file = GgufFile::parse(bytes.data(), bytes.size(), "mem.gguf");
    ASSERT_TRUE(file.is_ok());
    auto m = load_embedding_model(**file);
    ASSERT_FALSE(m.is_ok());
    EXPECT_NE(m.status().message().find("token_embd.weight"), std::string::npos) << m.status().to_string();

    GgufWriter w2;
    w2.set_string("general.architecture", "llama");
    const auto bytes2 = w2.to_bytes();
    auto file2 = GgufFile::parse(bytes2.data(), bytes2.size(), "mem2.gguf");
    ASSERT_TRUE(file2.is_ok());
    auto m2 = load_embedding_model(**file2);
    EXPECT_EQ(m2.status().code(), ErrorCode::unsupported);
}

TEST(EmbedderMath, L2Normalize) {
    std::vector<float> x = {3, 4, 0, 0, 0, 0};
    l2_normalize_rows(x.data(), 2, 3);
    EXPECT_FLOAT_EQ(x[0], 0.6f);
    EXPECT_FLOAT_EQ(x[1], 0.8f);
    EXPECT_EQ(x[3], 0.0f);  // a zero row stays zero
    PoolingType p;
    EXPECT_TRUE(pooling_type_from_name("mean", &p));
    EXPECT_EQ(p, PoolingType::mean);
    EXPECT_FALSE(pooling_type_from_name("max", &p));
}

}  // namespace
}  // namespace tessera
