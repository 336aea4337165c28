// The curated catalog: the models the issue asks for are there, every URL has the Hugging Face
// "resolve" form, and hashes are either absent or well-formed (never made up: see model_catalog.h).
#include <gtest/gtest.h>

#include <QRegularExpression>
#include <QSet>

#include "app/services/model_catalog.h"

namespace tessera {
namespace {

TEST(ModelCatalog, HoldsTheCuratedModels) {
    const QStringList wanted = {"smollm2-360m-instruct", "qwen2.5-0.5b-instruct", "qwen2.5-1.5b-instruct",
                                "llama-3.2-1b-instruct", "llama-3.2-3b-instruct", "gemma-3-1b-it",
                                "gemma-3-4b-it",         "smolvlm2-500m-video-instruct", "qwen2.5-vl-3b-instruct",
                                "whisper-base",          "whisper-small", "bge-small-en-v1.5",
                                "nomic-embed-text-v1.5"};
    for (const QString& id : wanted) EXPECT_NE(findCatalogEntry(id), nullptr) << id.toStdString();
    EXPECT_EQ(findCatalogEntry(QStringLiteral("no-such-model")), nullptr);
}

TEST(ModelCatalog, UrlsFollowTheResolveForm) {
    EXPECT_EQ(huggingFaceFileUrl(QStringLiteral("Qwen/Qwen2.5-0.5B-Instruct-GGUF"),
                                 QStringLiteral("qwen2.5-0.5b-instruct-q4_k_m.gguf"))
                  .toString(),
              QStringLiteral("https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/"
                             "qwen2.5-0.5b-instruct-q4_k_m.gguf"));
    const QRegularExpression form(QStringLiteral(R"(^https://huggingface\.co/[^/]+/[^/]+/resolve/main/[^/]+$)"));
    for (const auto& e : modelCatalog()) {
        EXPECT_TRUE(form.match(e.model.url().toString()).hasMatch()) << e.model.url().toString().toStdString();
        if (e.mmproj) EXPECT_TRUE(form.match(e.mmproj->url().toString()).hasMatch()) << e.id.toStdString();
    }
}

TEST(ModelCatalog, EntriesAreConsistent) {
    QSet<QString> ids;
    const QRegularExpression hex64(QStringLiteral("^[0-9a-f]{64}$"));
    for (const auto& e : modelCatalog()) {
        EXPECT_FALSE(ids.contains(e.id)) << "duplicate id " << e.id.toStdString();
        ids.insert(e.id);
        EXPECT_FALSE(e.displayName.isEmpty());
        EXPECT_GT(e.model.approxSizeBytes, 0) << e.id.toStdString();
        for (const CatalogFile* f : {&e.model, e.mmproj ? &*e.mmproj : nullptr}) {
            if (!f) continue;
            EXPECT_TRUE(f->sha256.isEmpty() || hex64.match(f->sha256).hasMatch()) << e.id.toStdString();
            EXPECT_GE(f->sizeBytes, 0);
        }
        // Vision models come with their projector; the others do not need one.
        EXPECT_EQ(e.kind == ModelKind::vision, e.mmproj.has_value()) << e.id.toStdString();
        if (e.format == QLatin1String("gguf"))
            EXPECT_TRUE(e.model.fileName.endsWith(QLatin1String(".gguf"))) << e.id.toStdString();
        EXPECT_EQ(findCatalogEntryByFileName(e.model.fileName), &e);
    }
}

}  // namespace
}  // namespace tessera
