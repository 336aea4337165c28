#include "ui/chat/chat_settings.h"

#include <QtMath>
#include <limits>

namespace tessera {
namespace {

constexpr quint64 kRandomSeed = std::numeric_limits<quint64>::max();

bool near(float a, float b) { return qAbs(a - b) < 1e-4f; }

bool sameSampler(const SamplingSettings& a, const SamplingSettings& b) {
    return near(a.temperature, b.temperature) && a.topK == b.topK && near(a.topP, b.topP) && near(a.minP, b.minP) &&
           near(a.repeatPenalty, b.repeatPenalty);
}

}  // namespace

bool ChatSettings::operator==(const ChatSettings& other) const {
    return preset == other.preset && sameSampler(sampling, other.sampling) && sampling.seed == other.sampling.seed &&
           maxTokens == other.maxTokens;
}

QString samplingPresetName(SamplingPreset preset) {
    switch (preset) {
        case SamplingPreset::precise: return QStringLiteral("precise");
        case SamplingPreset::balanced: return QStringLiteral("balanced");
        case SamplingPreset::creative: return QStringLiteral("creative");
        case SamplingPreset::custom: return QStringLiteral("custom");
    }
    return QStringLiteral("custom");
}

QString samplingPresetLabel(SamplingPreset preset) {
    switch (preset) {
        case SamplingPreset::precise: return QObject::tr("Precise");
        case SamplingPreset::balanced: return QObject::tr("Balanced");
        case SamplingPreset::creative: return QObject::tr("Creative");
        case SamplingPreset::custom: return QObject::tr("Custom");
    }
    return QObject::tr("Custom");
}

bool samplingPresetFromName(const QString& name, SamplingPreset* preset) {
    for (SamplingPreset p : {SamplingPreset::precise, SamplingPreset::balanced, SamplingPreset::creative,
                             SamplingPreset::custom}) {
        if (samplingPresetName(p) == name) {
            *preset = p;
            return true;
        }
    }
    return false;
}

ChatSettings presetChatSettings(SamplingPreset preset) {
    ChatSettings s;
    s.preset = preset;
    SamplingSettings& p = s.sampling;
    p.seed = kRandomSeed;
    switch (preset) {
        case SamplingPreset::precise:  // near-deterministic: answers, code, facts
            p.temperature = 0.2f;
            p.topK = 20;
            p.topP = 0.9f;
            p.minP = 0.05f;
            p.repeatPenalty = 1.05f;
            break;
        case SamplingPreset::creative:  // stories, brainstorming
            p.temperature = 1.1f;
            p.topK = 100;
            p.topP = 0.98f;
            p.minP = 0.02f;
            p.repeatPenalty = 1.0f;
            break;
        case SamplingPreset::balanced:
        case SamplingPreset::custom:
            s.preset = preset;
            p.temperature = 0.7f;
            p.topK = 40;
            p.topP = 0.95f;
            p.minP = 0.05f;
            p.repeatPenalty = 1.0f;
            break;
    }
    return s;
}

SamplingPreset matchingPreset(const SamplingSettings& sampling) {
    for (SamplingPreset p : {SamplingPreset::precise, SamplingPreset::balanced, SamplingPreset::creative})
        if (sameSampler(presetChatSettings(p).sampling, sampling)) return p;
    return SamplingPreset::custom;
}

QJsonObject chatSettingsToJson(const ChatSettings& s) {
    QJsonObject o;
    o[QStringLiteral("preset")] = samplingPresetName(s.preset);
    o[QStringLiteral("temperature")] = double(s.sampling.temperature);
    o[QStringLiteral("top_k")] = s.sampling.topK;
    o[QStringLiteral("top_p")] = double(s.sampling.topP);
    o[QStringLiteral("min_p")] = double(s.sampling.minP);
    o[QStringLiteral("repeat_penalty")] = double(s.sampling.repeatPenalty);
    o[QStringLiteral("max_tokens")] = s.maxTokens;
    o[QStringLiteral("seed")] = s.sampling.seed == kRandomSeed ? -1.0 : double(s.sampling.seed);
    return o;
}

ChatSettings chatSettingsFromJson(const QJsonObject& o) {
    ChatSettings s = presetChatSettings(SamplingPreset::balanced);
    SamplingPreset preset = SamplingPreset::balanced;
    if (samplingPresetFromName(o.value(QStringLiteral("preset")).toString(), &preset)) s.preset = preset;
    auto num = [&o](const char* key, double fallback) {
        const QJsonValue v = o.value(QLatin1String(key));
        return v.isDouble() ? v.toDouble() : fallback;
    };
    s.sampling.temperature = float(num("temperature", s.sampling.temperature));
    s.sampling.topK = int(num("top_k", s.sampling.topK));
    s.sampling.topP = float(num("top_p", s.sampling.topP));
    s.sampling.minP = float(num("min_p", s.sampling.minP));
    s.sampling.repeatPenalty = float(num("repeat_penalty", s.sampling.repeatPenalty));
    s.maxTokens = int(num("max_tokens", s.maxTokens));
    const double seed = num("seed", -1);
    s.sampling.seed = seed < 0 ? kRandomSeed : quint64(seed);
    return s;
}

}  // namespace tessera
