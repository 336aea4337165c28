// Widgets on their own: Markdown rendering (code blocks with a copy link each, tables, lists),
// the input box's Enter / Shift+Enter, the settings panel's presets, the placeholder panes.
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTest>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextTable>

#include "ui/chat/chat_input.h"
#include "ui/chat/markdown_view.h"
#include "ui/chat/session_settings_panel.h"
#include "ui/model_info_dialog.h"
#include "ui/panes/placeholder_pane.h"
#include "ui/sidebar/sidebar_delegates.h"
#include "ui/theme.h"

using namespace tessera;

namespace {

QStringList anchors(const QTextDocument* doc) {
    QStringList out;
    for (QTextBlock b = doc->begin(); b.isValid(); b = b.next())
        for (auto it = b.begin(); !it.atEnd(); ++it)
            if (it.fragment().charFormat().isAnchor()) out << it.fragment().charFormat().anchorHref();
    return out;
}

int tableCount(const QTextDocument* doc) {
    int n = 0;
    for (QTextFrame* f : doc->rootFrame()->childFrames())
        if (qobject_cast<QTextTable*>(f)) ++n;
    return n;
}

}  // namespace

class UiWidgetsTest : public QObject {
    Q_OBJECT
private slots:
    void markdownCodeBlocksGetCopyLinks();
    void markdownTablesAndLists();
    void markdownTableAfterCodeBlock();
    void markdownStreamingUnterminatedFence();
    void markdownSingleNewlinesBreakLines();
    void markdownPlainBody();
    void chatInputEnterAndShiftEnter();
    void settingsPanelPresets();
    void placeholderPanesSayComingSoon();
    void themeFollowsPalette();
    void formatting();
};

void UiWidgetsTest::markdownCodeBlocksGetCopyLinks() {
    MarkdownView view;
    view.resize(500, 100);
    view.setMarkdownText(QStringLiteral("Two blocks:\n\n```python\nprint(1)\nx = 2\n```\n\ntext\n\n```\nls -l\n```\n"));
    QCOMPARE(view.codeBlocks(), QStringList({QStringLiteral("print(1)\nx = 2"), QStringLiteral("ls -l")}));
    QCOMPARE(anchors(view.document()), QStringList({QStringLiteral("copy:0"), QStringLiteral("copy:1")}));
    QVERIFY(view.toPlainText().contains(QStringLiteral("python")));  // the language in the block's header

    QSignalSpy copied(&view, &MarkdownView::codeBlockCopied);
    emit view.anchorClicked(QUrl(QStringLiteral("copy:1")));  // what a click on the link does
    QCOMPARE(copied.count(), 1);
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("ls -l"));
    QVERIFY(view.copyCodeBlock(0));
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("print(1)\nx = 2"));
    QVERIFY(!view.copyCodeBlock(2));
}

void UiWidgetsTest::markdownTablesAndLists() {
    MarkdownView view;
    view.resize(500, 100);
    view.setMarkdownText(QStringLiteral("| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n1. first\n2. second\n"));
    QCOMPARE(tableCount(view.document()), 1);
    auto* table = qobject_cast<QTextTable*>(view.document()->rootFrame()->childFrames().first());
    QCOMPARE(table->rows(), 2);
    QCOMPARE(table->columns(), 2);
    QCOMPARE(table->format().border(), 1.0);
    int listItems = 0;
    for (QTextBlock b = view.document()->begin(); b.isValid(); b = b.next())
        if (b.textList()) ++listItems;
    QCOMPARE(listItems, 4);
    QVERIFY(view.codeBlocks().isEmpty());
    // Height follows the content: no inner scrolling.
    QVERIFY(view.height() >= int(view.document()->size().height()));
}

void UiWidgetsTest::markdownTableAfterCodeBlock() {
    // Qt 6.4 imports this table with an empty first block in cell (0, 0); the view removes it.
    MarkdownView view;
    view.resize(500, 100);
    view.setMarkdownText(QStringLiteral("```\nx\n```\n\n| way | copies |\n|---|---|\n| slice | yes |\n"));
    QCOMPARE(tableCount(view.document()), 1);
    QTextTable* table = nullptr;
    for (QTextFrame* f : view.document()->rootFrame()->childFrames())
        if (auto* t = qobject_cast<QTextTable*>(f)) table = t;
    QVERIFY(table);
    const QTextTableCell cell = table->cellAt(0, 0);
    const QTextBlock block = view.document()->findBlock(cell.firstPosition());
    QCOMPARE(block.text(), QStringLiteral("way"));
    QCOMPARE(block.position() + block.length() - 1, cell.lastPosition());  // one block only
    QTextCursor c(view.document());
    c.setPosition(cell.firstPosition() + 1);
    QCOMPARE(c.charFormat().fontWeight(), int(QFont::Bold));
}

