#pragma once
// A curated list of small models that run well on a desktop, with their Hugging Face download
// locations (https://huggingface.co/<repo>/resolve/main/<file>).
//
// Sizes and hashes: sizeBytes and sha256 are set only where they are known exactly (the downloader
// then checks them); approxSizeBytes is a display hint ("~0.8 GB"). No entry carries a sha256 yet:
// they were written offline, and a hash that was not read from the published file must not be
// invented. Fill them in from each file's "Files and versions" page (LFS "SHA256") when verifying
// the catalog online. File names are those of the repositories as published; a 404 from a
// renamed file is reported by the downloader with the URL.
#include <QList>
#include <QString>
#include <QUrl>
#include <optional>

namespace tessera {

enum class ModelKind { chat, vision, speech, embedding };
QString modelKindName(ModelKind kind);  // "chat", "vision", "speech", "embedding"

struct CatalogFile {
    QString repo;        // "Qwen/Qwen2.5-0.5B-Instruct-GGUF"
    QString fileName;    // "qwen2.5-0.5b-instruct-q4_k_m.gguf"
    qint64 sizeBytes = 0;        // exact size, 0: unknown
    qint64 approxSizeBytes = 0;  // for display
    QString sha256;              // lowercase hex, empty: unknown (not verified)

    QUrl url() const;  // https://huggingface.co/<repo>/resolve/main/<fileName>
};

struct CatalogEntry {
    QString id;           // stable key, "qwen2.5-0.5b-instruct"
    QString displayName;  // "Qwen2.5 0.5B Instruct"
    ModelKind kind = ModelKind::chat;
    QString quantization; // "Q4_K_M"
    QString format;       // "gguf", or "ggml" (whisper.cpp's legacy .bin)
    QString license;
    QString description;
    CatalogFile model;
    std::optional<CatalogFile> mmproj;  // vision/audio projector that goes with the model
};

QUrl huggingFaceFileUrl(const QString& repo, const QString& fileName);

const QList<CatalogEntry>& modelCatalog();
const CatalogEntry* findCatalogEntry(const QString& id);
// The entry whose model file (or mmproj file) is named `fileName`; nullptr when none.
const CatalogEntry* findCatalogEntryByFileName(const QString& fileName);

}  // namespace tessera
