#include "app/services/documents/zip_reader.h"

#include <cstring>

#ifdef TESSERA_HAVE_ZLIB
#include <zlib.h>
#endif

namespace tessera::docs {
namespace {

constexpr quint32 kEocdSig = 0x06054b50;
constexpr quint32 kCentralSig = 0x02014b50;
constexpr quint32 kLocalSig = 0x04034b50;
constexpr qint64 kEocdSize = 22;
constexpr qint64 kCentralSize = 46;
constexpr qint64 kLocalSize = 30;

quint16 u16(const QByteArray& d, qint64 at) {
    const auto* p = reinterpret_cast<const unsigned char*>(d.constData()) + at;
    return static_cast<quint16>(p[0] | (p[1] << 8));
}
quint32 u32(const QByteArray& d, qint64 at) {
    const auto* p = reinterpret_cast<const unsigned char*>(d.constData()) + at;
    return static_cast<quint32>(p[0]) | (static_cast<quint32>(p[1]) << 8) | (static_cast<quint32>(p[2]) << 16) |
           (static_cast<quint32>(p[3]) << 24);
}

Status zipError(const QString& what) { return make_error(ErrorCode::format_error, ("zip: " + what).toStdString()); }

}  // namespace

Result<ZipReader> ZipReader::open(QByteArray archive) {
    const qint64 n = archive.size();
    if (n < kEocdSize) return zipError(QStringLiteral("file too small to be a zip archive"));
    // The EOCD record is at most 64 KiB + 22 bytes from the end (its comment), searched backwards.
    qint64 eocd = -1;
    for (qint64 at = n - kEocdSize; at >= 0 && at >= n - kEocdSize - 0xFFFF; --at) {
        if (u32(archive, at) == kEocdSig) {
            eocd = at;
            break;
        }
    }
    if (eocd < 0) return zipError(QStringLiteral("no end-of-central-directory record"));
    const quint16 nEntries = u16(archive, eocd + 10);
    const quint32 cdSize = u32(archive, eocd + 12);
    const quint32 cdOffset = u32(archive, eocd + 16);
    if (cdOffset == 0xFFFFFFFFu || nEntries == 0xFFFF) {
        return make_error(ErrorCode::unsupported, "zip: ZIP64 archives are not supported");
    }
    if (static_cast<qint64>(cdOffset) + cdSize > eocd) return zipError(QStringLiteral("central directory out of bounds"));

    ZipReader z;
    qint64 at = cdOffset;
    const qint64 end = static_cast<qint64>(cdOffset) + cdSize;
    for (int i = 0; i < nEntries; ++i) {
        if (at + kCentralSize > end || u32(archive, at) != kCentralSig) {
            return zipError(QStringLiteral("central directory entry %1 is damaged").arg(i));
        }
        Entry e;
        e.flags = u16(archive, at + 8);
        e.method = u16(archive, at + 10);
        e.crc = u32(archive, at + 16);
        e.compressedSize = u32(archive, at + 20);
        e.size = u32(archive, at + 24);
        const quint16 nameLen = u16(archive, at + 28), extraLen = u16(archive, at + 30), commentLen = u16(archive, at + 32);
        e.localHeaderOffset = u32(archive, at + 42);
        if (at + kCentralSize + nameLen + extraLen + commentLen > end) {
            return zipError(QStringLiteral("central directory entry %1 overruns the directory").arg(i));
        }
        e.name = QString::fromUtf8(archive.constData() + at + kCentralSize, nameLen);
        z.m_entries.push_back(e);
        at += kCentralSize + nameLen + extraLen + commentLen;
    }
    z.m_data = std::move(archive);
    return z;
}

QStringList ZipReader::names() const {
    QStringList out;
    for (const Entry& e : m_entries) out << e.name;
    return out;
}

bool ZipReader::contains(const QString& name) const {
    for (const Entry& e : m_entries)
        if (e.name == name) return true;
    return false;
}

Result<QByteArray> ZipReader::read(const QString& name, qint64 maxBytes) const {
    const Entry* entry = nullptr;
    for (const Entry& e : m_entries)
        if (e.name == name) entry = &e;
    if (!entry) return make_error(ErrorCode::invalid_argument, ("zip: no member '" + name + "'").toStdString());
    const Entry& e = *entry;
    if (e.flags & 0x1) return make_error(ErrorCode::unsupported, ("zip: member '" + name + "' is encrypted").toStdString());
    if (static_cast<qint64>(e.size) > maxBytes) {
        return make_error(ErrorCode::out_of_range,
                          QStringLiteral("zip: member '%1' is %2 bytes, more than the limit of %3")
                              .arg(name).arg(e.size).arg(maxBytes).toStdString());
    }
    const qint64 n = m_data.size();
    const qint64 lh = static_cast<qint64>(e.localHeaderOffset);
    if (lh + kLocalSize > n || u32(m_data, lh) != kLocalSig) return zipError("local header of '" + name + "' is damaged");
    const qint64 dataAt = lh + kLocalSize + u16(m_data, lh + 26) + u16(m_data, lh + 28);
    if (dataAt + static_cast<qint64>(e.compressedSize) > n) return zipError("data of '" + name + "' is truncated");
    const char* src = m_data.constData() + dataAt;

    QByteArray out;
    if (e.method == 0) {
        if (e.compressedSize != e.size) return zipError("stored member '" + name + "' has inconsistent sizes");
        out = QByteArray(src, static_cast<qsizetype>(e.size));
    } else if (e.method == 8) {
#ifdef TESSERA_HAVE_ZLIB
        // Raw deflate (no zlib header): windowBits -15. ref: zlib manual, inflateInit2.
        out.resize(static_cast<qsizetype>(e.size));
        z_stream zs;
        std::memset(&zs, 0, sizeof zs);
        if (inflateInit2(&zs, -15) != Z_OK) return make_error(ErrorCode::internal, "zip: inflateInit2 failed");
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(src));
        zs.avail_in = static_cast<uInt>(e.compressedSize);
        zs.next_out = reinterpret_cast<Bytef*>(out.data());
        zs.avail_out = static_cast<uInt>(e.size);
        const int rc = inflate(&zs, Z_FINISH);
        const uLong produced = zs.total_out;
        inflateEnd(&zs);
        if (rc != Z_STREAM_END || produced != e.size) return zipError("member '" + name + "' does not inflate cleanly");
#else
        return make_error(ErrorCode::unsupported, "zip: built without zlib, cannot inflate");
#endif
    } else {
        return make_error(ErrorCode::unsupported,
                          QStringLiteral("zip: member '%1' uses compression method %2").arg(name).arg(e.method).toStdString());
    }
#ifdef TESSERA_HAVE_ZLIB
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(out.constData()),
                            static_cast<uInt>(out.size()));
    if (crc != e.crc) return zipError("CRC-32 mismatch in '" + name + "'");
#endif
    return out;
}

}  // namespace tessera::docs
