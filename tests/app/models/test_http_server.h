#pragma once
// A tiny HTTP/1.1 file server on 127.0.0.1 for the downloader tests (never the network): serves
// files from memory, honours "Range: bytes=N-" (206 + Content-Range, 416 past the end), and can
// misbehave on purpose: drop the connection after some bytes, stall, ignore Range, answer an error
// status, or advertise a huge Content-Length.
#include <QByteArray>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QHostAddress>
#include <QList>
#include <QMap>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QUrl>
#include <functional>
#include <memory>

namespace tessera::test {

inline QCoreApplication* ensureApp() {
    if (QCoreApplication::instance()) return QCoreApplication::instance();
    static int argc = 1;
    static char name[] = "test_app_models";
    static char* argv[] = {name, nullptr};
    static QCoreApplication app(argc, argv);
    return &app;
}

inline bool waitFor(const std::function<bool()>& done, int timeoutMs = 20000) {
    QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired()) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        if (!done()) QThread::msleep(1);
    }
    return true;
}

// Deterministic bytes (xorshift64).
inline QByteArray patternBytes(qsizetype n, quint64 seed = 0x9E3779B97F4A7C15ull) {
    QByteArray out(n, Qt::Uninitialized);
    quint64 x = seed;
    for (qsizetype i = 0; i < n; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[i] = static_cast<char>(x & 0xFF);
    }
    return out;
}

class TestHttpServer {
public:
    struct Behaviour {
        int status = 0;              // non-zero: answer this status with a short body
        qint64 dropAfter = -1;       // >= 0: send this many body bytes, then close the connection
        qint64 stallAfter = -1;      // >= 0: send this many body bytes, then send nothing more
        bool ignoreRange = false;    // answer 200 with the whole file even when asked for a range
        qint64 advertisedLength = -1;  // >= 0: Content-Length to claim (no body is sent)
    };
    struct Request {
        QByteArray path;
        QByteArray range;  // value of the Range header, empty if none
    };

    TestHttpServer() {
        QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] {
            while (QTcpSocket* s = m_server.nextPendingConnection()) accept(s);
        });
        m_listening = m_server.listen(QHostAddress::LocalHost, 0);
    }
    ~TestHttpServer() {
        for (auto& s : m_sockets)
            if (s) s->abort();
    }

    bool isListening() const { return m_listening; }
    QUrl url(const QString& path) const {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path));
    }
    QUrl baseUrl() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort())); }

    void addFile(const QByteArray& path, const QByteArray& body) { m_files[path] = body; }
    // Behaviour for the next requests, one per request in order; later requests behave normally.
    void queueBehaviour(const Behaviour& b) { m_behaviours.append(b); }

    const QList<Request>& requests() const { return m_requests; }

private:
    void accept(QTcpSocket* socket) {
        m_sockets.append(socket);
        auto buffer = std::make_shared<QByteArray>();
        QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
            buffer->append(socket->readAll());
            const qsizetype end = buffer->indexOf("\r\n\r\n");
            if (end < 0) return;
            const QByteArray head = buffer->left(end);
            buffer->clear();
            respond(socket, head);
        });
        QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }

    void respond(QTcpSocket* socket, const QByteArray& head) {
        const QList<QByteArray> lines = head.split('\n');
        Request req;
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        req.path = first.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == "range") req.range = line.mid(colon + 1).trimmed();
        }
        m_requests.append(req);
        const Behaviour b = m_behaviours.isEmpty() ? Behaviour{} : m_behaviours.takeFirst();

        if (b.status != 0 || !m_files.contains(req.path)) {
            const int status = b.status != 0 ? b.status : 404;
            const QByteArray body = "error " + QByteArray::number(status);
            send(socket, status, status == 404 ? "Not Found" : "Error", {}, body, -1, false);
            return;
        }
        const QByteArray& file = m_files[req.path];
        const qint64 size = file.size();
        if (b.advertisedLength >= 0) {
            QByteArray h = "HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(b.advertisedLength) + "\r\n\r\n";
            socket->write(h);  // and no body: the client must give up on its own
            return;
        }
        qint64 start = 0;
        if (!b.ignoreRange && req.range.startsWith("bytes=") && req.range.endsWith('-'))
            start = req.range.mid(6, req.range.size() - 7).toLongLong();
        if (start >= size && start > 0) {
            send(socket, 416, "Range Not Satisfiable", "Content-Range: bytes */" + QByteArray::number(size) + "\r\n",
                 QByteArray(), -1, false);
            return;
        }
        const QByteArray payload = file.mid(start);
        QByteArray extra;
        int status = 200;
        if (start > 0) {
            status = 206;
            extra = "Content-Range: bytes " + QByteArray::number(start) + "-" + QByteArray::number(size - 1) + "/" +
                    QByteArray::number(size) + "\r\n";
        }
        const qint64 cut = b.dropAfter >= 0 ? b.dropAfter : b.stallAfter;
        send(socket, status, status == 206 ? "Partial Content" : "OK", extra, payload, cut, b.dropAfter >= 0);
    }

    // Sends headers (Content-Length = payload size) and the first `cut` payload bytes (all if cut < 0);
    // then closes the connection if `closeAfter`, keeps it silent otherwise (stall), or closes it
    // normally when everything was sent.
    void send(QTcpSocket* socket, int status, const QByteArray& reason, const QByteArray& extraHeaders,
              const QByteArray& payload, qint64 cut, bool closeAfter) {
        QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + " " + reason + "\r\n";
        out += "Content-Length: " + QByteArray::number(payload.size()) + "\r\n";
        out += "Accept-Ranges: bytes\r\n";
        out += extraHeaders;
        out += "Connection: close\r\n\r\n";
        const bool whole = cut < 0 || cut >= payload.size();
        out += whole ? payload : payload.left(cut);
        socket->write(out);
        if (whole || closeAfter) socket->disconnectFromHost();  // after the pending bytes are written
    }

    QTcpServer m_server;
    bool m_listening = false;
    QMap<QByteArray, QByteArray> m_files;
    QList<Behaviour> m_behaviours;
    QList<Request> m_requests;
    QList<QPointer<QTcpSocket>> m_sockets;
};

}  // namespace tessera::test
