// WhisperModel / WhisperState mechanics: loader errors (named tensor and offset), the .bin writer round
// trip, English-only special ids, and KV-cache consistency (batched vs incremental, several sequences).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/models/audio/whisper.h"
#include "engine/models/audio/whisper_writer.h"
#include "engine/ops/ops.h"
#include "tests/support/test_support.h"

using namespace tessera;
namespace fs = std::filesystem;

namespace {

fs::path tmp_path(const std::string& name) {
    return fs::temp_directory_path() / ("tessera-whisper-" + std::to_string(::getpid()) + "-" + name);
}

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const fs::path& p, const std::string& s) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(s.data(), static_cast<std::streamsize>(s.size()));
}

// A small random model (n_state 64, 2 + 2 layers, short contexts) so each test runs in milliseconds.
WhisperRandomSpec small_spec(int32_t n_vocab, DType type) {
    WhisperRandomSpec spec;
    WhisperHParams& h = spec.hparams;
    h.n_vocab = n_vocab;
    h.n_audio_ctx = 1500;
    h.n_audio_state = h.n_text_state = 64;
    h.n_audio_head = h.n_text_head = 4;
    h.n_audio_layer = h.n_text_layer = 2;
    h.n_text_ctx = 64;
    h.n_mels = 80;
    spec.matrix_type = type;
    spec.seed = 99;
    return spec;
}

std::vector<float> random_mel(int64_t n_mels, int64_t n_frames) {
    auto v = test::random_floats(static_cast<size_t>(n_mels * n_frames), 5, -1.5f, 1.5f);
    return v;
}

TEST(WhisperLoader, RejectsBrokenFilesWithNamedErrors) {
    const auto path = test::fixture("audio/models/ggml-tiny-random-f16.bin");
    TESSERA_REQUIRE_FIXTURE(path);
    const std::string bytes = read_all(path);

    const fs::path bad_magic = tmp_path("bad-magic.bin");
    write_all(bad_magic, "RIFF" + bytes.substr(4));
    auto a = WhisperModel::load(bad_magic.string());
    ASSERT_FALSE(a.is_ok());
    EXPECT_EQ(a.status().code(), ErrorCode::format_error);
    EXPECT_NE(a.status().message().find("bad magic"), std::string::npos) << a.status().to_string();
    EXPECT_NE(a.status().message().find(bad_magic.string()), std::string::npos);

    // Cut in the middle of the vocabulary, then in the middle of the last tensor's data.
    const fs::path cut_vocab = tmp_path("cut-vocab.bin");
    write_all(cut_vocab, bytes.substr(0, 100000));
    auto b = WhisperModel::load(cut_vocab.string());
    ASSERT_FALSE(b.is_ok());
    EXPECT_NE(b.status().message().find("truncated at offset"), std::string::npos) << b.status().to_string();

    const fs::path cut_tensor = tmp_path("cut-tensor.bin");
    write_all(cut_tensor, bytes.substr(0, bytes.size() - 10));
    auto c = WhisperModel::load(cut_tensor.string());
    ASSERT_FALSE(c.is_ok());
    EXPECT_NE(c.status().message().find("runs past the end of the file"), std::string::npos) << c.status().to_string();
    EXPECT_NE(c.status().message().find("decoder."), std::string::npos) << "names the tensor: " << c.status().to_string();

    // A renamed tensor: unknown name plus the real one missing.
    std::string renamed = bytes;
    const size_t at = renamed.find("encoder.ln_post.bias");
    ASSERT_NE(at, std::string::npos);
    renamed.replace(at, 7, "ENCODER");
    const fs::path ren = tmp_path("renamed.bin");
    write_all(ren, renamed);
    auto d = WhisperModel::load(ren.string());
    ASSERT_FALSE(d.is_ok());
    EXPECT_NE(d.status().message().find("encoder.ln_post.bias' is missing"), std::string::npos) << d.status().to_string();

    // A wrong shape with the right size: conv1 [3, 80, 64] stored as [3, 64, 80].
    std::string reshaped = bytes;
    const size_t name_at = reshaped.find("encoder.conv1.weight");
    ASSERT_NE(name_at, std::string::npos);
    // record: n_dims, name_len, ttype, ne[0..2], name -> ne[1] is 8 bytes before the name, ne[2] 4
    int32_t ne1 = 0, ne2 = 0;
    std::memcpy(&ne1, &reshaped[name_at - 8], 4);
    std::memcpy(&ne2, &reshaped[name_at - 4], 4);
    ASSERT_EQ(ne1, 80);
    ASSERT_EQ(ne2, 64);
    std::memcpy(&reshaped[name_at - 8], &ne2, 4);
    std::memcpy(&reshaped[name_at - 4], &ne1, 4);
    const fs::path resh = tmp_path("reshaped.bin");
    write_all(resh, reshaped);
    auto e = WhisperModel::load(resh.string());
    ASSERT_FALSE(e.is_ok());
    EXPECT_NE(e.status().message().find("tensor 'encoder.conv1.weight' at offset"), std::string::npos) << e.status().to_string();
    EXPECT_NE(e.status().message().find("has shape [3, 64, 80], expected [3, 80, 64]"), std::string::npos) << e.status().to_string();

    const fs::path empty = tmp_path("empty.bin");
    write_all(empty, "");
    EXPECT_EQ(WhisperModel::load(empty.string()).status().code(), ErrorCode::format_error);
    EXPECT_EQ(WhisperModel::load("/nonexistent/ggml-base.bin").status().code(), ErrorCode::io_error);
    for (const auto& p : {bad_magic, cut_vocab, cut_tensor, ren, resh, empty}) fs::remove(p);
}

