#include "app/services/model_downloader.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QStorageInfo>
#include <QThread>
#include <QTimer>
#include <filesystem>
#include <system_error>

namespace tessera {

namespace {

QString megabytes(qint64 bytes) { return QString::number(static_cast<double>(bytes) / 1e6, 'f', 1) + QStringLiteral(" MB"); }

struct ContentRange {
    qint64 first = -1;
    qint64 last = -1;
    qint64 total = -1;  // -1: "*"
};

// "bytes 100-999/1000", "bytes */1000" (RFC 9110 §14.4).
ContentRange parseContentRange(const QByteArray& value) {
    ContentRange r;
    static const QRegularExpression re(QStringLiteral(R"(^\s*bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)\s*$)"));
    const auto m = re.match(QString::fromLatin1(value));
    if (!m.hasMatch()) return r;
    if (!m.captured(1).isEmpty()) {
        r.first = m.captured(1).toLongLong();
        r.last = m.captured(2).toLongLong();
    }
    if (m.captured(3) != QLatin1String("*")) r.total = m.captured(3).toLongLong();
    return r;
}

}  // namespace

ModelDownloader::ModelDownloader(QNetworkAccessManager* network, QObject* parent) : QObject(parent), m_network(network) {
    if (!m_network) {
        m_ownNetwork = std::make_unique<QNetworkAccessManager>();
        m_network = m_ownNetwork.get();
    }
}

ModelDownloader::~ModelDownloader() {
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
    if (m_hashThread) {
        m_hashCancel->store(true);
        m_hashThread->wait();
        delete m_hashThread;
    }
}

qint64 ModelDownloader::diskBytesAvailable() const {
    const QStorageInfo storage(QFileInfo(m_destination).absolutePath());
    return storage.isValid() ? storage.bytesAvailable() : -1;
}

void ModelDownloader::start(const QUrl& url, const QString& destination, const QString& expectedSha256,
                            qint64 expectedSize) {
    if (m_running) {
        emit failed(QStringLiteral("a download of %1 is already running").arg(m_destination), Error::busy);
        return;
    }
    m_url = url;
    m_destination = destination;
    m_expectedSha256 = expectedSha256.trimmed().toLower();
    m_expectedSize = expectedSize;
    m_total = -1;
    m_attempt = 0;
    m_cancelRequested = false;
    m_restartFromZero = false;
    m_partIsComplete = false;
    m_running = true;

    QDir().mkpath(QFileInfo(destination).absolutePath());
    m_part = std::make_unique<QFile>(partPath(destination));
    if (!m_part->open(QIODevice::ReadWrite)) {
        fail(QStringLiteral("cannot open %1: %2").arg(m_part->fileName(), m_part->errorString()), Error::io);
        return;
    }
    m_received = m_part->size();
    if (m_expectedSize > 0 && m_received > m_expectedSize) {  // not a prefix of this file
        m_part->resize(0);
        m_received = 0;
    }
    if (m_expectedSize > 0 && m_received == m_expectedSize) {  // finished earlier, not yet verified
        m_total = m_expectedSize;
        emit progress(m_received, m_total);
        startVerification();
        return;
    }
    if (m_expectedSize > 0) {
        const qint64 need = m_expectedSize - m_received, avail = diskBytesAvailable();
        if (avail >= 0 && need > avail) {
            fail(QStringLiteral("not enough disk space for %1: %2 more needed, %3 available")
                     .arg(destination, megabytes(need), megabytes(avail)),
                 Error::diskFull);
            return;
        }
    }
    sendRequest();
}

void ModelDownloader::sendRequest() {
    m_part->resize(m_received);  // drop a torn tail beyond what was counted
    m_part->seek(m_received);
    m_offset = m_received;
    m_headersChecked = false;
    m_bodyAccepted = false;
    QNetworkRequest request(m_url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    request.setTransferTimeout(m_transferTimeoutMs);
    request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("Tessera"));
    request.setRawHeader("Accept-Encoding", "identity");  // byte offsets must be those of the file
    if (m_offset > 0) request.setRawHeader("Range", "bytes=" + QByteArray::number(m_offset) + "-");
    m_reply = m_network->get(request);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &ModelDownloader::onMetaData);
    connect(m_reply, &QIODevice::readyRead, this, &ModelDownloader::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &ModelDownloader::onReplyFinished);
}

void ModelDownloader::onMetaData() {
    if (m_reply) acceptHeaders();
}

