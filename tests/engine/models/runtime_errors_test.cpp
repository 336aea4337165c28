// Loading and running models never aborts on bad input: each problem is a typed error naming it.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>

#include "engine/gguf/gguf_writer.h"
#include "engine/models/text/synthetic_model.h"
#include "engine/runtime/session.h"
#include "engine/runtime/text_model.h"
#include "tests/support/test_support.h"

using namespace tessera;
namespace fs = std::filesystem;

namespace {

fs::path temp_path(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("tessera-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir / name;
}

SyntheticModelSpec tiny_spec(const std::string& arch) {
    SyntheticModelSpec s;
    s.arch = arch;
    s.n_vocab = 300;
    s.n_ctx_train = 64;
    s.n_embd = 32;
    s.n_layer = 2;
    s.n_head = 4;
    s.n_head_kv = 2;
    s.head_dim = 8;
    s.n_ff = 48;
    s.weight_type = "f32";
    return s;
}

// Copies a GGUF file, letting `edit` change metadata or drop/replace tensors on the way.
fs::path rewrite(const fs::path& src, const std::string& name,
                 const std::function<bool(GgufWriter&, const GgufTensorInfo&)>& keep_tensor,
                 const std::function<void(GgufWriter&)>& edit_meta = {}) {
    auto f = GgufFile::open(src.string());
    EXPECT_TRUE(f.is_ok());
    GgufWriter w;
    for (const auto& [k, v] : f.value()->metadata()) w.set(k, v);
    if (edit_meta) edit_meta(w);
    for (const auto& t : f.value()->tensors()) {
        if (!keep_tensor(w, t)) continue;
        const auto* p = static_cast<const uint8_t*>(t.tensor.data);
        std::vector<int64_t> ne(t.tensor.ne, t.tensor.ne + t.tensor.n_dims);
        EXPECT_TRUE(w.add_tensor(t.tensor.name, t.tensor.type, ne, std::vector<uint8_t>(p, p + t.tensor.nbytes)).is_ok());
    }
    const fs::path out = temp_path(name);
    EXPECT_TRUE(w.write(out.string()).is_ok());
    return out;
}

class RuntimeErrors : public ::testing::Test {
protected:
    void SetUp() override {
        model_path_ = temp_path("tiny-llama.gguf");
        ASSERT_TRUE(write_synthetic_text_model(tiny_spec("llama"), model_path_.string()).is_ok());
    }
    fs::path model_path_;
};

TEST_F(RuntimeErrors, SyntheticModelsOfEveryArchLoadAndRun) {
    for (const char* arch : {"llama", "qwen2", "qwen3", "gemma3"}) {
        const fs::path p = temp_path(std::string("tiny-") + arch + ".gguf");
        ASSERT_TRUE(write_synthetic_text_model(tiny_spec(arch), p.string()).is_ok()) << arch;
        auto m = load_text_model(p.string());
        ASSERT_TRUE(m.is_ok()) << arch << ": " << m.status().to_string();
        EXPECT_EQ(m.value()->hparams().arch, arch);
        Session s(m.value(), {.n_ctx = 32, .n_threads = 1});
        const std::vector<int32_t> toks = {1, 50, 60};
        ASSERT_TRUE(s.eval(toks).is_ok()) << arch;
        for (int64_t i = 0; i < s.n_vocab(); ++i) ASSERT_TRUE(std::isfinite(s.logits()[i])) << arch;
    }
}

TEST_F(RuntimeErrors, ContextOverflowIsReportedNotTruncated) {
    auto m = load_text_model(model_path_.string());
    ASSERT_TRUE(m.is_ok());
    Session s(m.value(), {.n_ctx = 8, .n_threads = 1});
    std::vector<int32_t> toks(6, 5);
    ASSERT_TRUE(s.eval(toks).is_ok());
    const Status st = s.eval(toks);
    EXPECT_EQ(st.code(), ErrorCode::context_overflow);
    EXPECT_NE(st.message().find("8 tokens"), std::string::npos) << st.message();
    EXPECT_EQ(s.n_past(), 6);  // nothing was silently dropped or half-added
}

TEST_F(RuntimeErrors, TokenOutsideVocabulary) {
    auto m = load_text_model(model_path_.string());
    ASSERT_TRUE(m.is_ok());
    Session s(m.value(), {.n_ctx = 8, .n_threads = 1});
    const std::vector<int32_t> toks = {1, 300};
    const Status st = s.eval(toks);
    EXPECT_EQ(st.code(), ErrorCode::out_of_range);
    EXPECT_NE(st.message().find("300"), std::string::npos);
}

TEST_F(RuntimeErrors, UnknownArchitectureIsNamed) {
    const fs::path p = rewrite(model_path_, "unknown-arch.gguf", [](GgufWriter&, const GgufTensorInfo&) { return true; },
                               [](GgufWriter& w) { w.set_string("general.architecture", "mamba9"); });
    auto m = load_text_model(p.string());
    ASSERT_FALSE(m.is_ok());
    EXPECT_EQ(m.status().code(), ErrorCode::unsupported);
    EXPECT_NE(m.status().message().find("'mamba9'"), std::string::npos) << m.status().message();
}

TEST_F(RuntimeErrors, MissingTensorIsNamed) {
    const fs::path p = rewrite(model_path_, "missing.gguf", [](GgufWriter&, const GgufTensorInfo& t) {
        return t.tensor.name != "blk.1.ffn_up.weight";
    });
    auto m = load_text_model(p.string());
    ASSERT_FALSE(m.is_ok());
    EXPECT_NE(m.status().message().find("blk.1.ffn_up.weight"), std::string::npos) << m.status().message();
}

TEST_F(RuntimeErrors, MisshapenTensorNamesExpectedAndFound) {
    const fs::path p = rewrite(model_path_, "misshapen.gguf", [](GgufWriter& w, const GgufTensorInfo& t) {
        if (t.tensor.name != "blk.0.attn_k.weight") return true;
        std::vector<float> v(32 * 8, 0.0f);  // ne [32, 8] instead of [32, 16]
        EXPECT_TRUE(w.add_tensor_f32(t.tensor.name, {32, 8}, v).is_ok());
        return false;
    });
    auto m = load_text_model(p.string());
    ASSERT_FALSE(m.is_ok());
    const std::string msg = m.status().message();
    EXPECT_NE(msg.find("blk.0.attn_k.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("expected shape [32, 16]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("found [32, 8]"), std::string::npos) << msg;
}

TEST_F(RuntimeErrors, CancelFlagStopsEval) {
    auto m = load_text_model(model_path_.string());
    ASSERT_TRUE(m.is_ok());
    Session s(m.value(), {.n_ctx = 16, .n_threads = 1});
    std::atomic<bool> cancel{true};
    s.set_cancel_flag(&cancel);
    const std::vector<int32_t> toks = {1, 2, 3};
    EXPECT_EQ(s.eval(toks).code(), ErrorCode::cancelled);
    EXPECT_EQ(s.n_past(), 0);
}

}  // namespace