TEST(WhisperWriter, EnglishOnlyRoundTripAndSpecialIds) {
    const fs::path p = tmp_path("en.bin");
    ASSERT_TRUE(write_random_whisper_ggml(p.string(), small_spec(51864, DType::F32)).is_ok());
    auto m = WhisperModel::load(p.string());
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    fs::remove(p);
    const WhisperVocab& v = m.value()->vocab();
    EXPECT_FALSE(v.multilingual());
    EXPECT_EQ(v.eot, 50256);
    EXPECT_EQ(v.sot, 50257);
    EXPECT_EQ(v.transcribe, 50358);
    EXPECT_EQ(v.notimestamps, 50362);
    EXPECT_EQ(v.timestamp_begin, 50363);
    EXPECT_EQ(v.token_text(50363), "[_BEG_]");
    EXPECT_EQ(m.value()->hparams().ftype, 0);
    EXPECT_EQ(m.value()->weight_type(), DType::F32);
}

TEST(WhisperWriter, LargeV3SpecialIdsShiftWithTheHundredthLanguage) {
    WhisperVocab v(std::vector<std::string>(50257, "x"), 51866);
    EXPECT_EQ(v.num_languages(), 100);
    EXPECT_EQ(v.translate, 50359);
    EXPECT_EQ(v.timestamp_begin, 50365);
    EXPECT_EQ(v.token_text(v.lang_token(99)), "[_LANG_yue]");
}

class WhisperStateTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const fs::path p = tmp_path("state.bin");
        ASSERT_TRUE(write_random_whisper_ggml(p.string(), small_spec(51865, DType::F16)).is_ok());
        auto m = WhisperModel::load(p.string());
        ASSERT_TRUE(m.is_ok()) << m.status().to_string();
        model_ = m.value();
        fs::remove(p);  // the mapping stays valid
    }
    static void TearDownTestSuite() { model_.reset(); }
    static std::shared_ptr<const WhisperModel> model_;
};
std::shared_ptr<const WhisperModel> WhisperStateTest::model_;

