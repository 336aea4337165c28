// ModelDownloader against a local HTTP server (127.0.0.1, inside the test): whole files, resume
// with Range after a dropped connection, automatic retries, cancel + resume, sha256 checks, HTTP
// errors, servers that ignore Range, and the disk-space check. Expected bytes are the served bytes.
#include <gtest/gtest.h>

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QTemporaryDir>

#include "app/services/model_downloader.h"
#include "tests/app/models/test_http_server.h"

namespace tessera {
namespace {

using test::TestHttpServer;

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QString sha256Hex(const QByteArray& data) {
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

// Records what one downloader reports.
struct Outcome {
    bool finished = false;
    bool failed = false;
    bool cancelled = false;
    QString path;
    QString message;
    ModelDownloader::Error error = ModelDownloader::Error::none;
    QList<qint64> progress;
    int retries = 0;
    bool verifying = false;
    bool done() const { return finished || failed || cancelled; }
};

class DownloaderTest : public ::testing::Test {
protected:
    void SetUp() override {
        test::ensureApp();
        ASSERT_TRUE(m_dir.isValid());
        ASSERT_TRUE(m_server.isListening());
        m_downloader = std::make_unique<ModelDownloader>(&m_network);
        m_downloader->setRetryDelay(10);
        m_downloader->setMaxRetries(0);
        auto* d = m_downloader.get();
        QObject::connect(d, &ModelDownloader::finished, d, [this](const QString& p) {
            m_out.finished = true;
            m_out.path = p;
        });
        QObject::connect(d, &ModelDownloader::failed, d, [this](const QString& m, ModelDownloader::Error e) {
            m_out.failed = true;
            m_out.message = m;
            m_out.error = e;
        });
        QObject::connect(d, &ModelDownloader::cancelled, d, [this] { m_out.cancelled = true; });
        QObject::connect(d, &ModelDownloader::progress, d, [this](qint64 r, qint64) { m_out.progress << r; });
        QObject::connect(d, &ModelDownloader::retrying, d, [this](int, const QString&) { ++m_out.retries; });
        QObject::connect(d, &ModelDownloader::verifying, d, [this] { m_out.verifying = true; });
    }

    Outcome& run(const QUrl& url, const QString& dest, const QString& sha = {}, qint64 size = 0) {
        m_out = Outcome{};
        m_downloader->start(url, dest, sha, size);
        EXPECT_TRUE(test::waitFor([this] { return m_out.done(); })) << "download did not end; progress " << m_out.progress.size() << " verifying " << m_out.verifying << " requests " << m_server.requests().size();
        return m_out;
    }

    QString dest(const QString& name = QStringLiteral("model.gguf")) const { return m_dir.filePath(name); }

    // First member: the QCoreApplication must exist before the server and the network manager.
    struct App {
        App() { test::ensureApp(); }
    } m_app;
    QTemporaryDir m_dir;
    TestHttpServer m_server;
    QNetworkAccessManager m_network;
    std::unique_ptr<ModelDownloader> m_downloader;
    Outcome m_out;
};

TEST_F(DownloaderTest, DownloadsTheWholeFileAndVerifiesTheKnownSha256) {
    // NIST FIPS 180-2 example: sha256("abc").
    m_server.addFile("/abc.bin", "abc");
    const auto& out = run(m_server.url("/abc.bin"), dest(),
                          QStringLiteral("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"), 3);
    ASSERT_TRUE(out.finished) << out.message.toStdString();
    EXPECT_TRUE(out.verifying);
    EXPECT_EQ(out.path, dest());
    EXPECT_EQ(readAll(dest()), QByteArray("abc"));
    EXPECT_FALSE(QFileInfo::exists(ModelDownloader::partPath(dest())));
}

TEST_F(DownloaderTest, LargeFileArrivesByteForByteWithProgress) {
    const QByteArray body = test::patternBytes((3 << 20) + 123);
    m_server.addFile("/big.gguf", body);
    const auto& out = run(m_server.url("/big.gguf"), dest(), sha256Hex(body), body.size());
    ASSERT_TRUE(out.finished) << out.message.toStdString();
    EXPECT_EQ(readAll(dest()), body);
    ASSERT_FALSE(out.progress.isEmpty());
    EXPECT_EQ(out.progress.back(), body.size());
    EXPECT_TRUE(std::is_sorted(out.progress.begin(), out.progress.end()));
    ASSERT_EQ(m_server.requests().size(), 1);
    EXPECT_TRUE(m_server.requests()[0].range.isEmpty());
}

TEST_F(DownloaderTest, DroppedConnectionKeepsThePartAndTheNextStartResumesWithRange) {
    const QByteArray body = test::patternBytes(1 << 20, 42);
    m_server.addFile("/m.gguf", body);
    TestHttpServer::Behaviour drop;
    drop.dropAfter = 300000;
    m_server.queueBehaviour(drop);

    const auto& first = run(m_server.url("/m.gguf"), dest(), sha256Hex(body), body.size());
    ASSERT_TRUE(first.failed);
    EXPECT_EQ(first.error, ModelDownloader::Error::network);
    EXPECT_TRUE(first.message.contains(QStringLiteral("start again to resume"))) << first.message.toStdString();
    EXPECT_FALSE(QFileInfo::exists(dest()));
    EXPECT_EQ(readAll(ModelDownloader::partPath(dest())), body.left(300000));

    const auto& second = run(m_server.url("/m.gguf"), dest(), sha256Hex(body), body.size());
    ASSERT_TRUE(second.finished) << second.message.toStdString();
    ASSERT_EQ(m_server.requests().size(), 2);
    EXPECT_EQ(m_server.requests()[1].range, QByteArray("bytes=300000-"));
    EXPECT_GE(second.progress.front(), 300000);
    EXPECT_EQ(readAll(dest()), body);
}

TEST_F(DownloaderTest, RetriesResumeAutomaticallyAfterDrops) {
    const QByteArray body = test::patternBytes(700000, 7);
    m_server.addFile("/m.gguf", body);
    TestHttpServer::Behaviour a, b;
    a.dropAfter = 100000;
    b.dropAfter = 250000;  // of the second (ranged) response: the file is then at 350000
    m_server.queueBehaviour(a);
    m_server.queueBehaviour(b);
    m_downloader->setMaxRetries(3);
    const auto& out = run(m_server.url("/m.gguf"), dest(), sha256Hex(body));
    ASSERT_TRUE(out.finished) << out.message.toStdString();
    EXPECT_EQ(out.retries, 2);
    ASSERT_EQ(m_server.requests().size(), 3);
    EXPECT_TRUE(m_server.requests()[0].range.isEmpty());
    EXPECT_EQ(m_server.requests()[1].range, QByteArray("bytes=100000-"));
    EXPECT_EQ(m_server.requests()[2].range, QByteArray("bytes=350000-"));
    EXPECT_EQ(readAll(dest()), body);
}

TEST_F(DownloaderTest, CancelKeepsThePartialFileForALaterResume) {
    const QByteArray body = test::patternBytes(500000, 3);
    m_server.addFile("/m.gguf", body);
    TestHttpServer::Behaviour stall;
    stall.stallAfter = 120000;
    m_server.queueBehaviour(stall);
    m_out = Outcome{};
    m_downloader->start(m_server.url("/m.gguf"), dest());
    ASSERT_TRUE(test::waitFor([this] { return !m_out.progress.isEmpty() && m_out.progress.back() >= 120000; }));
    m_downloader->cancel();
    ASSERT_TRUE(test::waitFor([this] { return m_out.done(); }));
    EXPECT_TRUE(m_out.cancelled);
    EXPECT_FALSE(m_downloader->isRunning());
    EXPECT_EQ(readAll(ModelDownloader::partPath(dest())), body.left(120000));

    const auto& resumed = run(m_server.url("/m.gguf"), dest());
    ASSERT_TRUE(resumed.finished) << resumed.message.toStdString();
    EXPECT_EQ(m_server.requests().back().range, QByteArray("bytes=120000-"));
    EXPECT_EQ(readAll(dest()), body);
}

TEST_F(DownloaderTest, HashMismatchDeletesTheDownloadAndLeavesNoFile) {
    const QByteArray body = test::patternBytes(4096, 5);
    m_server.addFile("/m.gguf", body);
    const QString wrong = sha256Hex("something else");
    const auto& out = run(m_server.url("/m.gguf"), dest(), wrong);
    ASSERT_TRUE(out.failed);
    EXPECT_EQ(out.error, ModelDownloader::Error::hashMismatch);
    EXPECT_TRUE(out.message.contains(wrong)) << out.message.toStdString();
    EXPECT_TRUE(out.message.contains(sha256Hex(body))) << out.message.toStdString();
    EXPECT_FALSE(QFileInfo::exists(dest()));
    EXPECT_FALSE(QFileInfo::exists(ModelDownloader::partPath(dest())));
}

TEST_F(DownloaderTest, HttpErrorNamesTheStatusAndTheUrl) {
    const auto& out = run(m_server.url("/missing.gguf"), dest());
    ASSERT_TRUE(out.failed);
    EXPECT_EQ(out.error, ModelDownloader::Error::http);
    EXPECT_TRUE(out.message.contains(QStringLiteral("HTTP 404"))) << out.message.toStdString();
    EXPECT_TRUE(out.message.contains(QStringLiteral("/missing.gguf"))) << out.message.toStdString();
    EXPECT_FALSE(QFileInfo::exists(dest()));

    m_server.addFile("/m.gguf", "x");
    TestHttpServer::Behaviour err;
    err.status = 503;
    m_server.queueBehaviour(err);
    const auto& out503 = run(m_server.url("/m.gguf"), dest());
    ASSERT_TRUE(out503.failed);
    EXPECT_TRUE(out503.message.contains(QStringLiteral("HTTP 503"))) << out503.message.toStdString();
}

TEST_F(DownloaderTest, NotEnoughDiskSpaceIsReportedBeforeWriting) {
    m_server.addFile("/huge.gguf", "tiny");
    TestHttpServer::Behaviour huge;
    huge.advertisedLength = 1LL << 60;  // an exabyte: no disk has room for it
    m_server.queueBehaviour(huge);
    const auto& out = run(m_server.url("/huge.gguf"), dest());
    ASSERT_TRUE(out.failed);
    EXPECT_EQ(out.error, ModelDownloader::Error::diskFull);
    EXPECT_TRUE(out.message.contains(QStringLiteral("not enough disk space"))) << out.message.toStdString();

    // The same check from the catalog's expected size, before any request.
    const int before = static_cast<int>(m_server.requests().size());
    const auto& out2 = run(m_server.url("/huge.gguf"), dest(QStringLiteral("b.gguf")), QString(), 1LL << 60);
    ASSERT_TRUE(out2.failed);
    EXPECT_EQ(out2.error, ModelDownloader::Error::diskFull);
    EXPECT_EQ(m_server.requests().size(), before);
}

TEST_F(DownloaderTest, ServerIgnoringRangeRestartsFromTheFirstByte) {
    const QByteArray body = test::patternBytes(200000, 11);
    m_server.addFile("/m.gguf", body);
    {
        QFile part(ModelDownloader::partPath(dest()));
        ASSERT_TRUE(part.open(QIODevice::WriteOnly));
        part.write(QByteArray(5000, 'Z'));  // stale bytes that are not the file's
    }
    TestHttpServer::Behaviour ignore;
    ignore.ignoreRange = true;
    m_server.queueBehaviour(ignore);
    const auto& out = run(m_server.url("/m.gguf"), dest(), sha256Hex(body));
    ASSERT_TRUE(out.finished) << out.message.toStdString();
    EXPECT_EQ(m_server.requests()[0].range, QByteArray("bytes=5000-"));
    EXPECT_EQ(readAll(dest()), body);
}

TEST_F(DownloaderTest, CompletePartIsVerifiedWithoutDownloadingAgain) {
    const QByteArray body = test::patternBytes(65536, 13);
    m_server.addFile("/m.gguf", body);
    {
        QFile part(ModelDownloader::partPath(dest()));
        ASSERT_TRUE(part.open(QIODevice::WriteOnly));
        part.write(body);
    }
    // Size known: no request at all.
    const auto& out = run(m_server.url("/m.gguf"), dest(), sha256Hex(body), body.size());
    ASSERT_TRUE(out.finished) << out.message.toStdString();
    EXPECT_TRUE(m_server.requests().isEmpty());
    EXPECT_EQ(readAll(dest()), body);

    // Size unknown: the server answers 416 to "bytes=65536-" and the part is taken as complete.
    QFile::remove(dest());
    {
        QFile part(ModelDownloader::partPath(dest()));
        ASSERT_TRUE(part.open(QIODevice::WriteOnly));
        part.write(body);
    }
    const auto& out2 = run(m_server.url("/m.gguf"), dest(), sha256Hex(body));
    ASSERT_TRUE(out2.finished) << out2.message.toStdString();
    ASSERT_EQ(m_server.requests().size(), 1);
    EXPECT_EQ(m_server.requests()[0].range, QByteArray("bytes=65536-"));
    EXPECT_EQ(readAll(dest()), body);
}

TEST_F(DownloaderTest, ReplacesAnExistingDestinationOnlyWhenComplete) {
    const QByteArray body = test::patternBytes(10000, 17);
    m_server.addFile("/m.gguf", body);
    {
        QFile old(dest());
        ASSERT_TRUE(old.open(QIODevice::WriteOnly));
        old.write("old version");
    }
    TestHttpServer::Behaviour drop;
    drop.dropAfter = 4000;
    m_server.queueBehaviour(drop);
    const auto& failed = run(m_server.url("/m.gguf"), dest(), QString(), body.size());
    ASSERT_TRUE(failed.failed);
    EXPECT_EQ(readAll(dest()), QByteArray("old version"));  // untouched until the new file is complete
    const auto& ok = run(m_server.url("/m.gguf"), dest(), QString(), body.size());
    ASSERT_TRUE(ok.finished) << ok.message.toStdString();
    EXPECT_EQ(readAll(dest()), body);
}

TEST_F(DownloaderTest, SecondStartWhileRunningIsRefused) {
    const QByteArray body = test::patternBytes(100000, 19);
    m_server.addFile("/m.gguf", body);
    TestHttpServer::Behaviour stall;
    stall.stallAfter = 1000;
    m_server.queueBehaviour(stall);
    m_out = Outcome{};
    m_downloader->start(m_server.url("/m.gguf"), dest());
    ASSERT_TRUE(m_downloader->isRunning());
    m_downloader->start(m_server.url("/m.gguf"), dest(QStringLiteral("other.gguf")));
    EXPECT_TRUE(m_out.failed);
    EXPECT_EQ(m_out.error, ModelDownloader::Error::busy);
    m_downloader->cancel();
    ASSERT_TRUE(test::waitFor([this] { return m_out.cancelled; }));
}

}  // namespace
}  // namespace tessera
