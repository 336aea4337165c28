#include "app/services/model_manager.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QRegularExpression>
#include <algorithm>
#include <map>

#include "app/services/model_downloader.h"
#include "engine/gguf/gguf.h"

namespace tessera {

namespace {

// <arch>.<key> as an int; per-layer arrays (head_count_kv on some models) give their maximum.
int64_t archInt(const GgufFile& f, const std::string& arch, const std::string& key, int64_t fallback) {
    const std::string full = arch + "." + key;
    if (auto v = f.get_int(full)) return *v;
    if (auto a = f.get_int_array(full); a && !a->empty()) return *std::max_element(a->begin(), a->end());
    return fallback;
}

bool isProjectorFileName(const QString& fileName) {
    return fileName.startsWith(QLatin1String("mmproj"), Qt::CaseInsensitive) && fileName.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive);
}

// "SmolVLM2-500M-Video-Instruct-Q8_0.gguf" -> "smolvlm2-500m-video-instruct"
QString modelBaseName(const QString& fileName) {
    QString base = QFileInfo(fileName).completeBaseName().toLower();
    static const QRegularExpression quantSuffix(
        QStringLiteral(R"([-_.](i?q\d[a-z0-9_]*|f16|f32|bf16|fp16)$)"), QRegularExpression::CaseInsensitiveOption);
    base.remove(quantSuffix);
    return base;
}

}  // namespace

// ---- memory ----

MemoryInfo parseMemInfo(const QByteArray& text) {
    MemoryInfo info;
    bool haveTotal = false, haveAvailable = false;
    for (const QByteArray& rawLine : text.split('\n')) {
        const QByteArray line = rawLine.simplified();
        const QList<QByteArray> parts = line.split(' ');
        if (parts.size() < 2) continue;
        bool ok = false;
        const qint64 value = parts[1].toLongLong(&ok);
        if (!ok) continue;
        const qint64 scale = parts.size() >= 3 && parts[2].toLower() == "kb" ? 1024 : 1;
        if (parts[0] == "MemTotal:") {
            info.totalBytes = value * scale;
            haveTotal = true;
        } else if (parts[0] == "MemAvailable:") {
            info.availableBytes = value * scale;
            haveAvailable = true;
        }
    }
    info.valid = haveTotal && haveAvailable;
    return info;
}

MemoryInfo readMemoryInfo() {
    QFile f(QStringLiteral("/proc/meminfo"));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return parseMemInfo(f.readAll());
}

QString memoryFitName(MemoryFit fit) {
    switch (fit) {
        case MemoryFit::fits: return QStringLiteral("fits");
        case MemoryFit::tight: return QStringLiteral("tight");
        case MemoryFit::tooLarge: return QStringLiteral("too_large");
        case MemoryFit::unknown: return QStringLiteral("unknown");
    }
    return QString();
}

qint64 ramOverheadBytes(qint64 fileSize) { return (64LL << 20) + fileSize / 10; }

MemoryFit classifyMemoryFit(qint64 ramEstimateBytes, const MemoryInfo& memory) {
    if (!memory.valid) return MemoryFit::unknown;
    if (ramEstimateBytes <= memory.availableBytes) return MemoryFit::fits;
    if (ramEstimateBytes <= memory.totalBytes) return MemoryFit::tight;
    return MemoryFit::tooLarge;
}

// ref: llama.cpp include/llama.h, enum llama_ftype.
QString fileTypeName(int fileType) {
    static const std::map<int, const char*> kNames = {
        {0, "F32"},      {1, "F16"},      {2, "Q4_0"},     {3, "Q4_1"},    {7, "Q8_0"},     {8, "Q5_0"},
        {9, "Q5_1"},     {10, "Q2_K"},    {11, "Q3_K_S"},  {12, "Q3_K_M"}, {13, "Q3_K_L"},  {14, "Q4_K_S"},
        {15, "Q4_K_M"},  {16, "Q5_K_S"},  {17, "Q5_K_M"},  {18, "Q6_K"},   {19, "IQ2_XXS"}, {20, "IQ2_XS"},
        {21, "Q2_K_S"},  {22, "IQ3_XS"},  {23, "IQ3_XXS"}, {24, "IQ1_S"},  {25, "IQ4_NL"},  {26, "IQ3_S"},
        {27, "IQ3_M"},   {28, "IQ2_S"},   {29, "IQ2_M"},   {30, "IQ4_XS"}, {31, "IQ1_M"},   {32, "BF16"},
        {36, "TQ1_0"},   {37, "TQ2_0"},   {38, "MXFP4_MOE"},
    };
    const auto it = kNames.find(fileType);
    return it == kNames.end() ? QString() : QString::fromLatin1(it->second);
}

