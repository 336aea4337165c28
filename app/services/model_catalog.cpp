#include "app/services/model_catalog.h"

namespace tessera {

namespace {

constexpr qint64 kMB = 1000 * 1000;

CatalogFile file(const char* repo, const char* name, qint64 approxMB) {
    CatalogFile f;
    f.repo = QString::fromLatin1(repo);
    f.fileName = QString::fromLatin1(name);
    f.approxSizeBytes = approxMB * kMB;
    return f;
}

CatalogEntry entry(const char* id, const char* display, ModelKind kind, const char* quant, const char* format,
                   const char* license, const char* description, CatalogFile model,
                   std::optional<CatalogFile> mmproj = std::nullopt) {
    CatalogEntry e;
    e.id = QString::fromLatin1(id);
    e.displayName = QString::fromLatin1(display);
    e.kind = kind;
    e.quantization = QString::fromLatin1(quant);
    e.format = QString::fromLatin1(format);
    e.license = QString::fromLatin1(license);
    e.description = QString::fromLatin1(description);
    e.model = std::move(model);
    e.mmproj = std::move(mmproj);
    return e;
}

QList<CatalogEntry> buildCatalog() {
    QList<CatalogEntry> c;
    // ---- chat ----
    c << entry("smollm2-360m-instruct", "SmolLM2 360M Instruct", ModelKind::chat, "Q8_0", "gguf", "Apache-2.0",
               "Tiny and fast; fine for short answers on any machine.",
               file("HuggingFaceTB/SmolLM2-360M-Instruct-GGUF", "smollm2-360m-instruct-q8_0.gguf", 386));
    c << entry("qwen2.5-0.5b-instruct", "Qwen2.5 0.5B Instruct", ModelKind::chat, "Q4_K_M", "gguf", "Apache-2.0",
               "Smallest Qwen2.5; multilingual.",
               file("Qwen/Qwen2.5-0.5B-Instruct-GGUF", "qwen2.5-0.5b-instruct-q4_k_m.gguf", 491));
    c << entry("qwen2.5-1.5b-instruct", "Qwen2.5 1.5B Instruct", ModelKind::chat, "Q4_K_M", "gguf", "Apache-2.0",
               "Good quality for its size; multilingual.",
               file("Qwen/Qwen2.5-1.5B-Instruct-GGUF", "qwen2.5-1.5b-instruct-q4_k_m.gguf", 1120));
    c << entry("llama-3.2-1b-instruct", "Llama 3.2 1B Instruct", ModelKind::chat, "Q4_K_M", "gguf",
               "Llama 3.2 Community License", "Meta's small model, 128k context.",
               file("bartowski/Llama-3.2-1B-Instruct-GGUF", "Llama-3.2-1B-Instruct-Q4_K_M.gguf", 808));
    c << entry("llama-3.2-3b-instruct", "Llama 3.2 3B Instruct", ModelKind::chat, "Q4_K_M", "gguf",
               "Llama 3.2 Community License", "Stronger answers; needs about 3 GB of RAM.",
               file("bartowski/Llama-3.2-3B-Instruct-GGUF", "Llama-3.2-3B-Instruct-Q4_K_M.gguf", 2020));
    c << entry("gemma-3-1b-it", "Gemma 3 1B IT", ModelKind::chat, "Q4_K_M", "gguf", "Gemma Terms of Use",
               "Google's smallest Gemma 3 (text only).",
               file("ggml-org/gemma-3-1b-it-GGUF", "gemma-3-1b-it-Q4_K_M.gguf", 806));
    // ---- vision (model + projector) ----
    c << entry("gemma-3-4b-it", "Gemma 3 4B IT (vision)", ModelKind::vision, "Q4_K_M", "gguf", "Gemma Terms of Use",
               "Text and images; 128k context.", file("ggml-org/gemma-3-4b-it-GGUF", "gemma-3-4b-it-Q4_K_M.gguf", 2490),
               file("ggml-org/gemma-3-4b-it-GGUF", "mmproj-model-f16.gguf", 851));
    c << entry("smolvlm2-500m-video-instruct", "SmolVLM2 500M Video Instruct", ModelKind::vision, "Q8_0", "gguf",
               "Apache-2.0", "Small vision model: images and short frame sequences.",
               file("ggml-org/SmolVLM2-500M-Video-Instruct-GGUF", "SmolVLM2-500M-Video-Instruct-Q8_0.gguf", 437),
               file("ggml-org/SmolVLM2-500M-Video-Instruct-GGUF", "mmproj-SmolVLM2-500M-Video-Instruct-Q8_0.gguf", 109));
    c << entry("qwen2.5-vl-3b-instruct", "Qwen2.5-VL 3B Instruct", ModelKind::vision, "Q4_K_M", "gguf",
               "Qwen Research License", "Documents, charts and screenshots.",
               file("ggml-org/Qwen2.5-VL-3B-Instruct-GGUF", "Qwen2.5-VL-3B-Instruct-Q4_K_M.gguf", 1930),
               file("ggml-org/Qwen2.5-VL-3B-Instruct-GGUF", "mmproj-Qwen2.5-VL-3B-Instruct-Q8_0.gguf", 845));
    // ---- speech (whisper.cpp ggml format) ----
    c << entry("whisper-base", "Whisper base", ModelKind::speech, "F16", "ggml", "MIT",
               "Speech to text, 74M parameters, multilingual.",
               file("ggerganov/whisper.cpp", "ggml-base.bin", 148));
    c << entry("whisper-small", "Whisper small", ModelKind::speech, "F16", "ggml", "MIT",
               "Speech to text, 244M parameters, more accurate.",
               file("ggerganov/whisper.cpp", "ggml-small.bin", 488));
    // ---- embeddings ----
    c << entry("bge-small-en-v1.5", "BGE small en v1.5", ModelKind::embedding, "F16", "gguf", "MIT",
               "English sentence embeddings (384 dimensions) for search in your documents.",
               file("CompendiumLabs/bge-small-en-v1.5-gguf", "bge-small-en-v1.5-f16.gguf", 67));
    c << entry("nomic-embed-text-v1.5", "nomic-embed-text v1.5", ModelKind::embedding, "Q8_0", "gguf", "Apache-2.0",
               "Embeddings with an 8k context (768 dimensions).",
               file("nomic-ai/nomic-embed-text-v1.5-GGUF", "nomic-embed-text-v1.5.Q8_0.gguf", 146));
    return c;
}

}  // namespace

QString modelKindName(ModelKind kind) {
    switch (kind) {
        case ModelKind::chat: return QStringLiteral("chat");
        case ModelKind::vision: return QStringLiteral("vision");
        case ModelKind::speech: return QStringLiteral("speech");
        case ModelKind::embedding: return QStringLiteral("embedding");
    }
    return QString();
}

QUrl huggingFaceFileUrl(const QString& repo, const QString& fileName) {
    return QUrl(QStringLiteral("https://huggingface.co/%1/resolve/main/%2").arg(repo, fileName));
}

QUrl CatalogFile::url() const { return huggingFaceFileUrl(repo, fileName); }

const QList<CatalogEntry>& modelCatalog() {
    static const QList<CatalogEntry> catalog = buildCatalog();
    return catalog;
}

const CatalogEntry* findCatalogEntry(const QString& id) {
    for (const auto& e : modelCatalog())
        if (e.id == id) return &e;
    return nullptr;
}

const CatalogEntry* findCatalogEntryByFileName(const QString& fileName) {
    for (const auto& e : modelCatalog())
        if (e.model.fileName == fileName || (e.mmproj && e.mmproj->fileName == fileName)) return &e;
    return nullptr;
}

}  // namespace tessera
