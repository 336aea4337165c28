#pragma once
// Per-session chat settings as the UI stores them in SessionSettings::sampling (a JSON object the
// store keeps opaque): a preset name, the sampler fields and the reply length.
//
//   {"preset": "balanced", "temperature": 0.7, "top_k": 40, "top_p": 0.95, "min_p": 0.05,
//    "repeat_penalty": 1.0, "max_tokens": 1024, "seed": -1}
//
// Keys that are absent take the Balanced preset's value; seed -1 is a fresh random seed per reply.
#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include "app/services/inference_types.h"

namespace tessera {

enum class SamplingPreset { precise, balanced, creative, custom };

struct ChatSettings {
    SamplingPreset preset = SamplingPreset::balanced;
    SamplingSettings sampling;
    int maxTokens = 1024;
    bool operator==(const ChatSettings& other) const;
};

QString samplingPresetName(SamplingPreset preset);   // "precise", "balanced", "creative", "custom"
QString samplingPresetLabel(SamplingPreset preset);  // "Precise", ... (shown in the UI)
bool samplingPresetFromName(const QString& name, SamplingPreset* preset);
// The settings of a preset (custom gives balanced's).
ChatSettings presetChatSettings(SamplingPreset preset);
// The preset whose sampler fields equal these (custom when none does).
SamplingPreset matchingPreset(const SamplingSettings& sampling);

QJsonObject chatSettingsToJson(const ChatSettings& settings);
ChatSettings chatSettingsFromJson(const QJsonObject& json);

}  // namespace tessera

Q_DECLARE_METATYPE(tessera::ChatSettings)
