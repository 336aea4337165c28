#include "app/services/inference_worker.h"

#include "app/services/chat_runner.h"
#include "engine/runtime/session.h"

namespace tessera {

InferenceWorker::InferenceWorker(QObject* parent) : QObject(parent), m_runner(std::make_unique<ChatRunner>()) {
    registerInferenceMetaTypes();
}

InferenceWorker::~InferenceWorker() = default;

void InferenceWorker::stop(quint64 requestId) { m_runner->requestStop(requestId); }

bool InferenceWorker::isGenerating() const { return m_runner->isRunning(); }

void InferenceWorker::loadModel(const QString& path, const ModelSettings& settings) {
    auto info = m_runner->load(path, settings);
    if (!info) {
        emit modelLoadFailed(QStringLiteral("cannot load %1: %2").arg(path, QString::fromStdString(info.status().to_string())));
        return;
    }
    emit modelLoaded(*info);
    emit contextUsage(0, info->nCtx);
}

void InferenceWorker::unloadModel() {
    m_runner->unload();
    emit modelUnloaded();
}

void InferenceWorker::generate(const GenerationRequest& request) {
    const quint64 id = request.requestId;
    GenerationOutcome outcome = m_runner->run(
        request, [this, id](const QString& delta) { emit tokenStreamed(id, delta); },
        [this](int used, int total) { emit contextUsage(used, total); });
    switch (outcome.kind) {
        case GenerationOutcome::Kind::finished:
            emit generationFinished(id, outcome.stats, outcome.text);
            break;
        case GenerationOutcome::Kind::failed:
            emit generationFailed(id, outcome.error);
            break;
        case GenerationOutcome::Kind::overflow:
            emit contextOverflow(id, outcome.needed, outcome.available);
            break;
    }
}

void InferenceWorker::resetContext() {
    m_runner->resetContext();
    if (const Session* session = m_runner->session()) emit contextUsage(0, static_cast<int>(session->n_ctx()));
}

}  // namespace tessera
