// tessera-cli index / search / ask / collections, run as a user would (skipped when the binary has
// not been built: `ninja tessera-cli`).
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>

#include "tests/app/documents/documents_test_util.h"

namespace tessera::docs {
namespace {

QString cliPath() { return QStringLiteral(TESSERA_BINARY_DIR "/app/tessera-cli"); }

struct CliRun {
    int code = -1;
    QString out, err;
};

CliRun runCli(const QStringList& args) {
    QProcess p;
    p.start(cliPath(), args);
    CliRun r;
    if (!p.waitForFinished(120'000)) {
        p.kill();
        p.waitForFinished();
        r.err = QStringLiteral("timed out");
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

TEST(CliDocs, IndexSearchAskCollections) {
    REQUIRE_BERT_FIXTURE();
    if (!QFileInfo::exists(cliPath())) GTEST_SKIP() << "tessera-cli not built at " << cliPath().toStdString();
    if (runCli({QStringLiteral("collections"), QStringLiteral("--db"), QStringLiteral(":memory:")}).code != 0) {
        GTEST_SKIP() << "this tessera-cli has no document commands (built without Qt)";
    }
    QTemporaryDir dir;
    const QString corpus = dir.filePath(QStringLiteral("c"));
    QDir().mkpath(corpus);
    ASSERT_TRUE(test::writeFile(corpus + QStringLiteral("/volcano.md"),
                                "# Volcanoes\n\nMount Etna is an active stratovolcano in Sicily.\n"));
    ASSERT_TRUE(test::writeFile(corpus + QStringLiteral("/cells.txt"), "The mitochondria is the powerhouse of the cell.\n"));
    const QString db = dir.filePath(QStringLiteral("docs.db"));
    const QStringList common = {QStringLiteral("--collection"), QStringLiteral("notes"), QStringLiteral("--db"), db};
    const QString model = test::bertFixturePath();

    CliRun r = runCli(QStringList{QStringLiteral("index")} + common + QStringList{corpus, QStringLiteral("--embed-model"), model});
    ASSERT_EQ(r.code, 0) << r.err.toStdString();
    EXPECT_TRUE(r.out.contains(QStringLiteral("indexed 2, unchanged 0, failed 0"))) << r.out.toStdString();
    EXPECT_TRUE(r.err.contains(QStringLiteral("ETA"))) << r.err.toStdString();

    r = runCli(QStringList{QStringLiteral("index")} + common + QStringList{corpus, QStringLiteral("--embed-model"), model});
    ASSERT_EQ(r.code, 0) << r.err.toStdString();
    EXPECT_TRUE(r.out.contains(QStringLiteral("indexed 0, unchanged 0, failed 0"))) << r.out.toStdString();

    r = runCli(QStringList{QStringLiteral("search")} + common +
               QStringList{QStringLiteral("-q"), QStringLiteral("Etna stratovolcano"), QStringLiteral("--embed-model"), model});
    ASSERT_EQ(r.code, 0) << r.err.toStdString();
    const QString first = r.out.section(QLatin1Char('\n'), 0, 0);
    EXPECT_TRUE(first.contains(QStringLiteral("volcano.md:1-3"))) << r.out.toStdString();
    EXPECT_TRUE(first.contains(QStringLiteral("bm25 #1"))) << r.out.toStdString();

    r = runCli({QStringLiteral("collections"), QStringLiteral("--db"), db});
    EXPECT_TRUE(r.out.contains(QStringLiteral("notes  model bert-tiny-random.gguf (64 dims)  2 documents"))) << r.out.toStdString();

    // A different model for the same collection is refused with a clear message.
    r = runCli(QStringList{QStringLiteral("search")} + common +
               QStringList{QStringLiteral("-q"), QStringLiteral("x"), QStringLiteral("--embed-model"),
                           QString::fromStdString(test::fixture("text/qwen2-f32.gguf").string())});
    EXPECT_NE(r.code, 0);

    const auto textModel = test::fixture("text/qwen2-f32.gguf");
    if (!std::filesystem::exists(textModel)) return;
    r = runCli(QStringList{QStringLiteral("ask")} + common +
               QStringList{QStringLiteral("-q"), QStringLiteral("Where is Mount Etna?"), QStringLiteral("-m"),
                           QString::fromStdString(textModel.string()), QStringLiteral("-n"), QStringLiteral("8"),
                           QStringLiteral("-c"), QStringLiteral("1024"), QStringLiteral("-k"), QStringLiteral("1")});
    ASSERT_EQ(r.code, 0) << r.err.toStdString();
    EXPECT_TRUE(r.out.contains(QStringLiteral("[1] volcano.md, lines 1-3"))) << r.out.toStdString();
}

}  // namespace
}  // namespace tessera::docs
