// describeModel() on synthetic models and the stories260K fixture (parameter counts and KV sizes
// computed by hand from the shapes), /proc/meminfo parsing, projector pairing, folder scans and a
// catalog download through a local HTTP server.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <filesystem>

#include "app/services/model_downloader.h"
#include "app/services/model_manager.h"
#include "engine/gguf/gguf.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/models/text/synthetic_model.h"
#include "tests/app/models/test_http_server.h"
#include "tests/support/test_support.h"

namespace tessera {
namespace {

SyntheticModelSpec smallSpec() {
    SyntheticModelSpec s;
    s.n_vocab = 320;
    s.n_ctx_train = 2048;
    s.n_embd = 64;
    s.n_layer = 2;
    s.n_head = 4;
    s.n_head_kv = 2;
    s.head_dim = 16;
    s.n_ff = 128;
    return s;
}

// Tied-embedding llama from write_synthetic_text_model, counted tensor by tensor.
int64_t handParameterCount(const SyntheticModelSpec& s) {
    const int64_t q = s.n_head * s.head_dim, kv = s.n_head_kv * s.head_dim;
    const int64_t layer = 2 * s.n_embd + s.n_embd * q + 2 * s.n_embd * kv + q * s.n_embd + 3 * s.n_embd * s.n_ff;
    return s.n_vocab * s.n_embd + s.n_embd + s.n_layer * layer;
}

// Copies `src` to `dst` with extra metadata keys.
void copyWithKeys(const std::string& src, const std::string& dst, const std::vector<std::pair<std::string, GgufValue>>& keys) {
    auto f = GgufFile::open(src);
    ASSERT_TRUE(f.is_ok()) << f.status().to_string();
    GgufWriter w;
    for (const auto& [k, v] : (*f)->metadata())
        if (k != "general.alignment") w.set(k, v);
    for (const auto& [k, v] : keys) w.set(k, v);
    for (const auto& info : (*f)->tensors()) {
        const auto* p = static_cast<const uint8_t*>(info.tensor.data);
        ASSERT_TRUE(w.add_tensor(info.tensor.name, info.tensor.type,
                                 std::vector<int64_t>(info.tensor.ne, info.tensor.ne + info.tensor.n_dims),
                                 std::vector<uint8_t>(p, p + info.tensor.nbytes))
                        .is_ok());
    }
    ASSERT_TRUE(w.write(dst).is_ok());
}

void touch(const QString& path, const QByteArray& content = "x") {
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(content);
}

MemoryInfo memory(qint64 total, qint64 available) { return MemoryInfo{total, available, true}; }

class ModelManagerTest : public ::testing::Test {
protected:
    void SetUp() override {
        test::ensureApp();
        ASSERT_TRUE(m_dir.isValid());
    }
    QString path(const QString& name) const { return m_dir.filePath(name); }
    QTemporaryDir m_dir;
};

TEST(MemInfo, ParsesKilobytesFromProcMeminfo) {
    const QByteArray text =
        "MemTotal:       16318480 kB\n"
        "MemFree:         1234567 kB\n"
        "MemAvailable:   12000000 kB\n"
        "Buffers:          100000 kB\n";
    const MemoryInfo m = parseMemInfo(text);
    ASSERT_TRUE(m.valid);
    EXPECT_EQ(m.totalBytes, 16318480LL * 1024);
    EXPECT_EQ(m.availableBytes, 12000000LL * 1024);
    EXPECT_FALSE(parseMemInfo("MemTotal: 100 kB\n").valid);  // no MemAvailable
    const MemoryInfo here = readMemoryInfo();
    EXPECT_TRUE(here.valid);
    EXPECT_GT(here.totalBytes, 0);
    EXPECT_LE(here.availableBytes, here.totalBytes);
}

TEST(MemInfo, FitClassification) {
    const MemoryInfo m = memory(8'000'000'000, 3'000'000'000);
    EXPECT_EQ(classifyMemoryFit(3'000'000'000, m), MemoryFit::fits);
    EXPECT_EQ(classifyMemoryFit(3'000'000'001, m), MemoryFit::tight);
    EXPECT_EQ(classifyMemoryFit(8'000'000'000, m), MemoryFit::tight);
    EXPECT_EQ(classifyMemoryFit(8'000'000'001, m), MemoryFit::tooLarge);
    EXPECT_EQ(classifyMemoryFit(1, MemoryInfo{}), MemoryFit::unknown);
}

TEST(FileType, NamesFollowLlamaFtype) {
    EXPECT_EQ(fileTypeName(0), "F32");
    EXPECT_EQ(fileTypeName(1), "F16");
    EXPECT_EQ(fileTypeName(7), "Q8_0");
    EXPECT_EQ(fileTypeName(15), "Q4_K_M");
    EXPECT_EQ(fileTypeName(18), "Q6_K");
    EXPECT_EQ(fileTypeName(32), "BF16");
    EXPECT_TRUE(fileTypeName(5).isEmpty());  // removed Q4_2
    EXPECT_TRUE(fileTypeName(999).isEmpty());
}

TEST_F(ModelManagerTest, DescribesASyntheticModel) {
    const SyntheticModelSpec spec = smallSpec();
    const QString p = path("tiny-f32.gguf");
    ASSERT_TRUE(write_synthetic_text_model(spec, p.toStdString()).is_ok());
    const qint64 size = static_cast<qint64>(std::filesystem::file_size(p.toStdString()));
    const ModelDescription d = describeModel(p, memory(64LL << 30, 32LL << 30));
    ASSERT_TRUE(d.error.isEmpty()) << d.error.toStdString();
    EXPECT_EQ(d.architecture, "llama");
    EXPECT_EQ(d.name, "tessera-synthetic-llama");
    EXPECT_FALSE(d.isProjector);
    EXPECT_EQ(d.parameterCount, handParameterCount(spec));
    EXPECT_EQ(d.quantization, "F32");  // no general.file_type: the dominant matrix type
    EXPECT_FALSE(d.quantizationFromFileType);
    EXPECT_EQ(d.fileSize, size);
    EXPECT_EQ(d.contextLength, 2048);
    EXPECT_FALSE(d.hasChatTemplate);
    EXPECT_EQ(d.nLayer, 2);
    EXPECT_EQ(d.nHeadKv, 2);
    EXPECT_EQ(d.keyLength, 16);
    EXPECT_EQ(d.defaultContext, 2048);
    // 2 layers x 2048 positions x 2 heads x (16 + 16) x 4 bytes.
    EXPECT_EQ(d.kvCacheBytes, 2LL * 2048 * 2 * 32 * 4);
    EXPECT_EQ(d.ramEstimateBytes, size + 2LL * 2048 * 2 * 32 * 4 + (64LL << 20) + size / 10);
    EXPECT_EQ(d.fit, MemoryFit::fits);
    EXPECT_EQ(describeModel(p, memory(d.ramEstimateBytes - 1, d.ramEstimateBytes / 2)).fit, MemoryFit::tooLarge);
}

TEST_F(ModelManagerTest, QuantizationComesFromFileTypeOrTheDominantTensorType) {
    SyntheticModelSpec spec = smallSpec();
    spec.weight_type = "q8_0";
    const QString p = path("tiny-q8.gguf");
    ASSERT_TRUE(write_synthetic_text_model(spec, p.toStdString()).is_ok());
    const ModelDescription d = describeModel(p, MemoryInfo{});
    EXPECT_EQ(d.quantization, "Q8_0");
    EXPECT_EQ(d.parameterCount, handParameterCount(spec));  // elements, whatever the storage type
    EXPECT_EQ(d.fit, MemoryFit::unknown);

    const QString q = path("tiny-ftype.gguf");
    copyWithKeys(p.toStdString(), q.toStdString(),
                 {{"general.file_type", GgufValue::make_u32(15)},
                  {"tokenizer.chat_template", GgufValue::make_string("{{ messages }}")}});
    const ModelDescription e = describeModel(q, MemoryInfo{});
    EXPECT_EQ(e.quantization, "Q4_K_M");
    EXPECT_TRUE(e.quantizationFromFileType);
    EXPECT_TRUE(e.hasChatTemplate);
}

TEST_F(ModelManagerTest, DescribesTheStoriesFixtureFromItsReferenceShapes) {
    const auto gguf = test::fixture("text/stories260K.gguf");
    TESSERA_REQUIRE_FIXTURE(gguf);
    const QJsonObject ref =
        QJsonDocument::fromJson(QByteArray::fromStdString(test::read_text_file(test::fixture("text/stories260K.ref.json"))))
            .object();
    const QJsonObject hp = ref["hparams"].toObject();
    const int64_t embd = hp["n_embd"].toInt(), layers = hp["n_layer"].toInt(), kvHeads = hp["n_head_kv"].toInt(),
                  headDim = hp["head_dim"].toInt(), ff = hp["n_ff"].toInt(), heads = hp["n_head"].toInt();
    const int64_t vocab = 512;  // tokenizer.ggml.tokens
    // Untied: token_embd + output + output_norm; per layer q, k, v, o, gate, up, down, two norms.
    const int64_t perLayer = embd * heads * headDim + 2 * embd * kvHeads * headDim + heads * headDim * embd +
                             3 * embd * ff + 2 * embd;
    const ModelDescription d = describeModel(QString::fromStdString(gguf.string()), MemoryInfo{});
    ASSERT_TRUE(d.error.isEmpty()) << d.error.toStdString();
    EXPECT_EQ(d.parameterCount, 2 * vocab * embd + embd + layers * perLayer);
    EXPECT_EQ(d.contextLength, hp["n_ctx"].toInt());
    EXPECT_EQ(d.kvCacheBytes, layers * 2048 * kvHeads * (2 * headDim) * 4);
    EXPECT_EQ(d.quantization, "F32");
    EXPECT_EQ(d.fileSize, static_cast<qint64>(std::filesystem::file_size(gguf)));
}

TEST_F(ModelManagerTest, ProjectorFixtureIsRecognised) {
    const auto mmproj = test::fixture("vision/models/mmproj-gemma3.gguf");
    TESSERA_REQUIRE_FIXTURE(mmproj);
    const ModelDescription d = describeModel(QString::fromStdString(mmproj.string()), MemoryInfo{});
    ASSERT_TRUE(d.error.isEmpty()) << d.error.toStdString();
    EXPECT_TRUE(d.isProjector);
    EXPECT_EQ(d.architecture, "clip");
    EXPECT_EQ(d.quantization, "F32");  // general.file_type 0
    EXPECT_EQ(d.kvCacheBytes, 0);
}

TEST_F(ModelManagerTest, NonGgufFileIsAnErrorNamingThePath) {
    const QString p = path("notes.gguf");
    touch(p, "this is not a gguf file at all");
    const ModelDescription d = describeModel(p, MemoryInfo{});
    EXPECT_FALSE(d.error.isEmpty());
    EXPECT_TRUE(d.error.contains(p)) << d.error.toStdString();
    EXPECT_EQ(d.parameterCount, 0);
}

TEST_F(ModelManagerTest, PairsProjectorsByCatalogThenByName) {
    // Catalog pairing.
    QDir().mkpath(path("a"));
    touch(path("a/gemma-3-4b-it-Q4_K_M.gguf"));
    touch(path("a/mmproj-model-f16.gguf"));
    touch(path("a/mmproj-other.gguf"));
    EXPECT_EQ(findMmprojFor(path("a/gemma-3-4b-it-Q4_K_M.gguf")), path("a/mmproj-model-f16.gguf"));
    // Several projectors: the one named after the model (quantization suffix ignored).
    QDir().mkpath(path("b"));
    touch(path("b/MyVLM-2B-Q4_K_M.gguf"));
    touch(path("b/mmproj-MyVLM-2B-f16.gguf"));
    touch(path("b/mmproj-SomethingElse-f16.gguf"));
    EXPECT_EQ(findMmprojFor(path("b/MyVLM-2B-Q4_K_M.gguf")), path("b/mmproj-MyVLM-2B-f16.gguf"));
    // A single projector in the folder goes with the model.
    QDir().mkpath(path("c"));
    touch(path("c/model.gguf"));
    touch(path("c/mmproj.gguf"));
    EXPECT_EQ(findMmprojFor(path("c/model.gguf")), path("c/mmproj.gguf"));
    // None, or an ambiguous choice: empty.
    QDir().mkpath(path("d"));
    touch(path("d/model.gguf"));
    EXPECT_TRUE(findMmprojFor(path("d/model.gguf")).isEmpty());
    touch(path("d/mmproj-x.gguf"));
    touch(path("d/mmproj-y.gguf"));
    EXPECT_TRUE(findMmprojFor(path("d/model.gguf")).isEmpty());
}

TEST_F(ModelManagerTest, ScanListsModelsWithTheirProjectors) {
    QDir().mkpath(path("models/vlm"));
    ASSERT_TRUE(write_synthetic_text_model(smallSpec(), path("models/chat-f32.gguf").toStdString()).is_ok());
    ASSERT_TRUE(write_synthetic_text_model(smallSpec(), path("models/vlm/Vision-Q8_0.gguf").toStdString()).is_ok());
    const auto fixtureProj = test::fixture("vision/models/mmproj-gemma3.gguf");
    TESSERA_REQUIRE_FIXTURE(fixtureProj);
    ASSERT_TRUE(QFile::copy(QString::fromStdString(fixtureProj.string()), path("models/vlm/mmproj-Vision-f16.gguf")));
    touch(path("models/readme.txt"));
    ModelManager manager(path("models"));
    const QList<ModelDescription> found = manager.scan();
    ASSERT_EQ(found.size(), 2);
    EXPECT_EQ(found[0].path, path("models/chat-f32.gguf"));
    EXPECT_TRUE(found[0].mmprojPath.isEmpty());
    EXPECT_EQ(found[1].path, path("models/vlm/Vision-Q8_0.gguf"));
    EXPECT_EQ(found[1].mmprojPath, path("models/vlm/mmproj-Vision-f16.gguf"));
    EXPECT_EQ(found[1].parameterCount, handParameterCount(smallSpec()));
}

TEST_F(ModelManagerTest, DownloadsACatalogEntryWithItsProjectorFromAMirror) {
    const CatalogEntry* entry = findCatalogEntry(QStringLiteral("gemma-3-4b-it"));
    ASSERT_NE(entry, nullptr);
    ASSERT_TRUE(entry->mmproj.has_value());
    test::TestHttpServer server;
    ASSERT_TRUE(server.isListening());
    const QByteArray modelBytes = test::patternBytes(300000, 1), projBytes = test::patternBytes(50000, 2);
    const QByteArray base = "/" + entry->model.repo.toUtf8() + "/resolve/main/";
    server.addFile(base + entry->model.fileName.toUtf8(), modelBytes);
    server.addFile(base + entry->mmproj->fileName.toUtf8(), projBytes);

    ModelManager manager(path("dl"));
    manager.setDownloadBaseUrl(server.baseUrl());
    EXPECT_EQ(manager.downloadUrl(entry->model).toString(),
              server.baseUrl().toString() + QString::fromUtf8(base) + entry->model.fileName);
    bool finished = false, changed = false;
    QString failure;
    QObject::connect(&manager, &ModelManager::downloadFinished, &manager, [&](const QString& id) {
        finished = id == entry->id;
    });
    QObject::connect(&manager, &ModelManager::downloadFailed, &manager,
                     [&](const QString&, const QString& message) { failure = message; });
    QObject::connect(&manager, &ModelManager::modelsChanged, &manager, [&] { changed = true; });
    EXPECT_FALSE(manager.isInstalled(*entry));
    ASSERT_TRUE(manager.download(entry->id));
    ASSERT_TRUE(test::waitFor([&] { return finished || !failure.isEmpty(); }));
    ASSERT_TRUE(failure.isEmpty()) << failure.toStdString();
    EXPECT_TRUE(changed);
    EXPECT_TRUE(manager.isInstalled(*entry));
    QFile m(manager.localPath(entry->model)), p(manager.localPath(*entry->mmproj));
    ASSERT_TRUE(m.open(QIODevice::ReadOnly));
    ASSERT_TRUE(p.open(QIODevice::ReadOnly));
    EXPECT_EQ(m.readAll(), modelBytes);
    EXPECT_EQ(p.readAll(), projBytes);
    EXPECT_EQ(findMmprojFor(manager.localPath(entry->model)), manager.localPath(*entry->mmproj));
}

}  // namespace
}  // namespace tessera
