#include "ui/chat/session_settings_panel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <limits>

namespace tessera {
namespace {

constexpr quint64 kRandomSeed = std::numeric_limits<quint64>::max();

QDoubleSpinBox* makeDouble(double min, double max, double step, const QString& name, const QString& tip) {
    auto* box = new QDoubleSpinBox;
    box->setRange(min, max);
    box->setSingleStep(step);
    box->setDecimals(2);
    box->setAccessibleName(name);
    box->setToolTip(tip);
    return box;
}

}  // namespace

SessionSettingsPanel::SessionSettingsPanel(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("settingsPanel"));
    setAttribute(Qt::WA_StyledBackground, true);
    setAccessibleName(tr("Chat settings"));
    setMinimumWidth(280);
    setMaximumWidth(340);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(16, 14, 16, 14);
    layout->setSpacing(10);
    auto* header = new QHBoxLayout;
    auto* title = new QLabel(tr("Chat settings"));
    title->setObjectName(QStringLiteral("panelTitle"));
    auto* close = new QToolButton;
    close->setObjectName(QStringLiteral("messageAction"));
    close->setText(QStringLiteral("✕"));
    close->setAccessibleName(tr("Close chat settings"));
    close->setToolTip(tr("Close"));
    connect(close, &QToolButton::clicked, this, &SessionSettingsPanel::closeRequested);
    header->addWidget(title, 1);
    header->addWidget(close);
    layout->addLayout(header);

    auto* promptLabel = new QLabel(tr("System prompt"));
    m_systemPrompt = new QPlainTextEdit;
    m_systemPrompt->setAccessibleName(tr("System prompt"));
    m_systemPrompt->setPlaceholderText(tr("e.g. You are a concise assistant. Answer in English."));
    m_systemPrompt->setTabChangesFocus(true);
    m_systemPrompt->setFixedHeight(110);
    promptLabel->setBuddy(m_systemPrompt);
    layout->addWidget(promptLabel);
    layout->addWidget(m_systemPrompt);

    auto* form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignLeft);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_preset = new QComboBox;
    m_preset->setAccessibleName(tr("Sampling preset"));
    for (SamplingPreset p : {SamplingPreset::precise, SamplingPreset::balanced, SamplingPreset::creative,
                             SamplingPreset::custom})
        m_preset->addItem(samplingPresetLabel(p), static_cast<int>(p));
    m_preset->setToolTip(tr("Precise: focused, repeatable answers. Balanced: the default. Creative: varied, "
                            "surprising text."));
    form->addRow(tr("Preset"), m_preset);

    m_temperature = makeDouble(0, 2, 0.05, tr("Temperature"), tr("Randomness; 0 always picks the likeliest token"));
    m_topP = makeDouble(0, 1, 0.01, tr("Top-p"), tr("Keep the smallest set of tokens whose probability adds up to this"));
    m_topK = new QSpinBox;
    m_topK->setRange(0, 1000);
    m_topK->setAccessibleName(tr("Top-k"));
    m_topK->setToolTip(tr("Keep only the k likeliest tokens (0: all)"));
    m_minP = makeDouble(0, 1, 0.01, tr("Min-p"), tr("Drop tokens less likely than this fraction of the likeliest"));
    m_repeatPenalty = makeDouble(0.5, 2, 0.05, tr("Repeat penalty"), tr("Above 1 discourages repeating recent tokens"));
    m_maxTokens = new QSpinBox;
    m_maxTokens->setRange(1, 32768);
    m_maxTokens->setSingleStep(64);
    m_maxTokens->setAccessibleName(tr("Maximum reply length"));
    m_maxTokens->setToolTip(tr("Most tokens in one reply"));
    m_seed = new QSpinBox;
    m_seed->setRange(-1, std::numeric_limits<int>::max());
    m_seed->setSpecialValueText(tr("Random"));
    m_seed->setAccessibleName(tr("Seed"));
    m_seed->setToolTip(tr("The same seed, prompt and settings give the same reply"));
    form->addRow(tr("Temperature"), m_temperature);
    form->addRow(tr("Top-p"), m_topP);
    form->addRow(tr("Top-k"), m_topK);
    form->addRow(tr("Min-p"), m_minP);
    form->addRow(tr("Repeat penalty"), m_repeatPenalty);
    form->addRow(tr("Max tokens"), m_maxTokens);
    form->addRow(tr("Seed"), m_seed);
    layout->addLayout(form);
    auto* note = new QLabel(tr("Saved with this chat."));
    note->setObjectName(QStringLiteral("muted"));
    layout->addWidget(note);
    layout->addStretch(1);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(300);
    connect(m_debounce, &QTimer::timeout, this, [this] { emit settingsEdited(systemPrompt(), chatSettings()); });

    connect(m_systemPrompt, &QPlainTextEdit::textChanged, this, &SessionSettingsPanel::emitSoon);
    connect(m_preset, &QComboBox::activated, this, [this](int index) {
        const auto preset = static_cast<SamplingPreset>(m_preset->itemData(index).toInt());
        if (preset != SamplingPreset::custom) applyPreset(preset);
        else emitSoon();
    });
    for (QDoubleSpinBox* box : {m_temperature, m_topP, m_minP, m_repeatPenalty})
        connect(box, &QDoubleSpinBox::valueChanged, this, &SessionSettingsPanel::onFieldEdited);
    for (QSpinBox* box : {m_topK, m_maxTokens, m_seed})
        connect(box, &QSpinBox::valueChanged, this, &SessionSettingsPanel::onFieldEdited);

    setValues(QString(), presetChatSettings(SamplingPreset::balanced));
}