bool ModelDownloader::acceptHeaders() {
    if (m_headersChecked) return m_bodyAccepted;
    const QVariant statusAttr = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!statusAttr.isValid()) return false;  // no response yet
    const int status = statusAttr.toInt();
    if (status >= 300 && status < 400) return false;  // a redirect being followed
    m_headersChecked = true;

    if (status == 416) {  // our Range starts at or past the end of the file
        const ContentRange cr = parseContentRange(m_reply->rawHeader("Content-Range"));
        if (cr.total >= 0 && cr.total == m_offset) {
            m_total = cr.total;
            m_partIsComplete = true;
        } else {
            m_restartFromZero = true;
        }
        return false;  // the reply finishes on its own (416 is an error reply); onReplyFinished acts
    }
    if (status >= 400) {
        const QString reason = m_reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        fail(QStringLiteral("HTTP %1 %2 for %3").arg(status).arg(reason, m_url.toString()), Error::http);
        return false;
    }
    if (status == 206) {
        const ContentRange cr = parseContentRange(m_reply->rawHeader("Content-Range"));
        if (cr.first != m_offset) {  // not the part we asked for: start over
            m_restartFromZero = true;
            m_reply->abort();
            return false;
        }
        m_total = cr.total;
    } else {
        if (m_offset > 0) {  // the server ignored Range: this response is the whole file
            m_part->resize(0);
            m_part->seek(0);
            m_offset = 0;
            m_received = 0;
        }
        const QVariant length = m_reply->header(QNetworkRequest::ContentLengthHeader);
        m_total = length.isValid() ? length.toLongLong() : -1;
    }
    if (m_expectedSize > 0 && m_total >= 0 && m_total != m_expectedSize) {
        fail(QStringLiteral("%1 is %2 bytes on the server, expected %3").arg(m_url.toString()).arg(m_total).arg(m_expectedSize),
             Error::sizeMismatch);
        return false;
    }
    if (m_total >= 0) {
        const qint64 need = m_total - m_received, avail = diskBytesAvailable();
        if (avail >= 0 && need > avail) {
            fail(QStringLiteral("not enough disk space for %1: %2 more needed, %3 available")
                     .arg(m_destination, megabytes(need), megabytes(avail)),
                 Error::diskFull);
            return false;
        }
    }
    m_bodyAccepted = true;
    emit progress(m_received, m_total);
    return true;
}

bool ModelDownloader::writeChunk(const QByteArray& data) {
    if (data.isEmpty()) return true;
    const qint64 written = m_part->write(data);
    if (written > 0) m_received += written;
    if (written == data.size()) return true;
    const qint64 avail = diskBytesAvailable();
    const bool full = m_part->error() == QFileDevice::ResourceError || (avail >= 0 && avail < data.size());
    const QString why = m_part->errorString();
    if (full)
        fail(QStringLiteral("disk full while writing %1 (%2 kept; free some space and start again to resume): %3")
                 .arg(m_part->fileName(), megabytes(m_received), why),
             Error::diskFull);
    else
        fail(QStringLiteral("cannot write %1: %2").arg(m_part->fileName(), why), Error::io);
    return false;
}

void ModelDownloader::onReadyRead() {
    if (!m_reply || !m_running) return;
    if (!acceptHeaders()) return;
    if (writeChunk(m_reply->readAll())) emit progress(m_received, m_total);
}

void ModelDownloader::onReplyFinished() {
    QNetworkReply* reply = m_reply;
    if (!reply) return;
    reply->deleteLater();
    if (!m_running) {  // failed already
        m_reply = nullptr;
        return;
    }
    if (!m_cancelRequested && !m_headersChecked) acceptHeaders();
    if (m_running && !m_cancelRequested && m_bodyAccepted && reply->error() == QNetworkReply::NoError)
        writeChunk(reply->readAll());
    const QNetworkReply::NetworkError error = reply->error();
    const QString errorText = reply->errorString();
    m_reply = nullptr;
    if (!m_running) return;  // failed while reading the last bytes or the headers

    if (m_cancelRequested) {
        m_part->close();
        m_running = false;
        emit cancelled();
        return;
    }
    if (m_partIsComplete) {
        startVerification();
        return;
    }
    if (m_restartFromZero) {
        m_restartFromZero = false;
        if (m_attempt++ >= m_maxRetries + 1) {
            fail(QStringLiteral("%1: the server keeps rejecting the resume request").arg(m_url.toString()), Error::http);
            return;
        }
        m_received = 0;
        sendRequest();
        return;
    }
    const bool incomplete = m_total >= 0 && m_received < m_total;
    if (error != QNetworkReply::NoError || incomplete) {
        const QString reason = error != QNetworkReply::NoError
                                   ? errorText
                                   : QStringLiteral("connection closed after %1 of %2 bytes").arg(m_received).arg(m_total);
        if (m_attempt < m_maxRetries) {
            ++m_attempt;
            m_part->flush();
            emit retrying(m_attempt, reason);
            QTimer::singleShot(m_retryDelayMs * m_attempt, this, [this] {
                if (!m_running || m_reply) return;
                if (m_cancelRequested) {
                    m_part->close();
                    m_running = false;
                    emit cancelled();
                    return;
                }
                sendRequest();
            });
            return;
        }
        m_part->flush();
        fail(QStringLiteral("download of %1 failed: %2 (%3 of %4 bytes kept in %5; start again to resume)")
                 .arg(m_url.toString(), reason)
                 .arg(m_received)
                 .arg(m_total)
                 .arg(m_part->fileName()),
             Error::network);
        return;
    }
    if (m_total < 0) m_total = m_received;
    startVerification();
}

