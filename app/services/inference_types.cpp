#include "app/services/inference_types.h"

namespace tessera {

QString stopReasonName(StopReason reason) {
    switch (reason) {
        case StopReason::eos: return QStringLiteral("eos");
        case StopReason::stopString: return QStringLiteral("stop_string");
        case StopReason::maxTokens: return QStringLiteral("max_tokens");
        case StopReason::cancelled: return QStringLiteral("cancelled");
        case StopReason::contextFull: return QStringLiteral("context_full");
        case StopReason::error: return QStringLiteral("error");
    }
    return QStringLiteral("unknown");
}

void registerInferenceMetaTypes() {
    qRegisterMetaType<tessera::ChatMessage>("tessera::ChatMessage");
    qRegisterMetaType<tessera::GenerationRequest>("tessera::GenerationRequest");
    qRegisterMetaType<tessera::GenerationStats>("tessera::GenerationStats");
    qRegisterMetaType<tessera::ModelSettings>("tessera::ModelSettings");
    qRegisterMetaType<tessera::ModelInfo>("tessera::ModelInfo");
    qRegisterMetaType<tessera::StopReason>("tessera::StopReason");
    qRegisterMetaType<tessera::OverflowPolicy>("tessera::OverflowPolicy");
}

}  // namespace tessera
