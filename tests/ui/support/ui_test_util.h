#pragma once
// Helpers for the UI tests: synthetic GGUF models written to a temp dir (tests may use the engine;
// ui/ may not), the stories260K fixture, a temp SessionStore, and waiting on the event loop.
#include <QDir>
#include <QFileInfo>
#include <QSignalSpy>
#include <QString>
#include <QTemporaryDir>
#include <QTest>
#include <limits>
#include <memory>

#include "app/services/inference_types.h"
#include "app/services/session_store.h"
#include "engine/models/text/synthetic_model.h"

namespace tessera::test {

// A llama-shaped model with a synthetic SentencePiece vocabulary: 3 specials (unk, bos = 1,
// eos = 2), 256 byte tokens (ids 3..258), then word pieces. Random weights: fast, meaningless text.
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

// Big enough that a few hundred tokens take a second or more on one core: the UI must stay live.
inline SyntheticModelSpec slowSpec() {
    SyntheticModelSpec s = tinySpec();
    s.n_vocab = 2048;
    s.n_embd = 512;
    s.n_layer = 8;
    s.n_head = 8;
    s.n_head_kv = 4;
    s.head_dim = 64;
    s.n_ff = 1536;
    s.seed = 11;
    return s;
}

inline QString writeModel(const QTemporaryDir& dir, const QString& name, const SyntheticModelSpec& spec) {
    const QString path = dir.filePath(name);
    const Status st = write_synthetic_text_model(spec, path.toStdString());
    if (!st.is_ok()) qWarning("cannot write %s: %s", qPrintable(path), st.to_string().c_str());
    return st.is_ok() ? path : QString();
}

inline QString fixturePath(const QString& relative) {
    return QDir(QStringLiteral(TESSERA_FIXTURES_DIR)).filePath(relative);
}

inline QString storiesModelPath() { return fixturePath(QStringLiteral("text/stories260K.gguf")); }

// Readable output from the synthetic vocabulary: the byte tokens banned (only word pieces), and
// optionally end-of-generation too (a reply then runs to maxTokens).
inline void banBytes(GenerationRequest& r, bool banEos) {
    const float ban = -std::numeric_limits<float>::infinity();
    for (int b = 0; b < 256; ++b) r.sampling.logitBias.append({3 + b, ban});
    if (banEos) r.sampling.logitBias.append({2, ban});
}

struct TempStore {
    QTemporaryDir dir;
    SessionStore store;
    TempStore() {
        const Status st = store.open(dir.filePath(QStringLiteral("sessions.db")));
        if (!st.is_ok()) qFatal("cannot open the test store: %s", st.to_string().c_str());
    }
};

}  // namespace tessera::test