void UiWidgetsTest::markdownStreamingUnterminatedFence() {
    MarkdownView view;
    view.resize(500, 100);
    view.setMarkdownText(QStringLiteral("Here:\n\n```cpp\nint main() {"));
    QCOMPARE(view.codeBlocks(), QStringList({QStringLiteral("int main() {")}));
    const int before = view.height();
    view.setMarkdownText(QStringLiteral("Here:\n\n```cpp\nint main() {\n  return 0;\n}\n```\nDone."));
    QCOMPARE(view.codeBlocks(), QStringList({QStringLiteral("int main() {\n  return 0;\n}")}));
    QVERIFY(view.height() > before);
}

void UiWidgetsTest::markdownSingleNewlinesBreakLines() {
    QCOMPARE(MarkdownView::hardenLineBreaks(QStringLiteral("a\nb\n\nc")), QStringLiteral("a  \nb\n\nc"));
    // Not inside fenced code, not in tables.
    QCOMPARE(MarkdownView::hardenLineBreaks(QStringLiteral("```\nx\ny\n```\n| a |\n|---|")),
             QStringLiteral("```\nx\ny\n```\n| a |\n|---|"));
    MarkdownView view;
    view.resize(400, 100);
    view.setMarkdownText(QStringLiteral("Roses are red,\nviolets are blue."));
    // Two lines (Qt's importer turns the hard break into a new block), not one joined line.
    QCOMPARE(view.document()->firstBlock().text(), QStringLiteral("Roses are red,"));
    QCOMPARE(view.document()->lastBlock().text(), QStringLiteral("violets are blue."));
    QCOMPARE(view.sourceText(), QStringLiteral("Roses are red,\nviolets are blue."));  // copied as written
    view.setMarkdownText(QStringLiteral("```\nx\ny\n```"));
    QCOMPARE(view.codeBlocks(), QStringList({QStringLiteral("x\ny")}));  // code is untouched
}

void UiWidgetsTest::markdownPlainBody() {
    MarkdownView view;
    view.setPlainBody(QStringLiteral("**not bold** <b>x</b>"));
    QCOMPARE(view.toPlainText(), QStringLiteral("**not bold** <b>x</b>"));
    QVERIFY(view.codeBlocks().isEmpty());
}