ModelDescription describeModel(const QString& path, const MemoryInfo& memory) {
    ModelDescription d;
    d.path = path;
    auto opened = GgufFile::open(path.toStdString());
    if (!opened) {
        d.error = QStringLiteral("%1: %2").arg(path, QString::fromStdString(opened.status().to_string()));
        return d;
    }
    const GgufFile& f = **opened;
    const std::string arch = f.get_string_or("general.architecture", "");
    d.name = QString::fromStdString(f.get_string_or("general.name", ""));
    d.architecture = QString::fromStdString(arch);
    d.isProjector = f.get_string_or("general.type", "") == "mmproj" || arch == "clip";
    d.fileSize = static_cast<qint64>(f.file_size());
    d.hasChatTemplate = f.has("tokenizer.chat_template");

    std::map<std::string, uint64_t> bytesByType;  // matrices only: norms and biases stay f32 in every file
    for (const auto& info : f.tensors()) {
        d.parameterCount += info.tensor.n_elements();
        if (info.tensor.n_dims >= 2) bytesByType[std::string(dtype_name(info.tensor.type))] += info.tensor.nbytes;
    }
    const int64_t fileType = f.get_int_or("general.file_type", -1);
    if (fileType >= 0 && !fileTypeName(static_cast<int>(fileType)).isEmpty()) {
        d.quantization = fileTypeName(static_cast<int>(fileType));
        d.quantizationFromFileType = true;
    } else if (!bytesByType.empty()) {
        const auto dominant = std::max_element(bytesByType.begin(), bytesByType.end(),
                                               [](const auto& a, const auto& b) { return a.second < b.second; });
        d.quantization = QString::fromStdString(dominant->first);
    }

    if (!arch.empty() && !d.isProjector) {
        d.contextLength = static_cast<int>(archInt(f, arch, "context_length", 0));
        d.nLayer = static_cast<int>(archInt(f, arch, "block_count", 0));
        d.nEmbd = static_cast<int>(archInt(f, arch, "embedding_length", 0));
        d.nHead = static_cast<int>(archInt(f, arch, "attention.head_count", 0));
        d.nHeadKv = static_cast<int>(archInt(f, arch, "attention.head_count_kv", d.nHead));
        const int headDim = d.nHead > 0 ? d.nEmbd / d.nHead : 0;
        d.keyLength = static_cast<int>(archInt(f, arch, "attention.key_length", headDim));
        d.valueLength = static_cast<int>(archInt(f, arch, "attention.value_length", headDim));
        d.defaultContext = d.contextLength > 0 ? std::min(d.contextLength, kDefaultContextCap) : kDefaultContextCap;
        d.kvCacheBytes = static_cast<qint64>(d.nLayer) * d.defaultContext * d.nHeadKv *
                         (static_cast<qint64>(d.keyLength) + d.valueLength) * 4;
    }
    d.ramEstimateBytes = d.fileSize + d.kvCacheBytes + ramOverheadBytes(d.fileSize);
    d.fit = classifyMemoryFit(d.ramEstimateBytes, memory);
    return d;
}

