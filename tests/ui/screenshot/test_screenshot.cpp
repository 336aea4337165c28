// The real window with a real conversation on the stories260K fixture (greedy, a few dozen
// tokens), saved as PNG artefacts in <build>/artifacts/ (light and dark palette) for people to
// look at. Skips when the fixture is absent.
#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QSignalSpy>
#include <QTest>

#include "tests/ui/support/ui_test_util.h"
#include "ui/chat/chat_input.h"
#include "ui/chat/chat_pane.h"
#include "ui/chat/message_list_view.h"
#include "ui/chat/markdown_view.h"
#include "ui/chat/message_widget.h"
#include "ui/chat_controller.h"
#include "app/services/model_manager.h"
#include "ui/main_window.h"
#include "ui/model_library_dialog.h"
#include "ui/models/model_library_models.h"
#include <QListView>
#include <QTabWidget>
#include "ui/models/message_list_model.h"
#include "ui/theme.h"

using namespace tessera;

namespace {

// Distinct colours in a coarse sample: a blank or single-colour grab has very few.
int distinctColours(const QImage& image) {
    QSet<QRgb> seen;
    for (int y = 0; y < image.height(); y += 7)
        for (int x = 0; x < image.width(); x += 7) seen.insert(image.pixel(x, y));
    return static_cast<int>(seen.size());
}

bool saveGrab(QWidget* window, const QString& path) {
    QApplication::processEvents();
    const QImage image = window->grab().toImage();
    if (image.isNull() || distinctColours(image) < 20) return false;
    return image.save(path, "PNG");
}

}  // namespace

class ScreenshotTest : public QObject {
    Q_OBJECT
private slots:
    void chatWindowWithStories260K();
    void markdownRenderingAndSettingsPanel();
    void modelLibraryDialog();
};

void ScreenshotTest::chatWindowWithStories260K() {
    const QString model = test::storiesModelPath();
    if (!QFileInfo::exists(model)) QSKIP(qPrintable(QStringLiteral("fixture absent: %1").arg(model)));
    const QString outDir = QDir(QStringLiteral(TESSERA_BINARY_DIR)).filePath(QStringLiteral("artifacts"));
    QVERIFY(QDir().mkpath(outDir));

    QApplication::setStyle(QStringLiteral("Fusion"));
    QApplication::setPalette(theme::lightPalette());
    test::TempStore store;
    MainWindow window(&store.store);
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    ChatController* controller = window.controller();

    QSignalSpy loaded(controller, &ChatController::modelLoaded);
    window.openModelFile(model);
    QVERIFY(loaded.wait(60000));

    ChatSettings greedy = presetChatSettings(SamplingPreset::precise);
    greedy.preset = SamplingPreset::custom;
    greedy.sampling.temperature = 0.0f;
    greedy.maxTokens = 40;
    QVERIFY(controller->setSessionSettings(QString(), greedy));

    ChatInput* input = window.chatPane()->input();
    for (const QString& prompt : {QStringLiteral("Once upon a time"), QStringLiteral("What did the little girl find?")}) {
        QTest::keyClicks(input, prompt);
        QTest::keyClick(input, Qt::Key_Return);
        QVERIFY(controller->isGenerating());
        QVERIFY(QTest::qWaitFor([controller] { return !controller->isGenerating(); }, 120000));
    }
    MessageListModel* messages = controller->messageModel();
    QCOMPARE(messages->rowCount(), 4);
    for (int row : {1, 3}) {
        const MessageEntry& reply = messages->messages().at(row);
        QCOMPARE(reply.record.state, MessageState::complete);
        QVERIFY(!reply.record.content.trimmed().isEmpty());
        QVERIFY(reply.record.nGenTokens > 0 && reply.record.nGenTokens <= 40);
        qInfo("reply %d: %s", row, qPrintable(reply.record.content));
    }
    QTest::qWait(200);  // the last coalesced render and the scroll to the bottom

    const QString light = QDir(outDir).filePath(QStringLiteral("chat_window.png"));
    QVERIFY(saveGrab(&window, light));
    qInfo("screenshot: %s", qPrintable(light));

    QApplication::setPalette(theme::darkPalette());
    QTest::qWait(200);
    const QString dark = QDir(outDir).filePath(QStringLiteral("chat_window_dark.png"));
    QVERIFY(saveGrab(&window, dark));
    qInfo("screenshot: %s", qPrintable(dark));
}

