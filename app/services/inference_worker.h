#pragma once
// InferenceWorker: the model runs here, on its own QThread (STYLE.md "Threads"). It talks only through
// queued signals carrying values and never touches a list model; the GUI thread applies what it emits.
//
//   auto* thread = new QThread;
//   auto* worker = new InferenceWorker;           // no parent
//   worker->moveToThread(thread);
//   connect(thread, &QThread::finished, worker, &QObject::deleteLater);
//   connect(this, &Chat::generateRequested, worker, &InferenceWorker::generate);   // queued
//   thread->start();
//
// stop() is the exception: it is called directly from any thread (the worker's own thread is busy in
// generate()); it sets an atomic flag that the engine checks between layers and the loop checks per
// token, so generation ends within one token.
//
// Per request exactly one of these ends it: generationFinished (also when stopped: stop reason
// "cancelled"), generationFailed (nothing generated: no model, no usable chat template, engine error
// before the first token) or contextOverflow (prompt + maxTokens does not fit and the request's
// overflow policy is `none`; the user chooses what to do).
#include <QObject>
#include <QString>
#include <memory>

#include "app/services/inference_types.h"

namespace tessera {

class ChatRunner;

class InferenceWorker : public QObject {
    Q_OBJECT
public:
    explicit InferenceWorker(QObject* parent = nullptr);
    ~InferenceWorker() override;

    // Thread-safe, call directly (not queued). requestId 0: the generation running now (no effect
    // when none runs); otherwise that request, even if it has not started yet.
    void stop(quint64 requestId = 0);
    bool isGenerating() const;

public slots:
    void loadModel(const QString& path, const tessera::ModelSettings& settings);
    void unloadModel();
    void generate(const tessera::GenerationRequest& request);
    // Forgets the cached conversation (e.g. the user switched to another chat).
    void resetContext();

signals:
    void modelLoaded(const tessera::ModelInfo& info);
    void modelLoadFailed(const QString& message);
    void modelUnloaded();
    void tokenStreamed(quint64 requestId, const QString& textDelta);
    void generationFinished(quint64 requestId, const tessera::GenerationStats& stats, const QString& text);
    void generationFailed(quint64 requestId, const QString& message);
    // needed = prompt tokens + maxTokens (+ 1 when maxTokens <= 0); available = the context window.
    void contextOverflow(quint64 requestId, int needed, int available);
    void contextUsage(int used, int total);

private:
    std::unique_ptr<ChatRunner> m_runner;
};

}  // namespace tessera
