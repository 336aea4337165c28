#pragma once
// A small, defensive ZIP reader: enough to pull word/document.xml out of a .docx.
// Reads the end-of-central-directory record, walks the central directory, and inflates one member
// (stored or deflate) with zlib. Every offset and size is bounds-checked against the archive;
// members are capped (zip bombs) and their CRC-32 verified. ZIP64 and encryption are `unsupported`.
// ref: PKWARE APPNOTE.TXT 6.3.10, sections 4.3.7 (local header), 4.3.12 (central directory header),
// 4.3.16 (end of central directory record).
#include <QByteArray>
#include <QString>
#include <QStringList>

#include "engine/core/status.h"

namespace tessera::docs {

class ZipReader {
public:
    static constexpr qint64 kDefaultMaxMemberBytes = 64ll << 20;  // document.xml of a 1000-page report: ~10 MB

    // Parses the central directory of `archive` (the whole file in memory).
    static Result<ZipReader> open(QByteArray archive);

    QStringList names() const;
    bool contains(const QString& name) const;
    // The uncompressed bytes of member `name`; larger than maxBytes -> out_of_range.
    Result<QByteArray> read(const QString& name, qint64 maxBytes = kDefaultMaxMemberBytes) const;

private:
    struct Entry {
        QString name;
        quint16 method = 0;  // 0 stored, 8 deflate
        quint16 flags = 0;
        quint32 crc = 0;
        quint64 compressedSize = 0;
        quint64 size = 0;
        quint64 localHeaderOffset = 0;
    };
    QByteArray m_data;
    QList<Entry> m_entries;
};

}  // namespace tessera::docs