// Not a conversation with a model: a stored reply written here, to look at how Markdown renders
// (heading, list, inline code, a code block with its Copy link, a table) with the settings open.
void ScreenshotTest::markdownRenderingAndSettingsPanel() {
    const QString outDir = QDir(QStringLiteral(TESSERA_BINARY_DIR)).filePath(QStringLiteral("artifacts"));
    QVERIFY(QDir().mkpath(outDir));
    QApplication::setStyle(QStringLiteral("Fusion"));
    QApplication::setPalette(theme::lightPalette());
    test::TempStore store;
    for (const char* title : {"Trip to Lisbon", "Sourdough schedule", "Rust lifetimes"})
        QVERIFY(store.store.createSession(QString::fromUtf8(title)).is_ok());
    const qint64 id = store.store.createSession(QStringLiteral("Reverse a list in Python")).value();
    NewMessage user;
    user.content = QStringLiteral("How do I reverse a list in Python? Compare the ways.");
    const qint64 userId = store.store.addMessage(id, 0, user).value();
    NewMessage reply;
    reply.role = MessageRole::assistant;
    reply.model = QStringLiteral("Example model");
    reply.content = QStringLiteral(
        "## Three ways\n\n"
        "1. `reversed(xs)` returns an **iterator**\n"
        "2. `xs[::-1]` makes a *copy*\n"
        "3. `xs.reverse()` works in place\n\n"
        "```python\nxs = [1, 2, 3]\nxs.reverse()\nprint(xs)  # [3, 2, 1]\n```\n\n"
        "| way | copies | returns |\n|---|---|---|\n| `reversed` | no | iterator |\n"
        "| slice | yes | list |\n| `reverse()` | no | `None` |\n");
    QVERIFY(store.store.addMessage(id, userId, reply).is_ok());

    MainWindow window(&store.store);
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(window.controller()->activeSessionId(), id);
    window.chatPane()->setSettingsVisible(true);
    MessageWidget* rendered = window.chatPane()->messageView()->messageWidgetAt(1);
    QVERIFY(rendered);
    QCOMPARE(rendered->body()->codeBlocks().size(), 1);
    QTest::qWait(200);
    const QString path = QDir(outDir).filePath(QStringLiteral("markdown_rendering.png"));
    QVERIFY(saveGrab(&window, path));
    qInfo("screenshot: %s", qPrintable(path));
}

// The model library with the stories260K fixture in its folder, and the catalog tab.
void ScreenshotTest::modelLibraryDialog() {
    const QString model = test::storiesModelPath();
    if (!QFileInfo::exists(model)) QSKIP(qPrintable(QStringLiteral("fixture absent: %1").arg(model)));
    const QString outDir = QDir(QStringLiteral(TESSERA_BINARY_DIR)).filePath(QStringLiteral("artifacts"));
    QApplication::setPalette(theme::lightPalette());
    QTemporaryDir modelsDir;
    QVERIFY(QFile::copy(model, modelsDir.filePath(QStringLiteral("stories260K.gguf"))));
    ModelManager manager(modelsDir.path());
    ModelLibraryDialog dialog(&manager);
    dialog.resize(720, 560);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QCOMPARE(dialog.localModel()->rowCount(), 1);
    QVERIFY(saveGrab(&dialog, QDir(outDir).filePath(QStringLiteral("model_library.png"))));
    dialog.tabs()->setCurrentIndex(1);
    dialog.catalogList()->setCurrentIndex(dialog.catalogModel()->index(0, 0));
    QVERIFY(saveGrab(&dialog, QDir(outDir).filePath(QStringLiteral("model_catalog.png"))));
}

QTEST_MAIN(ScreenshotTest)
#include "test_screenshot.moc"
