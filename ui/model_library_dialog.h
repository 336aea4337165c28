#pragma once
// ModelLibraryDialog: the models on this computer (the models folder, described from their GGUF
// headers: architecture, quantization, parameters, size, whether they fit in memory) and the
// curated catalog, downloadable with progress and cancel (ModelManager). "Load" asks MainWindow to
// load the chosen file on the inference thread.
#include <QDialog>

class QLabel;
class QListView;
class QProgressBar;
class QPushButton;
class QTabWidget;

namespace tessera {

class CatalogListModel;
class LocalModelListModel;
class ModelManager;

class ModelLibraryDialog : public QDialog {
    Q_OBJECT
public:
    explicit ModelLibraryDialog(ModelManager* manager, QWidget* parent = nullptr);

    LocalModelListModel* localModel() const { return m_local; }
    CatalogListModel* catalogModel() const { return m_catalog; }
    QListView* localList() const { return m_localList; }
    QListView* catalogList() const { return m_catalogList; }
    QPushButton* loadButton() const { return m_loadButton; }
    QPushButton* downloadButton() const { return m_downloadButton; }
    QPushButton* cancelButton() const { return m_cancelButton; }
    QPushButton* loadCatalogButton() const { return m_loadCatalogButton; }
    QProgressBar* progressBar() const { return m_progress; }
    QLabel* downloadStatus() const { return m_downloadStatus; }
    QTabWidget* tabs() const { return m_tabs; }

public slots:
    void rescan();

signals:
    void loadRequested(const QString& path);
    void openFileRequested();

private:
    QWidget* createLocalTab();
    QWidget* createCatalogTab();
    void updateLocalDetails();
    void updateCatalogDetails();
    void loadSelectedLocal();
    void loadSelectedCatalog();
    void downloadSelected();

    ModelManager* m_manager;
    LocalModelListModel* m_local;
    CatalogListModel* m_catalog;
    QTabWidget* m_tabs = nullptr;
    QLabel* m_folderLabel = nullptr;
    QListView* m_localList = nullptr;
    QLabel* m_localEmpty = nullptr;
    QLabel* m_localDetails = nullptr;
    QPushButton* m_loadButton = nullptr;
    QListView* m_catalogList = nullptr;
    QLabel* m_catalogDetails = nullptr;
    QPushButton* m_downloadButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QPushButton* m_loadCatalogButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_downloadStatus = nullptr;
};

}  // namespace tessera
