#pragma once
// Helpers for the inference service tests: a QCoreApplication created once (gtest_main owns main()),
// tiny synthetic models written to a temp dir, a copy of a model with a chat template added, and an
// event loop that waits for a condition with a deadline.
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QString>
#include <QThread>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/models/text/synthetic_model.h"

namespace tessera::test {

inline QCoreApplication* ensureApp() {
    if (QCoreApplication::instance()) return QCoreApplication::instance();
    static int argc = 1;
    static char name[] = "test_app_inference";
    static char* argv[] = {name, nullptr};
    static QCoreApplication app(argc, argv);
    return &app;
}

// Processes events until `done()` or the deadline; returns done().
inline bool waitFor(const std::function<bool()>& done, int timeoutMs = 20000) {
    QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired()) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        if (!done()) QThread::msleep(1);
    }
    return true;
}

// The model shape the tests use: llama, 320-token SPM vocabulary (3 specials, 256 byte tokens,
// 61 pieces "▁a".."▁z", "▁ab", ...), 2 layers.
inline SyntheticModelSpec tinySpec() {
    SyntheticModelSpec s;
    s.arch = "llama";
    s.n_vocab = 320;
    s.n_ctx_train = 2048;
    s.n_embd = 64;
    s.n_layer = 2;
    s.n_head = 4;
    s.n_head_kv = 2;
    s.head_dim = 16;
    s.n_ff = 128;
    s.seed = 7;
    return s;
}

// Rewrites the GGUF at `src` to `dst` with tokenizer.chat_template set to `chatTemplate`.
inline Status copyWithChatTemplate(const std::string& src, const std::string& dst, const std::string& chatTemplate) {
    auto file = GgufFile::open(src);
    if (!file) return file.status();
    GgufWriter w;
    for (const auto& [key, value] : (*file)->metadata())
        if (key != "general.alignment") w.set(key, value);
    w.set_string("tokenizer.chat_template", chatTemplate);
    for (const auto& info : (*file)->tensors()) {
        const Tensor& t = info.tensor;
        std::vector<int64_t> ne(t.ne, t.ne + t.n_dims);
        const auto* bytes = static_cast<const uint8_t*>(t.data);
        TS_RETURN_IF_ERROR(w.add_tensor(t.name, t.type, ne, std::vector<uint8_t>(bytes, bytes + t.nbytes)));
    }
    return w.write(dst);
}

// Parameters of a llama-shaped synthetic model with tied embeddings, counted by hand from the
// tensor list write_synthetic_text_model() produces.
inline int64_t syntheticParameterCount(const SyntheticModelSpec& s) {
    const int64_t q = s.n_head * s.head_dim, kv = s.n_head_kv * s.head_dim;
    const int64_t perLayer = s.n_embd                 // attn_norm
                             + s.n_embd * q           // attn_q
                             + 2 * s.n_embd * kv      // attn_k, attn_v
                             + q * s.n_embd           // attn_output
                             + s.n_embd               // ffn_norm
                             + 2 * s.n_embd * s.n_ff  // ffn_gate, ffn_up
                             + s.n_ff * s.n_embd;     // ffn_down
    return s.n_embd * s.n_vocab + s.n_embd + s.n_layer * perLayer;  // token_embd + output_norm + layers
}

}  // namespace tessera::test