void UiWidgetsTest::chatInputEnterAndShiftEnter() {
    ChatInput input;
    input.show();
    QVERIFY(QTest::qWaitForWindowExposed(&input));
    QSignalSpy submitted(&input, &ChatInput::submitted);
    QTest::keyClicks(&input, QStringLiteral("line one"));
    QTest::keyClick(&input, Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(&input, QStringLiteral("line two"));
    QCOMPARE(submitted.count(), 0);
    QCOMPARE(input.toPlainText(), QStringLiteral("line one\nline two"));
    const int twoLines = input.height();
    QTest::keyClick(&input, Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClick(&input, Qt::Key_Return, Qt::ShiftModifier);
    QVERIFY(input.height() > twoLines);  // grows with its text
    QTest::keyClick(&input, Qt::Key_Return);
    QCOMPARE(submitted.count(), 1);
    QTest::keyClick(&input, Qt::Key_Enter);  // keypad Enter too
    QCOMPARE(submitted.count(), 2);
}

void UiWidgetsTest::settingsPanelPresets() {
    SessionSettingsPanel panel;
    QSignalSpy edited(&panel, &SessionSettingsPanel::settingsEdited);
    ChatSettings creative = presetChatSettings(SamplingPreset::creative);
    creative.maxTokens = 200;
    panel.setValues(QStringLiteral("Be brief."), creative);
    QCOMPARE(panel.systemPrompt(), QStringLiteral("Be brief."));
    QCOMPARE(panel.presetBox()->currentText(), QStringLiteral("Creative"));
    QCOMPARE(edited.count(), 0);  // showing values is not an edit

    panel.applyPreset(SamplingPreset::precise);
    QCOMPARE(panel.chatSettings().preset, SamplingPreset::precise);
    QCOMPARE(float(panel.temperatureBox()->value()), presetChatSettings(SamplingPreset::precise).sampling.temperature);
    QCOMPARE(panel.chatSettings().maxTokens, 200);  // not part of a preset
    QVERIFY(edited.wait(2000));
    QCOMPARE(edited.last().at(1).value<ChatSettings>().preset, SamplingPreset::precise);

    // A hand-made value turns the preset into Custom.
    panel.temperatureBox()->setValue(1.37);
    QCOMPARE(panel.chatSettings().preset, SamplingPreset::custom);
    QCOMPARE(panel.presetBox()->currentText(), QStringLiteral("Custom"));
    QVERIFY(edited.wait(2000));
    QCOMPARE(edited.last().at(0).toString(), QStringLiteral("Be brief."));
}

void UiWidgetsTest::placeholderPanesSayComingSoon() {
    const auto panes = PlaceholderPane::plannedPanes();
    QCOMPARE(panes.size(), 3);
    QStringList titles;
    for (const PlaceholderInfo& info : panes) {
        titles << info.title;
        PlaceholderPane pane(info);
        QStringList texts;
        for (QLabel* l : pane.findChildren<QLabel*>()) texts << l->text();
        QVERIFY2(texts.contains(QStringLiteral("Coming soon")), qPrintable(texts.join('|')));
        QVERIFY2(texts.join(' ').contains(QStringLiteral("issue")), qPrintable(texts.join('|')));
        QVERIFY(pane.accessibleName().contains(QStringLiteral("coming soon")));
    }
    QCOMPARE(titles, QStringList({"Image", "Audio", "Documents"}));
}

void UiWidgetsTest::themeFollowsPalette() {
    const ThemeColors light = theme::colors(theme::lightPalette());
    const ThemeColors dark = theme::colors(theme::darkPalette());
    QVERIFY(!light.dark);
    QVERIFY(dark.dark);
    // Text contrasts with its background in both.
    QVERIFY(theme::luminance(light.text) < theme::luminance(light.window));
    QVERIFY(theme::luminance(dark.text) > theme::luminance(dark.window));
    QVERIFY(theme::luminance(dark.userBubble) < 0.5);
    QVERIFY(theme::luminance(light.userBubble) > 0.5);
    QVERIFY(theme::styleSheet(light) != theme::styleSheet(dark));
    QCOMPARE(theme::mix(QColor(0, 0, 0), QColor(255, 255, 255), 0.5).red(), 128);
}

void UiWidgetsTest::formatting() {
    QCOMPARE(ModelInfoDialog::formatCount(260000), QStringLiteral("260K"));
    QCOMPARE(ModelInfoDialog::formatCount(1536), QStringLiteral("1.5K"));
    QCOMPARE(ModelInfoDialog::formatCount(1240000000), QStringLiteral("1.24B"));
    QCOMPARE(ModelInfoDialog::formatCount(135000000), QStringLiteral("135M"));
    QCOMPARE(ModelInfoDialog::formatCount(999), QStringLiteral("999"));
    QCOMPARE(ModelInfoDialog::formatBytes(512), QStringLiteral("512 B"));
    QCOMPARE(ModelInfoDialog::formatBytes(3 * 1024 * 1024 / 2), QStringLiteral("1.5 MiB"));
    const qint64 now = QDateTime(QDate(2024, 6, 12), QTime(12, 0)).toMSecsSinceEpoch();
    QCOMPARE(SessionItemDelegate::relativeTime(now - 20 * 1000, now), QStringLiteral("now"));
    QCOMPARE(SessionItemDelegate::relativeTime(now - 5 * 60 * 1000, now), QStringLiteral("5 min"));
    QCOMPARE(SessionItemDelegate::relativeTime(now - 3 * 3600 * 1000, now), QStringLiteral("3 h"));
    QCOMPARE(SessionItemDelegate::relativeTime(now - 24 * 3600 * 1000, now), QStringLiteral("Yesterday"));
}

QTEST_MAIN(UiWidgetsTest)
#include "test_ui_widgets.moc"
