#pragma once
// ModelManager: what is in a local GGUF file and whether this machine can run it; the local model
// folder (scan, projector pairing, catalog downloads).
//
// describeModel() reads only the GGUF header and tensor table (memory-mapped, nothing computed), so
// it is cheap enough to run for every file of a folder. Plain Qt types in this header: the GUI may
// include it.
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>
#include <memory>

#include "app/services/model_catalog.h"

class QNetworkAccessManager;

namespace tessera {

class ModelDownloader;

struct MemoryInfo {
    qint64 totalBytes = 0;      // MemTotal
    qint64 availableBytes = 0;  // MemAvailable (what can be allocated without swapping)
    bool valid = false;
};

// Parses /proc/meminfo text ("MemTotal:  16318480 kB").
MemoryInfo parseMemInfo(const QByteArray& text);
MemoryInfo readMemoryInfo();  // this machine, from /proc/meminfo

enum class MemoryFit {
    fits,      // estimate <= available RAM
    tight,     // fits in total RAM but not in what is available now (close other programs)
    tooLarge,  // more than the machine's RAM
    unknown,   // memory size unknown
};
QString memoryFitName(MemoryFit fit);  // "fits", "tight", "too_large", "unknown"

// RAM estimate = file size (weights, memory-mapped) + KV cache at the default context + overhead.
// The engine's KV cache is f32: n_layer * n_ctx * n_head_kv * (key_length + value_length) * 4 bytes.
// Overhead (scratch buffers, logits, the app) is 64 MiB + 10 % of the file size: a rule of thumb, not
// a measurement.
constexpr int kDefaultContextCap = 4096;  // the Session's default: min(training context, 4096)
qint64 ramOverheadBytes(qint64 fileSize);

struct ModelDescription {
    QString path;
    QString error;           // non-empty: the file could not be read as GGUF (the rest is empty)
    QString name;            // general.name
    QString architecture;    // general.architecture ("llama", "qwen2", "clip", ...)
    bool isProjector = false;  // general.type == "mmproj" (a vision/audio projector, not a model)
    qint64 parameterCount = 0;   // sum of the elements of every tensor
    QString quantization;        // "Q4_K_M" (general.file_type) or the dominant tensor type "Q8_0"
    bool quantizationFromFileType = false;
    qint64 fileSize = 0;
    int contextLength = 0;       // <arch>.context_length (training context), 0 if absent
    bool hasChatTemplate = false;
    int nLayer = 0;
    int nEmbd = 0;
    int nHead = 0;
    int nHeadKv = 0;
    int keyLength = 0;
    int valueLength = 0;
    int defaultContext = 0;      // min(contextLength, 4096), 4096 when unknown
    qint64 kvCacheBytes = 0;     // at defaultContext
    qint64 ramEstimateBytes = 0;
    MemoryFit fit = MemoryFit::unknown;
    QString mmprojPath;          // paired projector (scan() fills it)
};

// Reads a GGUF file's metadata; `memory` decides `fit`.
ModelDescription describeModel(const QString& path, const MemoryInfo& memory = readMemoryInfo());
MemoryFit classifyMemoryFit(qint64 ramEstimateBytes, const MemoryInfo& memory);
// llama_ftype names: 15 -> "Q4_K_M"; empty for unknown values.
QString fileTypeName(int fileType);

// The projector that goes with `modelPath`: the catalog's mmproj for that file if present in the same
// folder; else the only mmproj*.gguf of the folder; else the one whose name contains the model's
// base name (without its quantization suffix). Empty when none.
QString findMmprojFor(const QString& modelPath);

class ModelManager : public QObject {
    Q_OBJECT
public:
    explicit ModelManager(const QString& modelsDir, QObject* parent = nullptr);
    ~ModelManager() override;

    QString modelsDir() const { return m_modelsDir; }
    // Every *.gguf under modelsDir except projectors, described, with its projector paired.
    QList<ModelDescription> scan() const;

    // Where a catalog file goes: <modelsDir>/<fileName>.
    QString localPath(const CatalogFile& file) const;
    bool isInstalled(const CatalogEntry& entry) const;

    // Replaces https://huggingface.co with another base (a mirror, or a test server).
    void setDownloadBaseUrl(const QUrl& base) { m_baseUrl = base; }
    QUrl downloadUrl(const CatalogFile& file) const;

    // Downloads the entry's model file, then its projector; one download at a time.
    bool download(const QString& entryId);
    void cancelDownload();
    bool isDownloading() const;
    ModelDownloader* downloader() const { return m_downloader.get(); }

signals:
    void downloadProgress(const QString& entryId, qint64 received, qint64 total);
    void downloadFinished(const QString& entryId);
    void downloadFailed(const QString& entryId, const QString& message);
    void downloadCancelled(const QString& entryId);
    void modelsChanged();

private:
    void downloadNext();

    QString m_modelsDir;
    QUrl m_baseUrl;
    std::unique_ptr<QNetworkAccessManager> m_network;
    std::unique_ptr<ModelDownloader> m_downloader;
    QString m_entryId;
    QList<CatalogFile> m_queue;
};

}  // namespace tessera
