#pragma once
// ModelDownloader: fetches one file over HTTP(S) into `<destination>.part`, resuming an existing
// .part with an HTTP Range request, checks the size and (when given) the sha256, and only then
// renames the .part to the destination in one atomic step. A dropped connection is resumed
// automatically (setMaxRetries); cancel() keeps the .part so that a later start() resumes it.
//
// Lives on the thread that creates it (QNetworkAccessManager is asynchronous; the GUI thread is
// fine). The final sha256 pass reads the file on a helper thread.
//
// Errors name the cause: "HTTP 404 Not Found for <url>", "not enough disk space: ...", "disk full
// while writing ...", "sha256 mismatch for ...: expected ..., got ...", network errors with the
// number of bytes kept for resuming.
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>
#include <atomic>
#include <memory>

class QFile;
class QNetworkAccessManager;
class QNetworkReply;
class QThread;

namespace tessera {

class ModelDownloader : public QObject {
    Q_OBJECT
public:
    enum class Error { none, http, network, diskFull, sizeMismatch, hashMismatch, io, busy };
    Q_ENUM(Error)

    // `network` may be shared with other downloaders; nullptr: the downloader makes its own.
    explicit ModelDownloader(QNetworkAccessManager* network = nullptr, QObject* parent = nullptr);
    ~ModelDownloader() override;

    // expectedSha256: lowercase or uppercase hex, empty to skip the check. expectedSize: 0 = unknown.
    void start(const QUrl& url, const QString& destination, const QString& expectedSha256 = QString(),
               qint64 expectedSize = 0);
    // Stops the transfer (or the hash check); the .part stays for a later start(). Emits cancelled().
    void cancel();

    bool isRunning() const { return m_running; }
    QString destination() const { return m_destination; }
    static QString partPath(const QString& destination) { return destination + QStringLiteral(".part"); }

    // Automatic resumes after a dropped connection, per start() (default 3).
    void setMaxRetries(int retries) { m_maxRetries = retries; }
    // A transfer that receives nothing for this long fails (and may be retried). Default 60 s.
    void setTransferTimeout(int ms) { m_transferTimeoutMs = ms; }
    void setRetryDelay(int ms) { m_retryDelayMs = ms; }

signals:
    // received includes the bytes of a resumed .part; total is -1 while unknown.
    void progress(qint64 received, qint64 total);
    void retrying(int attempt, const QString& reason);
    void verifying();
    void finished(const QString& path);
    void failed(const QString& message, tessera::ModelDownloader::Error error);
    void cancelled();

private:
    void sendRequest();
    void onMetaData();
    void onReadyRead();
    void onReplyFinished();
    void startVerification();
    void onHashed(const QString& hex, bool ok, const QString& ioError);
    void complete();
    void fail(const QString& message, Error error);
    bool acceptHeaders();  // false: failed or restarting
    bool writeChunk(const QByteArray& data);
    qint64 diskBytesAvailable() const;

    QNetworkAccessManager* m_network = nullptr;
    std::unique_ptr<QNetworkAccessManager> m_ownNetwork;
    QPointer<QNetworkReply> m_reply;
    std::unique_ptr<QFile> m_part;
    QThread* m_hashThread = nullptr;
    std::shared_ptr<std::atomic<bool>> m_hashCancel;

    QUrl m_url;
    QString m_destination;
    QString m_expectedSha256;
    qint64 m_expectedSize = 0;
    qint64 m_offset = 0;        // bytes in the .part when the current request was sent
    qint64 m_received = 0;      // bytes in the .part now
    qint64 m_total = -1;        // whole file size when known
    bool m_headersChecked = false;
    bool m_bodyAccepted = false;  // the response is the file (or the part we asked for)
    bool m_running = false;
    bool m_cancelRequested = false;
    bool m_restartFromZero = false;  // the server rejected our Range (416, wrong start)
    bool m_partIsComplete = false;   // 416 because the .part already holds the whole file
    int m_attempt = 0;
    int m_maxRetries = 3;
    int m_transferTimeoutMs = 60000;
    int m_retryDelayMs = 500;
};

}  // namespace tessera
