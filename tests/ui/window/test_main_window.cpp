// The real MainWindow on the offscreen platform, driven through its widgets and keys, with a real
// InferenceWorker thread and synthetic models: keyboard shortcuts, a live event loop while tokens
// stream, branch navigation after an edit, delete + undo, search, settings, accessibility, theme.
#include <QAbstractItemModelTester>
#include <QAbstractSpinBox>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabBar>
#include <QTabWidget>
#include <QTest>
#include <QTimer>
#include <QToolButton>

#include "tests/ui/support/ui_test_util.h"
#include "ui/chat/chat_input.h"
#include "ui/chat/chat_pane.h"
#include "ui/chat/markdown_view.h"
#include "ui/chat/message_list_view.h"
#include "ui/chat/message_widget.h"
#include "ui/chat/session_settings_panel.h"
#include "ui/chat_controller.h"
#include "ui/main_window.h"
#include "ui/models/message_list_model.h"
#include "ui/models/search_result_model.h"
#include "ui/models/session_list_model.h"
#include "ui/sidebar/session_sidebar.h"
#include "ui/theme.h"

using namespace tessera;

class MainWindowTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void layoutTabsAndStatusBar();
    void enterSendsShiftEnterAddsLine();
    void shortcutsNewChatSearchFocus();
    void escapeStopsGeneration();
    void eventLoopKeepsTurningWhileStreaming();
    void branchNavigationAfterEdit();
    void deleteAndUndoFromSidebar();
    void renameInSidebar();
    void searchShowsSnippetsAndOpensChat();
    void settingsPanelSavesToSession();
    void everyControlHasAnAccessibleName();
    void themeFollowsPaletteChanges();

private:
    void makeWindow();
    bool loadModel(const QString& path, ModelSettings settings = {});
    bool waitForReply(int timeoutMs = 60000);
    qint64 addSession(const QString& title, const QString& userText);
    ChatController* controller() const { return m_window->controller(); }
    ChatPane* pane() const { return m_window->chatPane(); }

    QTemporaryDir m_modelDir;
    QString m_tinyModel;
    QString m_slowModel;
    std::unique_ptr<test::TempStore> m_store;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<QAbstractItemModelTester> m_testers[3];
};

void MainWindowTest::initTestCase() {
    QVERIFY(m_modelDir.isValid());
    m_tinyModel = test::writeModel(m_modelDir, QStringLiteral("tiny.gguf"), test::tinySpec());
    m_slowModel = test::writeModel(m_modelDir, QStringLiteral("slow.gguf"), test::slowSpec());
    QVERIFY(!m_tinyModel.isEmpty() && !m_slowModel.isEmpty());
}

void MainWindowTest::init() { m_store = std::make_unique<test::TempStore>(); }

void MainWindowTest::cleanup() {
    for (auto& t : m_testers) t.reset();
    m_window.reset();
    m_store.reset();
}

void MainWindowTest::makeWindow() {
    m_window = std::make_unique<MainWindow>(&m_store->store);
    m_window->resize(1100, 720);
    m_window->show();
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    using Mode = QAbstractItemModelTester::FailureReportingMode;
    m_testers[0] = std::make_unique<QAbstractItemModelTester>(controller()->sessionModel(), Mode::QtTest);
    m_testers[1] = std::make_unique<QAbstractItemModelTester>(controller()->messageModel(), Mode::QtTest);
    m_testers[2] = std::make_unique<QAbstractItemModelTester>(controller()->searchModel(), Mode::QtTest);
    controller()->setRequestAdjuster([](GenerationRequest& r) { test::banBytes(r, false); });
}

bool MainWindowTest::loadModel(const QString& path, ModelSettings settings) {
    controller()->setModelSettings(settings);
    QSignalSpy loaded(controller(), &ChatController::modelLoaded);
    m_window->openModelFile(path);
    return loaded.wait(60000);
}