QString findMmprojFor(const QString& modelPath) {
    const QFileInfo model(modelPath);
    const QDir dir = model.absoluteDir();
    // 1. The catalog's pairing.
    if (const CatalogEntry* e = findCatalogEntryByFileName(model.fileName());
        e && e->mmproj && e->model.fileName == model.fileName() && dir.exists(e->mmproj->fileName))
        return dir.filePath(e->mmproj->fileName);
    // 2. By name in the same folder.
    QStringList candidates;
    for (const QString& name : dir.entryList(QDir::Files, QDir::Name))
        if (isProjectorFileName(name)) candidates << name;
    if (candidates.isEmpty()) return QString();
    if (candidates.size() == 1) return dir.filePath(candidates.front());
    const QString base = modelBaseName(model.fileName());
    for (const QString& c : candidates)
        if (!base.isEmpty() && c.toLower().contains(base)) return dir.filePath(c);
    return QString();  // several projectors and none named after this model: let the user choose
}

// ---- ModelManager ----

ModelManager::ModelManager(const QString& modelsDir, QObject* parent)
    : QObject(parent), m_modelsDir(modelsDir), m_baseUrl(QStringLiteral("https://huggingface.co")) {}

ModelManager::~ModelManager() = default;

QList<ModelDescription> ModelManager::scan() const {
    QList<ModelDescription> out;
    const MemoryInfo memory = readMemoryInfo();
    QDirIterator it(m_modelsDir, {QStringLiteral("*.gguf")}, QDir::Files, QDirIterator::Subdirectories);
    QStringList paths;
    while (it.hasNext()) paths << it.next();
    paths.sort();
    for (const QString& p : paths) {
        if (isProjectorFileName(QFileInfo(p).fileName())) continue;
        ModelDescription d = describeModel(p, memory);
        if (d.isProjector) continue;
        d.mmprojPath = findMmprojFor(p);
        out << d;
    }
    return out;
}

QString ModelManager::localPath(const CatalogFile& file) const { return QDir(m_modelsDir).filePath(file.fileName); }

bool ModelManager::isInstalled(const CatalogEntry& entry) const {
    if (!QFileInfo::exists(localPath(entry.model))) return false;
    return !entry.mmproj || QFileInfo::exists(localPath(*entry.mmproj));
}

QUrl ModelManager::downloadUrl(const CatalogFile& file) const {
    QUrl url = m_baseUrl;
    QString basePath = url.path();
    if (basePath.endsWith(QLatin1Char('/'))) basePath.chop(1);
    url.setPath(basePath + QStringLiteral("/%1/resolve/main/%2").arg(file.repo, file.fileName));
    return url;
}

bool ModelManager::isDownloading() const { return m_downloader && m_downloader->isRunning(); }

bool ModelManager::download(const QString& entryId) {
    const CatalogEntry* entry = findCatalogEntry(entryId);
    if (!entry || isDownloading()) return false;
    if (!m_network) m_network = std::make_unique<QNetworkAccessManager>();
    if (!m_downloader) {
        m_downloader = std::make_unique<ModelDownloader>(m_network.get());
        connect(m_downloader.get(), &ModelDownloader::progress, this,
                [this](qint64 received, qint64 total) { emit downloadProgress(m_entryId, received, total); });
        connect(m_downloader.get(), &ModelDownloader::finished, this, [this](const QString&) { downloadNext(); });
        connect(m_downloader.get(), &ModelDownloader::failed, this, [this](const QString& message, ModelDownloader::Error) {
            m_queue.clear();
            emit downloadFailed(m_entryId, message);
        });
        connect(m_downloader.get(), &ModelDownloader::cancelled, this, [this] {
            m_queue.clear();
            emit downloadCancelled(m_entryId);
        });
    }
    m_entryId = entryId;
    m_queue.clear();
    for (const CatalogFile* f : {&entry->model, entry->mmproj ? &*entry->mmproj : nullptr})
        if (f && !QFileInfo::exists(localPath(*f))) m_queue << *f;
    downloadNext();
    return true;
}

void ModelManager::downloadNext() {
    if (m_queue.isEmpty()) {
        emit downloadFinished(m_entryId);
        emit modelsChanged();
        return;
    }
    const CatalogFile next = m_queue.takeFirst();
    m_downloader->start(downloadUrl(next), localPath(next), next.sha256, next.sizeBytes);
}

void ModelManager::cancelDownload() {
    if (m_downloader) m_downloader->cancel();
}

}  // namespace tessera
