#pragma once
// The two lists of the model library dialog:
//   LocalModelListModel — GGUF models found in the models folder (ModelManager::scan()), described
//                         from their headers (nothing loaded).
//   CatalogListModel    — the curated catalog (modelCatalog()), with whether each entry is on
//                         this computer and the progress of its download.
#include <QAbstractListModel>
#include <QHash>
#include <QList>

#include "app/services/model_manager.h"

namespace tessera {

class LocalModelListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        PathRole = Qt::UserRole + 1,
        NameRole,
        ArchitectureRole,
        QuantizationRole,
        ParameterCountRole,
        FileSizeRole,
        RamEstimateRole,
        MemoryFitRole,  // MemoryFit as int
        ErrorRole,      // non-empty: not a readable GGUF
        SummaryRole,    // "llama · Q4_K_M · 1.2B parameters · 700 MiB · fits in memory"
    };

    explicit LocalModelListModel(QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setModels(const QList<ModelDescription>& models);
    const QList<ModelDescription>& models() const { return m_models; }
    const ModelDescription* modelAt(int row) const;

    static QString displayName(const ModelDescription& d);
    static QString summary(const ModelDescription& d);
    static QString memoryFitText(MemoryFit fit);

private:
    QList<ModelDescription> m_models;
};

class CatalogListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        NameRole,
        KindRole,          // "chat", "vision", ...
        DescriptionRole,
        LicenseRole,
        ApproxSizeRole,
        InstalledRole,
        DownloadingRole,
        ReceivedRole,
        TotalRole,         // -1 while unknown
        ErrorRole,         // the last download failure, empty otherwise
        SummaryRole,       // "chat · Q4_K_M · ~0.4 GB · Apache-2.0"
    };

    explicit CatalogListModel(QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Fills the list from `entries`, asking `manager` which ones are installed.
    void setEntries(const QList<CatalogEntry>& entries, const ModelManager* manager);
    void refreshInstalled(const ModelManager* manager);
    void setProgress(const QString& id, qint64 received, qint64 total);
    void setFinished(const QString& id, bool installed, const QString& error = QString());
    int rowOfId(const QString& id) const;
    const CatalogEntry* entryAt(int row) const;

private:
    struct Item {
        CatalogEntry entry;
        bool installed = false;
        bool downloading = false;
        qint64 received = 0;
        qint64 total = -1;
        QString error;
    };
    void changed(int row);
    QList<Item> m_items;
};

}  // namespace tessera