bool MainWindowTest::waitForReply(int timeoutMs) {
    return QTest::qWaitFor([this] { return !controller()->isGenerating(); }, timeoutMs);
}

qint64 MainWindowTest::addSession(const QString& title, const QString& userText) {
    auto id = m_store->store.createSession(title);
    if (!id) return 0;
    NewMessage m;
    m.content = userText;
    (void)m_store->store.addMessage(*id, 0, m);
    return *id;
}

void MainWindowTest::layoutTabsAndStatusBar() {
    makeWindow();
    QTabWidget* tabs = m_window->paneTabs();
    QCOMPARE(tabs->count(), 4);
    QStringList names;
    for (int i = 0; i < tabs->count(); ++i) names << tabs->tabText(i);
    QCOMPARE(names, QStringList({"Chat", "Image", "Audio", "Documents"}));
    QCOMPARE(tabs->currentWidget(), pane());
    QVERIFY(m_window->sidebar()->isVisible());
    QCOMPARE(m_window->speedLabel()->text(), QStringLiteral("— tok/s"));
    // A first chat exists and the input has the focus.
    QCOMPARE(controller()->sessionModel()->rowCount(), 1);
    QVERIFY(controller()->activeSessionId() > 0);
    QCOMPARE(QApplication::focusWidget(), pane()->input());
    QVERIFY(!pane()->sendButton()->isEnabled());  // no model yet

    QVERIFY(loadModel(m_tinyModel));
    QVERIFY(m_window->modelLabel()->text().contains(QStringLiteral("llama")));
    QTRY_COMPARE(m_window->contextLabel()->text(), QStringLiteral("Context 0 / %1").arg(QLocale().toString(2048)));
    QVERIFY(pane()->modelButton()->text().size() > 0);
}

