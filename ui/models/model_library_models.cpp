#include "ui/models/model_library_models.h"

#include <QFileInfo>

#include "ui/model_info_dialog.h"

namespace tessera {

// --- LocalModelListModel ---

LocalModelListModel::LocalModelListModel(QObject* parent) : QAbstractListModel(parent) {}

int LocalModelListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_models.size());
}

QString LocalModelListModel::displayName(const ModelDescription& d) {
    const QString name = d.name.trimmed();
    if (name.isEmpty() || name.compare(d.architecture, Qt::CaseInsensitive) == 0)
        return QFileInfo(d.path).completeBaseName();
    return name;
}

QString LocalModelListModel::memoryFitText(MemoryFit fit) {
    switch (fit) {
        case MemoryFit::fits: return tr("fits in memory");
        case MemoryFit::tight: return tr("tight: close other programs");
        case MemoryFit::tooLarge: return tr("too large for this computer");
        case MemoryFit::unknown: return tr("memory fit unknown");
    }
    return QString();
}

QString LocalModelListModel::summary(const ModelDescription& d) {
    if (!d.error.isEmpty()) return tr("cannot be read: %1").arg(d.error);
    QStringList parts;
    if (!d.architecture.isEmpty()) parts << d.architecture;
    if (!d.quantization.isEmpty()) parts << d.quantization;
    if (d.parameterCount > 0) parts << tr("%1 parameters").arg(ModelInfoDialog::formatCount(d.parameterCount));
    parts << ModelInfoDialog::formatBytes(d.fileSize);
    parts << memoryFitText(d.fit);
    return parts.join(QStringLiteral(" · "));
}

QVariant LocalModelListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const ModelDescription& d = m_models.at(index.row());
    switch (role) {
        case Qt::DisplayRole: return displayName(d);
        case Qt::ToolTipRole: return d.path;
        case Qt::AccessibleTextRole: return tr("%1: %2").arg(displayName(d), summary(d));
        case PathRole: return d.path;
        case NameRole: return displayName(d);
        case ArchitectureRole: return d.architecture;
        case QuantizationRole: return d.quantization;
        case ParameterCountRole: return d.parameterCount;
        case FileSizeRole: return d.fileSize;
        case RamEstimateRole: return d.ramEstimateBytes;
        case MemoryFitRole: return static_cast<int>(d.fit);
        case ErrorRole: return d.error;
        case SummaryRole: return summary(d);
        default: return {};
    }
}

QHash<int, QByteArray> LocalModelListModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(PathRole, "path");
    names.insert(NameRole, "name");
    names.insert(ArchitectureRole, "architecture");
    names.insert(QuantizationRole, "quantization");
    names.insert(ParameterCountRole, "parameterCount");
    names.insert(FileSizeRole, "fileSize");
    names.insert(RamEstimateRole, "ramEstimate");
    names.insert(MemoryFitRole, "memoryFit");
    names.insert(ErrorRole, "error");
    names.insert(SummaryRole, "summary");
    return names;
}

void LocalModelListModel::setModels(const QList<ModelDescription>& models) {
    beginResetModel();
    m_models = models;
    endResetModel();
}

const ModelDescription* LocalModelListModel::modelAt(int row) const {
    return row >= 0 && row < m_models.size() ? &m_models[row] : nullptr;
}

// --- CatalogListModel ---

CatalogListModel::CatalogListModel(QObject* parent) : QAbstractListModel(parent) {}

int CatalogListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_items.size());
}

QVariant CatalogListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Item& item = m_items.at(index.row());
    const CatalogEntry& e = item.entry;
    const qint64 approx = e.model.approxSizeBytes + (e.mmproj ? e.mmproj->approxSizeBytes : 0);
    switch (role) {
        case Qt::DisplayRole:
        case NameRole: return e.displayName;
        case Qt::ToolTipRole: return e.description;
        case Qt::AccessibleTextRole:
            return tr("%1, %2").arg(e.displayName, item.installed ? tr("on this computer") : tr("not downloaded"));
        case IdRole: return e.id;
        case KindRole: return modelKindName(e.kind);
        case DescriptionRole: return e.description;
        case LicenseRole: return e.license;
        case ApproxSizeRole: return approx;
        case InstalledRole: return item.installed;
        case DownloadingRole: return item.downloading;
        case ReceivedRole: return item.received;
        case TotalRole: return item.total;
        case ErrorRole: return item.error;
        case SummaryRole: {
            QStringList parts{modelKindName(e.kind)};
            if (!e.quantization.isEmpty()) parts << e.quantization;
            if (approx > 0) parts << QStringLiteral("~%1").arg(ModelInfoDialog::formatBytes(approx));
            if (!e.license.isEmpty()) parts << e.license;
            if (item.installed) parts << tr("on this computer");
            return parts.join(QStringLiteral(" · "));
        }
        default: return {};
    }
}

QHash<int, QByteArray> CatalogListModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(IdRole, "entryId");
    names.insert(NameRole, "name");
    names.insert(KindRole, "kind");
    names.insert(DescriptionRole, "description");
    names.insert(LicenseRole, "license");
    names.insert(ApproxSizeRole, "approxSize");
    names.insert(InstalledRole, "installed");
    names.insert(DownloadingRole, "downloading");
    names.insert(ReceivedRole, "received");
    names.insert(TotalRole, "total");
    names.insert(ErrorRole, "error");
    names.insert(SummaryRole, "summary");
    return names;
}

void CatalogListModel::setEntries(const QList<CatalogEntry>& entries, const ModelManager* manager) {
    beginResetModel();
    m_items.clear();
    for (const CatalogEntry& e : entries) {
        Item item;
        item.entry = e;
        item.installed = manager && manager->isInstalled(e);
        m_items.append(item);
    }
    endResetModel();
}

void CatalogListModel::refreshInstalled(const ModelManager* manager) {
    for (qsizetype i = 0; i < m_items.size(); ++i) {
        const bool installed = manager && manager->isInstalled(m_items[i].entry);
        if (installed != m_items[i].installed) {
            m_items[i].installed = installed;
            changed(static_cast<int>(i));
        }
    }
}

void CatalogListModel::setProgress(const QString& id, qint64 received, qint64 total) {
    const int row = rowOfId(id);
    if (row < 0) return;
    Item& item = m_items[row];
    item.downloading = true;
    item.received = received;
    item.total = total;
    item.error.clear();
    changed(row);
}

void CatalogListModel::setFinished(const QString& id, bool installed, const QString& error) {
    const int row = rowOfId(id);
    if (row < 0) return;
    Item& item = m_items[row];
    item.downloading = false;
    item.installed = installed;
    item.error = error;
    changed(row);
}

int CatalogListModel::rowOfId(const QString& id) const {
    for (qsizetype i = 0; i < m_items.size(); ++i)
        if (m_items[i].entry.id == id) return static_cast<int>(i);
    return -1;
}

const CatalogEntry* CatalogListModel::entryAt(int row) const {
    return row >= 0 && row < m_items.size() ? &m_items[row].entry : nullptr;
}

void CatalogListModel::changed(int row) { emit dataChanged(index(row), index(row)); }

}  // namespace tessera