void SessionSettingsPanel::setValues(const QString& systemPrompt, const ChatSettings& s) {
    m_updating = true;
    m_debounce->stop();
    if (m_systemPrompt->toPlainText() != systemPrompt) m_systemPrompt->setPlainText(systemPrompt);
    m_preset->setCurrentIndex(m_preset->findData(static_cast<int>(s.preset)));
    m_temperature->setValue(s.sampling.temperature);
    m_topP->setValue(s.sampling.topP);
    m_topK->setValue(s.sampling.topK);
    m_minP->setValue(s.sampling.minP);
    m_repeatPenalty->setValue(s.sampling.repeatPenalty);
    m_maxTokens->setValue(s.maxTokens);
    m_seed->setValue(s.sampling.seed == kRandomSeed ? -1 : int(qMin<quint64>(s.sampling.seed, quint64(std::numeric_limits<int>::max()))));
    m_updating = false;
}

QString SessionSettingsPanel::systemPrompt() const { return m_systemPrompt->toPlainText(); }

ChatSettings SessionSettingsPanel::chatSettings() const {
    ChatSettings s;
    s.preset = static_cast<SamplingPreset>(m_preset->currentData().toInt());
    s.sampling.temperature = float(m_temperature->value());
    s.sampling.topP = float(m_topP->value());
    s.sampling.topK = m_topK->value();
    s.sampling.minP = float(m_minP->value());
    s.sampling.repeatPenalty = float(m_repeatPenalty->value());
    s.maxTokens = m_maxTokens->value();
    s.sampling.seed = m_seed->value() < 0 ? kRandomSeed : quint64(m_seed->value());
    return s;
}

void SessionSettingsPanel::applyPreset(SamplingPreset preset) {
    ChatSettings s = presetChatSettings(preset);
    const ChatSettings current = chatSettings();
    s.maxTokens = current.maxTokens;       // the reply length and the seed are not part of a preset
    s.sampling.seed = current.sampling.seed;
    setValues(systemPrompt(), s);
    emitSoon();
}

void SessionSettingsPanel::onFieldEdited() {
    if (m_updating) return;
    // A hand-edited value that no longer matches the preset makes it Custom (and back).
    const SamplingPreset match = matchingPreset(chatSettings().sampling);
    m_updating = true;
    m_preset->setCurrentIndex(m_preset->findData(static_cast<int>(match)));
    m_updating = false;
    emitSoon();
}

void SessionSettingsPanel::emitSoon() {
    if (!m_updating) m_debounce->start();
}

}  // namespace tessera
