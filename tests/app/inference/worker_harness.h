#pragma once
// An InferenceWorker on its own QThread, driven the way the GUI drives it (queued calls), with every
// signal recorded per request id, plus an independent greedy reference run on the engine alone.
#include <QMetaObject>
#include <QObject>
#include <QStringList>
#include <QThread>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "app/services/inference_worker.h"
#include "engine/runtime/session.h"
#include "engine/runtime/text_model.h"
#include "tests/app/inference/inference_test_env.h"

namespace tessera::test {

struct RequestRecord {
    bool finished = false;
    bool failed = false;
    bool overflow = false;
    GenerationStats stats;
    QString text;
    QString error;
    QStringList deltas;
    int needed = 0;
    int available = 0;
    bool done() const { return finished || failed || overflow; }
    QString streamed() const { return deltas.join(QString()); }
};

class WorkerHarness {
public:
    WorkerHarness() {
        ensureApp();
        registerInferenceMetaTypes();
        m_worker = new InferenceWorker;
        m_worker->moveToThread(&m_thread);
        QObject::connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
        auto* w = m_worker;
        QObject::connect(w, &InferenceWorker::modelLoaded, &m_receiver, [this](const ModelInfo& info) { m_info = info; });
        QObject::connect(w, &InferenceWorker::modelLoadFailed, &m_receiver,
                         [this](const QString& message) { m_loadError = message; });
        QObject::connect(w, &InferenceWorker::tokenStreamed, &m_receiver,
                         [this](quint64 id, const QString& d) { m_records[id].deltas << d; });
        // Direct: runs on the worker thread at the moment of the emit (for the stop-latency test).
        QObject::connect(
            w, &InferenceWorker::tokenStreamed, w, [this](quint64, const QString&) { m_tokensEmitted.fetch_add(1); },
            Qt::DirectConnection);
        QObject::connect(w, &InferenceWorker::generationFinished, &m_receiver,
                         [this](quint64 id, const GenerationStats& s, const QString& text) {
                             auto& r = m_records[id];
                             r.finished = true;
                             r.stats = s;
                             r.text = text;
                         });
        QObject::connect(w, &InferenceWorker::generationFailed, &m_receiver, [this](quint64 id, const QString& e) {
            m_records[id].failed = true;
            m_records[id].error = e;
        });
        QObject::connect(w, &InferenceWorker::contextOverflow, &m_receiver, [this](quint64 id, int needed, int available) {
            auto& r = m_records[id];
            r.overflow = true;
            r.needed = needed;
            r.available = available;
        });
        QObject::connect(w, &InferenceWorker::contextUsage, &m_receiver, [this](int used, int total) {
            m_usage.push_back({used, total});
        });
        m_thread.start();
    }

    ~WorkerHarness() {
        m_worker->stop();
        m_thread.quit();
        m_thread.wait();
    }

    InferenceWorker* worker() { return m_worker; }

    bool load(const QString& path, ModelSettings settings = {}) {
        m_info.reset();
        m_loadError.clear();
        auto* w = m_worker;
        QMetaObject::invokeMethod(w, [w, path, settings] { w->loadModel(path, settings); }, Qt::QueuedConnection);
        EXPECT_TRUE(waitFor([this] { return m_info.has_value() || !m_loadError.isEmpty(); }));
        return m_info.has_value();
    }

    void post(const GenerationRequest& request) {
        auto* w = m_worker;
        QMetaObject::invokeMethod(w, [w, request] { w->generate(request); }, Qt::QueuedConnection);
    }

    const RequestRecord& run(const GenerationRequest& request, int timeoutMs = 60000) {
        post(request);
        const quint64 id = request.requestId;
        EXPECT_TRUE(waitFor([this, id] { return m_records[id].done(); }, timeoutMs)) << "request " << id;
        return m_records[id];
    }

    RequestRecord& record(quint64 id) { return m_records[id]; }
    const std::optional<ModelInfo>& info() const { return m_info; }
    const QString& loadError() const { return m_loadError; }
    int tokensEmitted() const { return m_tokensEmitted.load(); }
    const std::vector<std::pair<int, int>>& usage() const { return m_usage; }

private:
    QThread m_thread;
    InferenceWorker* m_worker = nullptr;
    QObject m_receiver;  // lives on the test thread: queued signals land here
    std::optional<ModelInfo> m_info;
    QString m_loadError;
    std::map<quint64, RequestRecord> m_records;
    std::atomic<int> m_tokensEmitted{0};
    std::vector<std::pair<int, int>> m_usage;
};

// Token ids 3..258 of the synthetic vocabulary are the byte tokens <0x00>..<0xFF>.
inline int byteToken(int byte) { return 3 + byte; }

struct ReferenceRun {
    std::vector<int32_t> prompt;     // tokens of the prompt
    std::vector<int32_t> generated;  // sampled tokens, end-of-generation excluded
    bool endedWithEos = false;
    std::string text;                // concatenated pieces of `generated`
};

// Greedy decoding on the engine alone: tokenize as llama.cpp does for a formatted chat prompt
// (add_special, parse_special), evaluate, take the argmax (lowest id on ties) of the logits with
// `banned` ids excluded, until EOS or maxTokens.
inline ReferenceRun greedyReference(const std::shared_ptr<const TextModel>& model, const std::string& promptText,
                                    int maxTokens, const std::set<int>& banned, int64_t nCtx = 2048) {
    ReferenceRun ref;
    const Tokenizer& tok = model->tokenizer();
    ref.prompt = tok.encode(promptText, true, true);
    SessionOptions opts;
    opts.n_ctx = nCtx;
    Session session(model, opts);
    Status st = session.eval(ref.prompt);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    for (int i = 0; i < maxTokens; ++i) {
        const float* logits = session.logits();
        int32_t best = -1;
        float bestValue = -std::numeric_limits<float>::infinity();
        for (int32_t id = 0; id < session.n_vocab(); ++id) {
            if (banned.count(id)) continue;
            if (best < 0 || logits[id] > bestValue) {
                best = id;
                bestValue = logits[id];
            }
        }
        if (best == tok.eos_id()) {
            ref.endedWithEos = true;
            break;
        }
        ref.generated.push_back(best);
        ref.text += tok.token_to_piece(best);
        if (i + 1 == maxTokens) break;
        const int32_t one[1] = {best};
        st = session.eval(std::span<const int32_t>(one, 1));
        EXPECT_TRUE(st.is_ok()) << st.to_string();
    }
    return ref;
}

inline int64_t commonPrefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
    size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    return static_cast<int64_t>(i);
}

}  // namespace tessera::test
