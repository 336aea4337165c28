#include "ui/model_library_dialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QVBoxLayout>

#include "app/services/model_manager.h"
#include "ui/model_info_dialog.h"
#include "ui/models/model_library_models.h"
#include "ui/theme.h"

namespace tessera {
namespace {

// Two lines per row: the name, then a muted summary (the model's SummaryRole).
class TwoLineDelegate : public QStyledItemDelegate {
public:
    TwoLineDelegate(int summaryRole, QObject* parent) : QStyledItemDelegate(parent), m_summaryRole(summaryRole) {}

    void paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        opt.text.clear();
        opt.widget->style()->drawControl(QStyle::CE_ItemViewItem, &opt, p, opt.widget);
        const ThemeColors c = theme::current();
        const bool selected = option.state & QStyle::State_Selected;
        const QRect r = option.rect.adjusted(10, 5, -10, -5);
        QFont bold = option.font;
        bold.setWeight(QFont::DemiBold);
        const QFontMetrics bm(bold);
        p->save();
        p->setFont(bold);
        p->setPen(selected ? option.palette.color(QPalette::HighlightedText) : c.text);
        p->drawText(QRect(r.left(), r.top(), r.width(), bm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                    bm.elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideRight, r.width()));
        p->setFont(option.font);
        p->setPen(selected ? option.palette.color(QPalette::HighlightedText) : c.mutedText);
        const QFontMetrics fm(option.font);
        p->drawText(QRect(r.left(), r.top() + bm.height() + 2, r.width(), fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                    fm.elidedText(index.data(m_summaryRole).toString(), Qt::ElideRight, r.width()));
        p->restore();
    }
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const override {
        return QSize(300, QFontMetrics(option.font).height() * 2 + 16);
    }

private:
    int m_summaryRole;
};

QListView* makeList(const QString& name) {
    auto* list = new QListView;
    list->setAccessibleName(name);
    list->setUniformItemSizes(true);
    list->setSelectionMode(QAbstractItemView::SingleSelection);
    list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    return list;
}

QLabel* makeDetails(const QString& name) {
    auto* label = new QLabel;
    label->setAccessibleName(name);
    label->setWordWrap(true);
    label->setTextFormat(Qt::RichText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    label->setMinimumHeight(90);
    return label;
}

QString row(const QString& label, const QString& value) {
    return QStringLiteral("<tr><td style=\"padding-right:12px\"><b>%1</b></td><td>%2</td></tr>")
        .arg(label.toHtmlEscaped(), value.toHtmlEscaped());
}

}  // namespace

ModelLibraryDialog::ModelLibraryDialog(ModelManager* manager, QWidget* parent)
    : QDialog(parent), m_manager(manager), m_local(new LocalModelListModel(this)), m_catalog(new CatalogListModel(this)) {
    setWindowTitle(tr("Model library"));
    setAccessibleName(tr("Model library"));
    resize(720, 560);

    m_tabs = new QTabWidget;
    m_tabs->setAccessibleName(tr("Model library sections"));
    m_tabs->addTab(createLocalTab(), tr("On this computer"));
    m_tabs->addTab(createCatalogTab(), tr("Download"));

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->button(QDialogButtonBox::Close)->setAccessibleName(tr("Close"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(buttons);

    connect(manager, &ModelManager::downloadProgress, this, [this](const QString& id, qint64 received, qint64 total) {
        m_catalog->setProgress(id, received, total);
        m_progress->setVisible(true);
        m_progress->setRange(0, total > 0 ? 1000 : 0);  // busy indicator while the size is unknown
        if (total > 0) m_progress->setValue(int(received * 1000 / total));
        m_downloadStatus->setText(total > 0 ? tr("Downloading: %1 of %2")
                                                  .arg(ModelInfoDialog::formatBytes(received), ModelInfoDialog::formatBytes(total))
                                            : tr("Downloading: %1").arg(ModelInfoDialog::formatBytes(received)));
        updateCatalogDetails();
    });
    connect(manager, &ModelManager::downloadFinished, this, [this](const QString& id) {
        m_catalog->setFinished(id, true);
        m_progress->hide();
        m_downloadStatus->setText(tr("Downloaded. It is now in the list of models on this computer."));
        rescan();
    });
    connect(manager, &ModelManager::downloadFailed, this, [this](const QString& id, const QString& message) {
        m_catalog->setFinished(id, false, message);
        m_progress->hide();
        m_downloadStatus->setText(tr("Download failed: %1").arg(message));
        updateCatalogDetails();
    });
    connect(manager, &ModelManager::downloadCancelled, this, [this](const QString& id) {
        m_catalog->setFinished(id, false);
        m_progress->hide();
        m_downloadStatus->setText(tr("Cancelled. What was downloaded is kept; Download resumes it."));
        updateCatalogDetails();
    });
    connect(manager, &ModelManager::modelsChanged, this, &ModelLibraryDialog::rescan);

    m_catalog->setEntries(modelCatalog(), manager);
    rescan();
}

QWidget* ModelLibraryDialog::createLocalTab() {
    auto* tab = new QWidget;
    m_folderLabel = new QLabel;
    m_folderLabel->setWordWrap(true);
    m_folderLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* rescanButton = new QPushButton(tr("Rescan"));
    rescanButton->setAccessibleName(tr("Rescan the models folder"));
    auto* openButton = new QPushButton(tr("Open a GGUF file…"));
    openButton->setAccessibleName(tr("Open a GGUF file"));
    auto* top = new QHBoxLayout;
    top->addWidget(m_folderLabel, 1);
    top->addWidget(rescanButton);
    top->addWidget(openButton);

    m_localList = makeList(tr("Models on this computer"));
    m_localList->setModel(m_local);
    m_localList->setItemDelegate(new TwoLineDelegate(LocalModelListModel::SummaryRole, m_localList));
    m_localEmpty = new QLabel(tr("No models here yet. Download one from the catalog, put .gguf files in this folder, "
                                 "or open a GGUF file from anywhere."));
    m_localEmpty->setWordWrap(true);
    m_localEmpty->setObjectName(QStringLiteral("muted"));
    m_localDetails = makeDetails(tr("Model details"));
    m_loadButton = new QPushButton(tr("Load"));
    m_loadButton->setAccessibleName(tr("Load the selected model"));
    m_loadButton->setDefault(true);
    auto* bottom = new QHBoxLayout;
    bottom->addStretch(1);
    bottom->addWidget(m_loadButton);

    auto* layout = new QVBoxLayout(tab);
    layout->addLayout(top);
    layout->addWidget(m_localList, 1);
    layout->addWidget(m_localEmpty);
    layout->addWidget(m_localDetails);
    layout->addLayout(bottom);

    connect(rescanButton, &QPushButton::clicked, this, &ModelLibraryDialog::rescan);
    connect(openButton, &QPushButton::clicked, this, &ModelLibraryDialog::openFileRequested);
    connect(m_loadButton, &QPushButton::clicked, this, &ModelLibraryDialog::loadSelectedLocal);
    connect(m_localList, &QListView::doubleClicked, this, &ModelLibraryDialog::loadSelectedLocal);
    connect(m_localList->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &ModelLibraryDialog::updateLocalDetails);
    return tab;
}

QWidget* ModelLibraryDialog::createCatalogTab() {
    auto* tab = new QWidget;
    auto* intro = new QLabel(tr("Small models that run well on a desktop. Downloading is the one thing that goes "
                                "online, and only when you ask."));
    intro->setWordWrap(true);
    m_catalogList = makeList(tr("Model catalog"));
    m_catalogList->setModel(m_catalog);
    m_catalogList->setItemDelegate(new TwoLineDelegate(CatalogListModel::SummaryRole, m_catalogList));
    m_catalogDetails = makeDetails(tr("Catalog entry details"));
    m_progress = new QProgressBar;
    m_progress->setAccessibleName(tr("Download progress"));
    m_progress->hide();
    m_downloadStatus = new QLabel;
    m_downloadStatus->setAccessibleName(tr("Download status"));
    m_downloadStatus->setWordWrap(true);
    m_downloadButton = new QPushButton(tr("Download"));
    m_downloadButton->setAccessibleName(tr("Download the selected model"));
    m_cancelButton = new QPushButton(tr("Cancel download"));
    m_cancelButton->setAccessibleName(tr("Cancel the download"));
    m_loadCatalogButton = new QPushButton(tr("Load"));
    m_loadCatalogButton->setAccessibleName(tr("Load the downloaded model"));
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_downloadStatus, 1);
    bottom->addWidget(m_cancelButton);
    bottom->addWidget(m_downloadButton);
    bottom->addWidget(m_loadCatalogButton);

    auto* layout = new QVBoxLayout(tab);
    layout->addWidget(intro);
    layout->addWidget(m_catalogList, 1);
    layout->addWidget(m_catalogDetails);
    layout->addWidget(m_progress);
    layout->addLayout(bottom);

    connect(m_catalogList->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &ModelLibraryDialog::updateCatalogDetails);
    connect(m_downloadButton, &QPushButton::clicked, this, &ModelLibraryDialog::downloadSelected);
    connect(m_cancelButton, &QPushButton::clicked, m_manager, &ModelManager::cancelDownload);
    connect(m_loadCatalogButton, &QPushButton::clicked, this, &ModelLibraryDialog::loadSelectedCatalog);
    updateCatalogDetails();
    return tab;
}

void ModelLibraryDialog::rescan() {
    m_folderLabel->setText(tr("Models folder: %1").arg(QDir::toNativeSeparators(m_manager->modelsDir())));
    m_local->setModels(m_manager->scan());
    m_catalog->refreshInstalled(m_manager);
    m_localEmpty->setVisible(m_local->rowCount() == 0);
    if (m_local->rowCount() > 0 && !m_localList->currentIndex().isValid())
        m_localList->setCurrentIndex(m_local->index(0, 0));
    updateLocalDetails();
    updateCatalogDetails();
}

void ModelLibraryDialog::updateLocalDetails() {
    const ModelDescription* d = m_local->modelAt(m_localList->currentIndex().row());
    m_loadButton->setEnabled(d && d->error.isEmpty());
    if (!d) {
        m_localDetails->clear();
        return;
    }
    if (!d->error.isEmpty()) {
        m_localDetails->setText(tr("<b>%1</b><br>This file cannot be read as a GGUF model: %2")
                                    .arg(QFileInfo(d->path).fileName().toHtmlEscaped(), d->error.toHtmlEscaped()));
        return;
    }
    QString html = QStringLiteral("<table>");
    html += row(tr("Architecture"), d->architecture);
    html += row(tr("Quantization"), d->quantization.isEmpty() ? tr("unknown") : d->quantization);
    html += row(tr("Parameters"), ModelInfoDialog::formatCount(d->parameterCount));
    html += row(tr("Training context"), tr("%1 tokens").arg(d->contextLength));
    html += row(tr("Memory"), tr("about %1 (%2)").arg(ModelInfoDialog::formatBytes(d->ramEstimateBytes),
                                                      LocalModelListModel::memoryFitText(d->fit)));
    html += row(tr("Chat template"), d->hasChatTemplate ? tr("yes") : tr("none: ChatML is used"));
    if (!d->mmprojPath.isEmpty()) html += row(tr("Projector"), QFileInfo(d->mmprojPath).fileName());
    html += row(tr("File"), QDir::toNativeSeparators(d->path));
    m_localDetails->setText(html + QStringLiteral("</table>"));
}

void ModelLibraryDialog::updateCatalogDetails() {
    const QModelIndex index = m_catalogList->currentIndex();
    const CatalogEntry* e = m_catalog->entryAt(index.row());
    const bool downloading = m_manager->isDownloading();
    const bool installed = index.isValid() && index.data(CatalogListModel::InstalledRole).toBool();
    m_downloadButton->setEnabled(e && !installed && !downloading);
    m_cancelButton->setVisible(downloading);
    m_loadCatalogButton->setEnabled(e && installed);
    if (!e) {
        m_catalogDetails->setText(tr("Choose a model to see what it is."));
        return;
    }
    QString html = QStringLiteral("<p>%1</p><table>").arg(e->description.toHtmlEscaped());
    html += row(tr("Kind"), modelKindName(e->kind));
    if (!e->quantization.isEmpty()) html += row(tr("Quantization"), e->quantization);
    if (!e->license.isEmpty()) html += row(tr("License"), e->license);
    const qint64 approx = index.data(CatalogListModel::ApproxSizeRole).toLongLong();
    if (approx > 0) html += row(tr("Download size"), QStringLiteral("~") + ModelInfoDialog::formatBytes(approx));
    html += row(tr("From"), e->model.url().toString());
    const QString error = index.data(CatalogListModel::ErrorRole).toString();
    if (!error.isEmpty()) html += row(tr("Last attempt"), error);
    m_catalogDetails->setText(html + QStringLiteral("</table>"));
}

void ModelLibraryDialog::loadSelectedLocal() {
    const ModelDescription* d = m_local->modelAt(m_localList->currentIndex().row());
    if (!d || !d->error.isEmpty()) return;
    emit loadRequested(d->path);
}

void ModelLibraryDialog::loadSelectedCatalog() {
    const CatalogEntry* e = m_catalog->entryAt(m_catalogList->currentIndex().row());
    if (e && m_manager->isInstalled(*e)) emit loadRequested(m_manager->localPath(e->model));
}

void ModelLibraryDialog::downloadSelected() {
    const CatalogEntry* e = m_catalog->entryAt(m_catalogList->currentIndex().row());
    if (!e) return;
    QDir().mkpath(m_manager->modelsDir());
    if (m_manager->download(e->id)) {
        m_downloadStatus->setText(tr("Starting the download of %1…").arg(e->displayName));
        m_progress->setRange(0, 0);
        m_progress->show();
    }
    updateCatalogDetails();
}

}  // namespace tessera
