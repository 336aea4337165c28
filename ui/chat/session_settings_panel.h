#pragma once
// SessionSettingsPanel: the active chat's system prompt and sampling (presets Precise / Balanced /
// Creative, or Custom values). Edits are emitted (debounced) as settingsEdited; ChatPane saves them
// through ChatController into the session's settings.
#include <QWidget>

#include "ui/chat/chat_settings.h"

class QComboBox;
class QDoubleSpinBox;
class QPlainTextEdit;
class QSpinBox;
class QTimer;

namespace tessera {

class SessionSettingsPanel : public QWidget {
    Q_OBJECT
public:
    explicit SessionSettingsPanel(QWidget* parent = nullptr);

    // Shows these values without emitting settingsEdited.
    void setValues(const QString& systemPrompt, const ChatSettings& settings);
    QString systemPrompt() const;
    ChatSettings chatSettings() const;
    void applyPreset(SamplingPreset preset);

    QComboBox* presetBox() const { return m_preset; }
    QPlainTextEdit* systemPromptEdit() const { return m_systemPrompt; }
    QDoubleSpinBox* temperatureBox() const { return m_temperature; }

signals:
    void settingsEdited(const QString& systemPrompt, const tessera::ChatSettings& settings);
    void closeRequested();

private:
    void onFieldEdited();
    void emitSoon();

    QPlainTextEdit* m_systemPrompt;
    QComboBox* m_preset;
    QDoubleSpinBox* m_temperature;
    QDoubleSpinBox* m_topP;
    QSpinBox* m_topK;
    QDoubleSpinBox* m_minP;
    QDoubleSpinBox* m_repeatPenalty;
    QSpinBox* m_maxTokens;
    QSpinBox* m_seed;
    QTimer* m_debounce;
    bool m_updating = false;
};

}  // namespace tessera
