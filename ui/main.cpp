// tessera: the desktop app. Thin: parse the options, open the session database, show MainWindow.
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QMessageBox>
#include <QSettings>
#include <memory>

#include "app/services/session_store.h"
#include "ui/main_window.h"
#include "ui/theme.h"

namespace {

// --help and --version print and exit: they must work without a display.
bool printsOnly(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "-h" || a == "--help" || a == "--help-all" || a == "-v" || a == "--version") return true;
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    std::unique_ptr<QCoreApplication> instance;
    if (printsOnly(argc, argv)) instance = std::make_unique<QCoreApplication>(argc, argv);
    else instance = std::make_unique<QApplication>(argc, argv);
    QCoreApplication& app = *instance;
    QApplication::setApplicationName(QStringLiteral("Tessera"));
    QApplication::setOrganizationName(QStringLiteral("Tessera"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Tessera: local, offline, multimodal AI"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption modelOption({QStringLiteral("m"), QStringLiteral("model")},
                                   QStringLiteral("GGUF model to load at start."), QStringLiteral("path"));
    QCommandLineOption dbOption(QStringLiteral("db"), QStringLiteral("Session database (default: the app data folder)."),
                                QStringLiteral("path"));
    QCommandLineOption themeOption(QStringLiteral("theme"),
                                   QStringLiteral("light, dark or system (default: follow the system palette)."),
                                   QStringLiteral("name"), QStringLiteral("system"));
    parser.addOptions({modelOption, dbOption, themeOption});
    parser.process(app);

    const QString themeName = parser.value(themeOption);
    if (themeName == QLatin1String("dark") || themeName == QLatin1String("light")) {
        QApplication::setStyle(QStringLiteral("Fusion"));
        QApplication::setPalette(themeName == QLatin1String("dark") ? tessera::theme::darkPalette()
                                                                     : tessera::theme::lightPalette());
    }

    tessera::SessionStore store;
    const QString dbPath = parser.isSet(dbOption) ? parser.value(dbOption) : tessera::SessionStore::defaultDatabasePath();
    const tessera::Status opened = store.open(dbPath);
    if (!opened.is_ok()) {
        QMessageBox::critical(nullptr, QStringLiteral("Tessera"),
                              QStringLiteral("Cannot open the session database %1:\n%2")
                                  .arg(dbPath, QString::fromStdString(opened.to_string())));
        return 1;
    }

    tessera::MainWindow window(&store);
    QSettings settings;
    QObject::connect(&window, &tessera::MainWindow::modelOpened, &window,
                     [&settings](const QString& path) { settings.setValue(QStringLiteral("model/lastPath"), path); });
    window.show();

    // The model given on the command line, else the last one opened.
    QString model = parser.value(modelOption);
    if (model.isEmpty()) model = settings.value(QStringLiteral("model/lastPath")).toString();
    if (!model.isEmpty() && QFileInfo::exists(model)) window.openModelFile(model);

    return QApplication::exec();
}