void MainWindowTest::enterSendsShiftEnterAddsLine() {
    makeWindow();
    QVERIFY(loadModel(m_tinyModel));
    ChatInput* input = pane()->input();
    input->setFocus();
    QTest::keyClicks(input, QStringLiteral("first line"));
    QTest::keyClick(input, Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(input, QStringLiteral("second line"));
    QCOMPARE(controller()->messageModel()->rowCount(), 0);
    QVERIFY(pane()->sendButton()->isEnabled());
    QTest::keyClick(input, Qt::Key_Return);
    QCOMPARE(controller()->messageModel()->rowCount(), 2);
    QCOMPARE(controller()->messageModel()->messages().first().record.content,
             QStringLiteral("first line\nsecond line"));
    QVERIFY(input->toPlainText().isEmpty());
    QVERIFY(pane()->stopButton()->isVisible());
    QVERIFY(!pane()->sendButton()->isVisible());
    QVERIFY(waitForReply());
    QVERIFY(!pane()->stopButton()->isVisible());
    // The reply is on screen, rendered.
    MessageWidget* reply = pane()->messageView()->messageWidgetAt(1);
    QVERIFY(reply);
    QVERIFY(!reply->body()->toPlainText().isEmpty());
    QCOMPARE(reply->body()->toPlainText().trimmed(), reply->content().trimmed());
    QVERIFY(m_window->speedLabel()->text().contains(QStringLiteral("tok/s")));
    QVERIFY(m_window->speedLabel()->text() != QStringLiteral("— tok/s"));
}

void MainWindowTest::shortcutsNewChatSearchFocus() {
    addSession(QStringLiteral("Existing"), QStringLiteral("hello"));
    makeWindow();
    const qint64 first = controller()->activeSessionId();
    QCOMPARE(controller()->messageModel()->rowCount(), 1);

    QTest::keyClick(pane()->input(), Qt::Key_N, Qt::ControlModifier);
    QVERIFY(controller()->activeSessionId() != first);
    QCOMPARE(controller()->sessionModel()->rowCount(), 2);
    QCOMPARE(controller()->messageModel()->rowCount(), 0);
    QCOMPARE(QApplication::focusWidget(), pane()->input());
    // A second Ctrl+N on the still empty chat does not pile up empty chats.
    QTest::keyClick(pane()->input(), Qt::Key_N, Qt::ControlModifier);
    QCOMPARE(controller()->sessionModel()->rowCount(), 2);

    QTest::keyClick(pane()->input(), Qt::Key_K, Qt::ControlModifier);
    QCOMPARE(QApplication::focusWidget(), m_window->sidebar()->searchBox());
    QTest::keyClick(m_window->sidebar()->searchBox(), Qt::Key_L, Qt::ControlModifier);
    QCOMPARE(QApplication::focusWidget(), pane()->input());

    QVERIFY(!pane()->settingsPanel()->isVisible());
    QTest::keyClick(pane()->input(), Qt::Key_Comma, Qt::ControlModifier);
    QVERIFY(pane()->settingsPanel()->isVisible());
    QVERIFY(pane()->settingsButton()->isChecked());
    QTest::keyClick(pane()->input(), Qt::Key_Comma, Qt::ControlModifier);
    QVERIFY(!pane()->settingsPanel()->isVisible());
}

void MainWindowTest::escapeStopsGeneration() {
    makeWindow();
    QVERIFY(loadModel(m_tinyModel));
    controller()->setRequestAdjuster([](GenerationRequest& r) {
        test::banBytes(r, true);
        r.maxTokens = 0;  // until the context is full unless stopped
    });
    QVERIFY(!m_window->stopAction()->isEnabled());
    QTest::keyClicks(pane()->input(), QStringLiteral("go on forever"));
    QTest::keyClick(pane()->input(), Qt::Key_Return);
    QVERIFY(m_window->stopAction()->isEnabled());
    const qint64 replyId = controller()->streamingMessageId();
    QVERIFY(QTest::qWaitFor(
        [&] { return !controller()->messageModel()->entry(replyId)->record.content.isEmpty(); }, 30000));
    QTest::keyClick(pane()->input(), Qt::Key_Escape);
    QVERIFY(waitForReply(30000));
    QCOMPARE(controller()->messageModel()->entry(replyId)->record.state, MessageState::interrupted);
    QCOMPARE(m_store->store.message(replyId)->state, MessageState::interrupted);
    QVERIFY(m_store->store.message(replyId)->nGenTokens < 2000);
}

void MainWindowTest::eventLoopKeepsTurningWhileStreaming() {
    makeWindow();
    ModelSettings oneThread;
    oneThread.nThreads = 1;
    QVERIFY(loadModel(m_slowModel, oneThread));
    controller()->setRequestAdjuster([](GenerationRequest& r) {
        test::banBytes(r, true);
        r.maxTokens = 400;
    });

    // A 10 ms timer on the GUI thread: while tokens stream it must keep firing.
    QElapsedTimer clock;
    clock.start();
    QList<qint64> ticks;
    bool sawPartialText = false;
    QTimer timer;
    timer.setInterval(10);
    connect(&timer, &QTimer::timeout, this, [&] {
        if (!controller()->isGenerating()) return;
        ticks << clock.elapsed();
        MessageWidget* reply = pane()->messageView()->messageWidgetAt(1);
        if (reply && !reply->body()->toPlainText().isEmpty()) sawPartialText = true;
    });
    timer.start();

    QTest::keyClicks(pane()->input(), QStringLiteral("Tell me a long story"));
    const qint64 start = clock.elapsed();
    QTest::keyClick(pane()->input(), Qt::Key_Return);
    QVERIFY(controller()->isGenerating());
    QVERIFY(waitForReply(120000));
    const qint64 duration = clock.elapsed() - start;
    timer.stop();

    QVERIFY2(duration > 400, qPrintable(QStringLiteral("the reply took only %1 ms: too short to tell").arg(duration)));
    QVERIFY(ticks.size() > 10);
    qint64 maxGap = ticks.first() - start;
    for (qsizetype i = 1; i < ticks.size(); ++i) maxGap = qMax(maxGap, ticks[i] - ticks[i - 1]);
    qInfo("reply: %lld ms, %lld timer ticks, largest gap %lld ms", duration, qint64(ticks.size()), maxGap);
    QVERIFY2(maxGap < 200, qPrintable(QStringLiteral("the event loop stalled for %1 ms").arg(maxGap)));
    QVERIFY(sawPartialText);  // the text appeared while it streamed, not only at the end
    QCOMPARE(m_store->store.message(controller()->messageModel()->lastId())->nGenTokens, 400);
}

void MainWindowTest::branchNavigationAfterEdit() {
    makeWindow();
    QVERIFY(loadModel(m_tinyModel));
    QTest::keyClicks(pane()->input(), QStringLiteral("original question"));
    QTest::keyClick(pane()->input(), Qt::Key_Return);
    QVERIFY(waitForReply());
    MessageListView* view = pane()->messageView();
    MessageWidget* user = view->messageWidgetAt(0);
    QVERIFY(user);
    QVERIFY(!user->branchLabel()->isVisible());  // one version: no ‹ 1/1 ›

    QTest::mouseClick(user->editButton(), Qt::LeftButton);
    QVERIFY(user->isEditing());
    user->editor()->selectAll();
    QTest::keyClicks(user->editor(), QStringLiteral("edited question"));
    QTest::keyClick(user->editor(), Qt::Key_Return);
    QVERIFY(controller()->isGenerating());
    QVERIFY(waitForReply());
    QTRY_VERIFY(view->messageWidgetAt(0) && view->messageWidgetAt(0)->content() == QStringLiteral("edited question"));

    user = view->messageWidgetAt(0);
    QCOMPARE(user->branchLabel()->text(), QStringLiteral("2 / 2"));
    QVERIFY(user->branchLabel()->isVisible());
    QVERIFY(user->previousButton()->isEnabled());
    QVERIFY(!user->nextButton()->isEnabled());
    QTest::mouseClick(user->previousButton(), Qt::LeftButton);
    QTRY_COMPARE(view->messageWidgetAt(0)->content(), QStringLiteral("original question"));
    user = view->messageWidgetAt(0);
    QCOMPARE(user->branchLabel()->text(), QStringLiteral("1 / 2"));
    QTest::mouseClick(user->nextButton(), Qt::LeftButton);
    QTRY_COMPARE(view->messageWidgetAt(0)->content(), QStringLiteral("edited question"));

    // Esc in the editor cancels the edit (it does not stop anything).
    user = view->messageWidgetAt(0);
    QTest::mouseClick(user->editButton(), Qt::LeftButton);
    QVERIFY(user->isEditing());
    QTest::keyClick(user->editor(), Qt::Key_Escape);
    QVERIFY(!user->isEditing());
}

void MainWindowTest::deleteAndUndoFromSidebar() {
    const qint64 a = addSession(QStringLiteral("Alpha"), QStringLiteral("first"));
    const qint64 b = addSession(QStringLiteral("Beta"), QStringLiteral("second"));
    makeWindow();
    SessionSidebar* sidebar = m_window->sidebar();
    QListView* list = sidebar->sessionList();
    SessionListModel* sessions = controller()->sessionModel();
    QCOMPARE(sessions->rowCount(), 2);

    list->setFocus();
    list->setCurrentIndex(sessions->index(sessions->rowOfId(b), 0));
    QCOMPARE(controller()->activeSessionId(), b);  // selecting a row opens it
    QTest::keyClick(list, Qt::Key_Delete);
    QCOMPARE(sessions->rowCount(), 1);
    QCOMPARE(sessions->rowOfId(b), -1);
    QCOMPARE(controller()->activeSessionId(), a);
    QVERIFY(sidebar->undoBar()->isVisible());
    QVERIFY(m_store->store.session(b)->deletedAt > 0);

    QTest::mouseClick(sidebar->undoButton(), Qt::LeftButton);
    QCOMPARE(sessions->rowCount(), 2);
    QCOMPARE(controller()->activeSessionId(), b);
    QCOMPARE(m_store->store.session(b)->deletedAt, 0);
    QVERIFY(!sidebar->undoBar()->isVisible());
    QCOMPARE(list->currentIndex().data(SessionListModel::IdRole).toLongLong(), b);

    // Ctrl+Z in the list undoes a delete too.
    list->setFocus();
    QTest::keyClick(list, Qt::Key_Delete);
    QCOMPARE(sessions->rowCount(), 1);
    QTest::keyClick(list, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(sessions->rowCount(), 2);
}

void MainWindowTest::renameInSidebar() {
    const qint64 id = addSession(QStringLiteral("Before"), QStringLiteral("x"));
    makeWindow();
    QListView* list = m_window->sidebar()->sessionList();
    QTest::keyClick(pane()->input(), Qt::Key_F2);
    auto* editor = list->viewport()->findChild<QLineEdit*>();
    QVERIFY(editor);
    QTRY_VERIFY(editor->hasFocus());
    editor->selectAll();
    QTest::keyClicks(editor, QStringLiteral("After"));
    QTest::keyClick(editor, Qt::Key_Return);
    QTRY_COMPARE(m_store->store.session(id)->title, QStringLiteral("After"));
    QCOMPARE(pane()->findChild<QLabel*>(QStringLiteral("chatTitle"))->text(), QStringLiteral("After"));
}

void MainWindowTest::searchShowsSnippetsAndOpensChat() {
    const qint64 fox = addSession(QStringLiteral("Foxes"), QStringLiteral("the quick brown fox jumps"));
    addSession(QStringLiteral("Dogs"), QStringLiteral("the lazy dog sleeps"));
    makeWindow();
    QCOMPARE(controller()->activeSessionId() != fox, true);  // the newest (Dogs) opened first
    SessionSidebar* sidebar = m_window->sidebar();
    QTest::keyClick(pane()->input(), Qt::Key_K, Qt::ControlModifier);
    QTest::keyClicks(sidebar->searchBox(), QStringLiteral("brow"));  // a prefix matches
    QTRY_VERIFY(sidebar->isShowingSearchResults());
    QTRY_VERIFY(sidebar->resultList()->isVisible());
    SearchResultModel* results = controller()->searchModel();
    QCOMPARE(results->rowCount(), 1);
    QVERIFY(results->data(results->index(0, 0), SearchResultModel::SnippetHtmlRole).toString().contains("<b>brown</b>"));
    const QRect rect = sidebar->resultList()->visualRect(results->index(0, 0));
    QTest::mouseClick(sidebar->resultList()->viewport(), Qt::LeftButton, {}, rect.center());
    QCOMPARE(controller()->activeSessionId(), fox);

    QTest::keyClicks(sidebar->searchBox(), QStringLiteral("nothing-like-this"));
    sidebar->runSearch();
    QCOMPARE(results->rowCount(), 0);
    QTest::keyClick(sidebar->searchBox(), Qt::Key_Escape);  // clears the search
    QVERIFY(sidebar->searchBox()->text().isEmpty());
    QVERIFY(!sidebar->isShowingSearchResults());
}

void MainWindowTest::settingsPanelSavesToSession() {
    addSession(QStringLiteral("Configured"), QStringLiteral("x"));
    makeWindow();
    const qint64 id = controller()->activeSessionId();
    pane()->setSettingsVisible(true);
    SessionSettingsPanel* panel = pane()->settingsPanel();
    QVERIFY(panel->isVisible());
    QComboBox* preset = panel->presetBox();
    preset->setFocus();
    // Choose "Precise" the way a user does: open the box and pick it with the keyboard.
    const int precise = preset->findText(QStringLiteral("Precise"));
    preset->setCurrentIndex(precise);
    emit preset->activated(precise);
    panel->systemPromptEdit()->setPlainText(QStringLiteral("Answer in French."));
    QTRY_COMPARE(m_store->store.session(id)->settings.sampling.value("preset").toString(), QStringLiteral("precise"));
    QTRY_COMPARE(m_store->store.session(id)->settings.systemPrompt, QStringLiteral("Answer in French."));
    QCOMPARE(controller()->activeChatSettings().sampling.temperature,
             presetChatSettings(SamplingPreset::precise).sampling.temperature);

    // Another chat shows its own settings; coming back shows these again.
    const qint64 other = controller()->newSession();
    QVERIFY(other != id);
    controller()->setSessionSettings(QString(), presetChatSettings(SamplingPreset::creative));
    QCOMPARE(panel->presetBox()->currentText(), QStringLiteral("Creative"));
    QVERIFY(panel->systemPrompt().isEmpty());
    controller()->openSession(id);
    QCOMPARE(panel->presetBox()->currentText(), QStringLiteral("Precise"));
    QCOMPARE(panel->systemPrompt(), QStringLiteral("Answer in French."));
}

void MainWindowTest::everyControlHasAnAccessibleName() {
    addSession(QStringLiteral("Named"), QStringLiteral("hello"));
    makeWindow();
    QVERIFY(loadModel(m_tinyModel));
    QTest::keyClicks(pane()->input(), QStringLiteral("a question"));
    QTest::keyClick(pane()->input(), Qt::Key_Return);
    QVERIFY(waitForReply());
    pane()->setSettingsVisible(true);
    pane()->showBanner(QStringLiteral("a notice"));

    // Interactive widgets we created; the parts Qt builds inside composite widgets (a spin box's
    // line edit, a tab bar's scroll arrows, a line edit's clear button) are named by Qt itself.
    auto insideComposite = [](QWidget* w) {
        for (QWidget* p = w->parentWidget(); p; p = p->parentWidget())
            if (qobject_cast<QAbstractSpinBox*>(p) || qobject_cast<QComboBox*>(p) || qobject_cast<QTabBar*>(p) ||
                qobject_cast<QLineEdit*>(p) || qobject_cast<QMenuBar*>(p))
                return true;
        return false;
    };
    int checked = 0;
    QStringList missing;
    for (QWidget* w : m_window->findChildren<QWidget*>()) {
        const bool interactive = qobject_cast<QAbstractButton*>(w) || qobject_cast<QLineEdit*>(w) ||
                                 qobject_cast<QPlainTextEdit*>(w) || qobject_cast<QTextEdit*>(w) ||
                                 qobject_cast<QAbstractSpinBox*>(w) || qobject_cast<QComboBox*>(w) ||
                                 qobject_cast<QAbstractItemView*>(w) || qobject_cast<QAbstractScrollArea*>(w);
        if (!interactive || insideComposite(w) || w->objectName().startsWith(QLatin1String("qt_"))) continue;
        if (qobject_cast<QAbstractItemView*>(w->parentWidget())) continue;  // an item editor
        ++checked;
        if (w->accessibleName().isEmpty())
            missing << QStringLiteral("%1 \"%2\" in %3")
                           .arg(QLatin1String(w->metaObject()->className()), w->objectName(),
                                QLatin1String(w->parentWidget() ? w->parentWidget()->metaObject()->className() : "-"));
    }
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral("\n"))));
    QVERIFY(checked > 25);
}

void MainWindowTest::themeFollowsPaletteChanges() {
    makeWindow();
    const QPalette original = QApplication::palette();
    QApplication::setPalette(theme::lightPalette());
    QTRY_COMPARE(m_window->styleSheet(), theme::styleSheet(theme::colors(theme::lightPalette())));
    QApplication::setPalette(theme::darkPalette());
    const ThemeColors dark = theme::colors(theme::darkPalette());
    QTRY_COMPARE(m_window->styleSheet(), theme::styleSheet(dark));
    QVERIFY(m_window->styleSheet().contains(dark.sidebar.name(QColor::HexArgb)));
    QApplication::setPalette(original);
}

QTEST_MAIN(MainWindowTest)
#include "test_main_window.moc"
