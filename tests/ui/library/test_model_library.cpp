// The model library: local models described from their GGUF headers (a synthetic model and a file
// that is not a model), the catalog list with download progress / failure / completion as the
// ModelManager reports them, and loading a model from the dialog into the real window.
#include <QAbstractItemModelTester>
#include <QFile>
#include <QLabel>
#include <QListView>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>

#include "app/services/model_manager.h"
#include "tests/ui/support/ui_test_util.h"
#include "ui/chat_controller.h"
#include "ui/main_window.h"
#include "ui/model_library_dialog.h"
#include "ui/models/model_library_models.h"

using namespace tessera;

class ModelLibraryTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void localModelsAreDescribed();
    void catalogDownloadStates();
    void loadFromLibraryIntoWindow();

private:
    QTemporaryDir m_dir;
    QString m_tiny;
};

void ModelLibraryTest::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_tiny = test::writeModel(m_dir, QStringLiteral("tiny.gguf"), test::tinySpec());
    QVERIFY(!m_tiny.isEmpty());
    QFile broken(m_dir.filePath(QStringLiteral("broken.gguf")));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("this is not a GGUF file");
}

void ModelLibraryTest::localModelsAreDescribed() {
    ModelManager manager(m_dir.path());
    ModelLibraryDialog dialog(&manager);
    QAbstractItemModelTester t1(dialog.localModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(dialog.catalogModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    LocalModelListModel* local = dialog.localModel();
    QCOMPARE(local->rowCount(), 2);  // broken.gguf, tiny.gguf (sorted by path)
    int tinyRow = -1, brokenRow = -1;
    for (int r = 0; r < local->rowCount(); ++r) {
        const QString path = local->data(local->index(r, 0), LocalModelListModel::PathRole).toString();
        (path == m_tiny ? tinyRow : brokenRow) = r;
    }
    QVERIFY(tinyRow >= 0 && brokenRow >= 0);
    const QModelIndex tiny = local->index(tinyRow, 0), broken = local->index(brokenRow, 0);
    QCOMPARE(tiny.data(LocalModelListModel::ArchitectureRole).toString(), QStringLiteral("llama"));
    QCOMPARE(tiny.data(LocalModelListModel::ParameterCountRole).toLongLong() > 0, true);
    QVERIFY(tiny.data(LocalModelListModel::ErrorRole).toString().isEmpty());
    QVERIFY(tiny.data(LocalModelListModel::SummaryRole).toString().startsWith(QStringLiteral("llama")));
    QVERIFY(!broken.data(LocalModelListModel::ErrorRole).toString().isEmpty());
    QVERIFY(broken.data(LocalModelListModel::SummaryRole).toString().startsWith(QStringLiteral("cannot be read")));

    dialog.localList()->setCurrentIndex(broken);
    QVERIFY(!dialog.loadButton()->isEnabled());
    dialog.localList()->setCurrentIndex(tiny);
    QVERIFY(dialog.loadButton()->isEnabled());
    QSignalSpy load(&dialog, &ModelLibraryDialog::loadRequested);
    QTest::mouseClick(dialog.loadButton(), Qt::LeftButton);
    QCOMPARE(load.count(), 1);
    QCOMPARE(load.first().first().toString(), m_tiny);
}

void ModelLibraryTest::catalogDownloadStates() {
    QTemporaryDir modelsDir;
    ModelManager manager(modelsDir.path());
    ModelLibraryDialog dialog(&manager);
    dialog.show();
    QAbstractItemModelTester tester(dialog.catalogModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    CatalogListModel* catalog = dialog.catalogModel();
    QCOMPARE(catalog->rowCount(), int(modelCatalog().size()));
    QVERIFY(catalog->rowCount() > 0);
    QCOMPARE(dialog.localModel()->rowCount(), 0);
    dialog.tabs()->setCurrentIndex(1);
    dialog.catalogList()->setCurrentIndex(catalog->index(0, 0));
    const CatalogEntry& entry = modelCatalog().first();
    QVERIFY(!catalog->index(0, 0).data(CatalogListModel::InstalledRole).toBool());
    QVERIFY(dialog.downloadButton()->isEnabled());
    QVERIFY(!dialog.loadCatalogButton()->isEnabled());

    // The manager reports; the list and the progress bar follow (no network in this test).
    emit manager.downloadProgress(entry.id, 250, 1000);
    QVERIFY(catalog->index(0, 0).data(CatalogListModel::DownloadingRole).toBool());
    QCOMPARE(catalog->index(0, 0).data(CatalogListModel::ReceivedRole).toLongLong(), 250);
    QVERIFY(dialog.progressBar()->isVisible());
    QCOMPARE(dialog.progressBar()->value(), 250);

    emit manager.downloadFailed(entry.id, QStringLiteral("HTTP 404 Not Found for x"));
    QVERIFY(!catalog->index(0, 0).data(CatalogListModel::DownloadingRole).toBool());
    QCOMPARE(catalog->index(0, 0).data(CatalogListModel::ErrorRole).toString(), QStringLiteral("HTTP 404 Not Found for x"));
    QVERIFY(dialog.downloadStatus()->text().contains(QStringLiteral("404")));
    QVERIFY(!dialog.progressBar()->isVisible());

    // The files arrive (here: copied) and the manager reports the end: installed, loadable.
    QVERIFY(QFile::copy(m_tiny, manager.localPath(entry.model)));
    if (entry.mmproj) QVERIFY(QFile::copy(m_tiny, manager.localPath(*entry.mmproj)));
    emit manager.downloadFinished(entry.id);
    QVERIFY(catalog->index(0, 0).data(CatalogListModel::InstalledRole).toBool());
    QVERIFY(!dialog.downloadButton()->isEnabled());
    QVERIFY(dialog.loadCatalogButton()->isEnabled());
    QCOMPARE(dialog.localModel()->rowCount(), 1);  // rescanned
    QSignalSpy load(&dialog, &ModelLibraryDialog::loadRequested);
    QTest::mouseClick(dialog.loadCatalogButton(), Qt::LeftButton);
    QCOMPARE(load.count(), 1);
    QCOMPARE(load.first().first().toString(), manager.localPath(entry.model));
}

void ModelLibraryTest::loadFromLibraryIntoWindow() {
    test::TempStore store;
    MainWindow window(&store.store);
    window.setModelsDirectory(m_dir.path());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.showModelLibrary();
    auto* dialog = window.findChild<ModelLibraryDialog*>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    LocalModelListModel* local = dialog->localModel();
    for (int r = 0; r < local->rowCount(); ++r)
        if (local->data(local->index(r, 0), LocalModelListModel::PathRole).toString() == m_tiny)
            dialog->localList()->setCurrentIndex(local->index(r, 0));
    QSignalSpy loaded(window.controller(), &ChatController::modelLoaded);
    QTest::mouseClick(dialog->loadButton(), Qt::LeftButton);
    QVERIFY(loaded.wait(30000));
    QCOMPARE(window.controller()->modelInfo().path, m_tiny);
    QTRY_VERIFY(!window.findChild<ModelLibraryDialog*>());  // closed and deleted
}

QTEST_MAIN(ModelLibraryTest)
#include "test_model_library.moc"
