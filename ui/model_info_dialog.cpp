#include "ui/model_info_dialog.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

namespace tessera {

QString modelDisplayName(const ModelInfo& info) {
    const QString name = info.name.trimmed();
    if (name.isEmpty() || name.compare(info.architecture, Qt::CaseInsensitive) == 0)
        return QFileInfo(info.path).completeBaseName();
    return name;
}

QString ModelInfoDialog::formatCount(qint64 n) {
    if (n >= 1000000000) return QStringLiteral("%1B").arg(n / 1e9, 0, 'f', n >= 10000000000 ? 1 : 2);
    if (n >= 1000000) return QStringLiteral("%1M").arg(n / 1e6, 0, 'f', n >= 100000000 ? 0 : 1);
    if (n >= 1000) return QStringLiteral("%1K").arg(n / 1e3, 0, 'f', n >= 100000 ? 0 : 1);
    return QString::number(n);
}

QString ModelInfoDialog::formatBytes(qint64 bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    return u == 0 ? QStringLiteral("%1 B").arg(bytes) : QStringLiteral("%1 %2").arg(v, 0, 'f', 1).arg(QLatin1String(units[u]));
}

ModelInfoDialog::ModelInfoDialog(const ModelInfo& info, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Model information"));
    setAccessibleName(tr("Model information"));
    auto* form = new QFormLayout;
    auto add = [form](const QString& label, const QString& value) {
        auto* v = new QLabel(value);
        v->setTextInteractionFlags(Qt::TextSelectableByMouse);
        v->setAccessibleName(label);
        v->setWordWrap(true);
        form->addRow(label, v);
    };
    add(tr("Name"), info.name.isEmpty() ? tr("(not set in the file)") : info.name);
    add(tr("Architecture"), info.architecture);
    add(tr("Parameters"), formatCount(info.parameterCount));
    add(tr("Vocabulary"), QLocale().toString(info.nVocab));
    add(tr("Training context"), tr("%1 tokens").arg(QLocale().toString(info.nCtxTrain)));
    add(tr("Context window"), tr("%1 tokens").arg(QLocale().toString(info.nCtx)));
    add(tr("KV cache"), formatBytes(info.kvCacheBytes));
    add(tr("File size"), formatBytes(info.fileSize));
    add(tr("Chat template"), info.hasChatTemplate ? tr("from the model file")
                                                  : tr("none in the file: ChatML is used instead"));
    add(tr("File"), info.path);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    QPushButton* another = buttons->addButton(tr("Open another model…"), QDialogButtonBox::ActionRole);
    another->setAccessibleName(tr("Open another model"));
    buttons->button(QDialogButtonBox::Close)->setAccessibleName(tr("Close"));
    connect(another, &QPushButton::clicked, this, [this] {
        accept();
        emit openAnotherRequested();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
    setMinimumWidth(460);
}

}  // namespace tessera