void ModelDownloader::startVerification() {
    m_part->flush();
    m_part->close();
    if (m_expectedSize > 0 && m_received != m_expectedSize) {
        QFile::remove(partPath(m_destination));
        fail(QStringLiteral("%1: received %2 bytes, expected %3; the partial file was deleted")
                 .arg(m_destination)
                 .arg(m_received)
                 .arg(m_expectedSize),
             Error::sizeMismatch);
        return;
    }
    if (m_expectedSha256.isEmpty()) {
        complete();
        return;
    }
    emit verifying();
    m_hashCancel = std::make_shared<std::atomic<bool>>(false);
    const QString path = partPath(m_destination);
    auto cancel = m_hashCancel;
    m_hashThread = QThread::create([this, path, cancel] {
        QFile f(path);
        QString ioError;
        bool ok = true;
        QCryptographicHash hash(QCryptographicHash::Sha256);
        if (!f.open(QIODevice::ReadOnly)) {
            ioError = QStringLiteral("cannot read %1: %2").arg(path, f.errorString());
        } else {
            while (!f.atEnd()) {
                if (cancel->load()) {
                    ok = false;
                    break;
                }
                const QByteArray chunk = f.read(4 << 20);
                if (chunk.isEmpty() && f.error() != QFileDevice::NoError) {
                    ioError = QStringLiteral("cannot read %1: %2").arg(path, f.errorString());
                    break;
                }
                hash.addData(chunk);
            }
        }
        const QString hex = QString::fromLatin1(hash.result().toHex());
        // The downloader waits for this thread in its destructor, so `this` is alive here.
        QMetaObject::invokeMethod(this, [this, hex, ok, ioError] { onHashed(hex, ok, ioError); }, Qt::QueuedConnection);
    });
    m_hashThread->start();
}

void ModelDownloader::onHashed(const QString& hex, bool ok, const QString& ioError) {
    if (m_hashThread) {
        m_hashThread->wait();
        delete m_hashThread;
        m_hashThread = nullptr;
    }
    if (m_cancelRequested || !ok) {
        m_running = false;
        emit cancelled();
        return;
    }
    if (!ioError.isEmpty()) {
        fail(ioError, Error::io);
        return;
    }
    if (hex != m_expectedSha256) {
        QFile::remove(partPath(m_destination));
        fail(QStringLiteral("sha256 mismatch for %1: expected %2, got %3; the downloaded file was deleted")
                 .arg(m_destination, m_expectedSha256, hex),
             Error::hashMismatch);
        return;
    }
    complete();
}

void ModelDownloader::complete() {
    std::error_code ec;
    // rename(2) replaces the destination atomically: readers see the old file or the new one.
    std::filesystem::rename(partPath(m_destination).toStdString(), m_destination.toStdString(), ec);
    if (ec) {
        fail(QStringLiteral("cannot move %1 to %2: %3")
                 .arg(partPath(m_destination), m_destination, QString::fromStdString(ec.message())),
             Error::io);
        return;
    }
    m_running = false;
    emit progress(m_received, m_total);
    emit finished(m_destination);
}

void ModelDownloader::cancel() {
    if (!m_running) return;
    m_cancelRequested = true;
    if (m_reply) {
        m_reply->abort();  // onReplyFinished emits cancelled()
        return;
    }
    if (m_hashThread) {
        m_hashCancel->store(true);  // onHashed emits cancelled()
        return;
    }
    // Between two attempts (retry timer pending).
    if (m_part) m_part->close();
    m_running = false;
    emit cancelled();
}

void ModelDownloader::fail(const QString& message, Error error) {
    m_running = false;
    if (m_reply) {
        QNetworkReply* reply = m_reply;
        m_reply = nullptr;
        reply->disconnect(this);
        // An HTTP error reply ends by itself (aborting it makes Qt report a second error).
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() == QNetworkReply::NoError && status < 400) reply->abort();
        reply->deleteLater();
    }
    if (m_part && m_part->isOpen()) {
        m_part->flush();
        m_part->close();
    }
    emit failed(message, error);
}

}  // namespace tessera
