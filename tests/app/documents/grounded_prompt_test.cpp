// Numbered sources in the prompt and [n] citations read back from answers.
#include "app/services/documents/grounded_prompt.h"
#include "tests/app/documents/documents_test_util.h"

namespace tessera::docs {
namespace {

SearchResult result(const QString& path, int page, int l0, int l1, const QString& text) {
    SearchResult r;
    r.chunk.path = path;
    r.chunk.page = page;
    r.chunk.lineStart = l0;
    r.chunk.lineEnd = l1;
    r.chunk.text = text;
    return r;
}

TEST(GroundedPrompt, NumbersSourcesWithLabels) {
    const QList<SearchResult> rs = {result(QStringLiteral("/docs/report.pdf"), 2, 4, 9, QStringLiteral("The ferry\nleaves at nine.")),
                                    result(QStringLiteral("/docs/notes.md"), 0, 3, 3, QStringLiteral("Bring tickets."))};
    const GroundedPrompt p = buildGroundedPrompt(QStringLiteral("  When does the ferry leave? "), rs);
    EXPECT_TRUE(p.system.contains(QStringLiteral("[1]")));
    EXPECT_TRUE(p.user.contains(QStringLiteral("[1] report.pdf p. 2, lines 4-9\nThe ferry leaves at nine.\n"))) << p.user.toStdString();
    EXPECT_TRUE(p.user.contains(QStringLiteral("[2] notes.md, line 3\nBring tickets.\n"))) << p.user.toStdString();
    EXPECT_TRUE(p.user.contains(QStringLiteral("Question: When does the ferry leave?\n")));
    EXPECT_LT(p.user.indexOf(QStringLiteral("[1]")), p.user.indexOf(QStringLiteral("[2]")));
    // Long sources are cut.
    const GroundedPrompt cut = buildGroundedPrompt(QStringLiteral("q"), {result(QStringLiteral("a.txt"), 0, 1, 1, QString(5000, QLatin1Char('x')))}, 100);
    EXPECT_LT(cut.user.size(), 300);
}

TEST(GroundedPrompt, CitationsAreParsedAndBounded) {
    EXPECT_EQ(citedSources(QStringLiteral("It leaves at nine [2]. Tickets are needed [1, 3][2]."), 3), (QList<int>{2, 1, 3}));
    EXPECT_EQ(citedSources(QStringLiteral("See [7] and [0] and [x] and [ 2 ]."), 3), QList<int>{2});
    EXPECT_TRUE(citedSources(QStringLiteral("No citations here."), 3).isEmpty());
    EXPECT_EQ(citedSources(QStringLiteral("[1;2]"), 2), (QList<int>{1, 2}));
}

}  // namespace
}  // namespace tessera::docs