TEST_F(WhisperStateTest, BatchedPromptEqualsIncrementalDecode) {
    WhisperStateOptions so;
    so.n_threads = 2;
    WhisperState st(model_, so);
    const auto mel = random_mel(80, 3000);
    ASSERT_TRUE(st.encode(mel.data(), 80, 3000).is_ok());
    const std::vector<int32_t> toks = {50258, 50259, 50359, 50363, 440, 1000};
    ASSERT_TRUE(st.decode(toks, 0, 0, true).is_ok());
    const int64_t nv = model_->hparams().n_vocab;
    const std::vector<float> batched(st.logits(0), st.logits(0) + nv * static_cast<int64_t>(toks.size()));
    // The same maths row by row; only the matmul kernels' blocking differs (summation order).
    double worst = 0.0;
    for (size_t i = 0; i < toks.size(); ++i) {
        ASSERT_TRUE(st.decode(std::span<const int32_t>(&toks[i], 1), static_cast<int64_t>(i)).is_ok());
        worst = std::max(worst, test::max_abs_diff(st.logits(), batched.data() + i * nv, static_cast<size_t>(nv)));
    }
    std::printf("[measure] batched vs incremental decode: max |d| %.3g\n", worst);
    EXPECT_LE(worst, 1e-3);
    for (int64_t i = 0; i < nv; ++i) ASSERT_TRUE(std::isfinite(batched[static_cast<size_t>(i)]));
}

TEST_F(WhisperStateTest, SequencesAreIndependentAndCopySeqClonesACache) {
    WhisperStateOptions so;
    so.n_threads = 2;
    so.n_seq = 3;
    WhisperState st(model_, so);
    const auto mel = random_mel(80, 3000);
    ASSERT_TRUE(st.encode(mel.data(), 80, 3000).is_ok());
    const int64_t nv = model_->hparams().n_vocab;
    const std::vector<int32_t> prompt = {50258, 50259, 50359};
    ASSERT_TRUE(st.decode(prompt, 0, 0).is_ok());
    st.copy_seq(0, 1, 3);
    st.copy_seq(0, 2, 3);
    // Different continuations in one batch vs one at a time in sequence 0.
    const std::vector<int32_t> next = {100, 200, 300};
    std::vector<WhisperBatchItem> batch;
    for (int s = 0; s < 3; ++s) batch.push_back({next[static_cast<size_t>(s)], 3, s, true});
    ASSERT_TRUE(st.decode_batch(batch).is_ok());
    ASSERT_EQ(st.n_logit_rows(), 3);
    const std::vector<float> rows(st.logits(0), st.logits(0) + 3 * nv);
    for (int s = 0; s < 3; ++s) {
        ASSERT_TRUE(st.decode(std::span<const int32_t>(&next[static_cast<size_t>(s)], 1), 3, 0).is_ok());
        EXPECT_LE(test::max_abs_diff(st.logits(), rows.data() + s * nv, static_cast<size_t>(nv)), 1e-3) << "sequence " << s;  // kernel blocking only
    }
    // Errors, not crashes.
    EXPECT_EQ(st.decode(std::vector<int32_t>{99999999}, 0).code(), ErrorCode::out_of_range);
    EXPECT_EQ(st.decode(std::vector<int32_t>{1}, model_->hparams().n_text_ctx).code(), ErrorCode::context_overflow);
    EXPECT_EQ(st.decode(std::vector<int32_t>{1}, 0, 7).code(), ErrorCode::invalid_argument);
    EXPECT_EQ(st.encode(mel.data(), 80, 2999).code(), ErrorCode::invalid_argument);
    WhisperState fresh(model_, so);
    EXPECT_EQ(fresh.decode(std::vector<int32_t>{1}, 0).code(), ErrorCode::invalid_argument);  // encode first
}

TEST_F(WhisperStateTest, CancelFlagStopsTheEncoder) {
    WhisperState st(model_, {});
    std::atomic<bool> stop{true};
    st.set_cancel_flag(&stop);
    const auto mel = random_mel(80, 3000);
    EXPECT_EQ(st.encode(mel.data(), 80, 3000).code(), ErrorCode::cancelled);
    EXPECT_FALSE(st.has_encoding());
}

}  // namespace
