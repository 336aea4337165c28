#pragma once
// Hybrid retrieval over a collection: dense (cosine of L2-normalised embeddings, brute force over
// every chunk vector with ops::matmul) and lexical (FTS5 bm25), fused by reciprocal rank fusion:
//   score(chunk) = Σ_lists 1 / (k + rank_in_list),  k = 60, ranks from 1.
// ref: Cormack, Clarke, Büttcher, "Reciprocal Rank Fusion outperforms Condorcet and individual rank
// learning methods", SIGIR 2009.
// The collection's vectors are cached in memory (chunks × n_embd floats) and reloaded when the store
// reports a change. Use one searcher from one thread at a time.
#include <QList>
#include <QString>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "app/services/documents/document_store.h"
#include "engine/core/status.h"

namespace tessera {
class Embedder;
class ThreadPool;
}  // namespace tessera

namespace tessera::docs {

struct SearchOptions {
    int limit = 8;         // results returned
    int candidates = 50;   // taken from each list before fusion
    int rrfK = 60;
    bool dense = true;     // needs an embedder
    bool bm25 = true;
};

struct SearchResult {
    ChunkRecord chunk;
    double score = 0;        // fused RRF score, higher is better
    int denseRank = 0;       // 1-based rank in the dense list, 0 = not in it
    int bm25Rank = 0;
    float similarity = 0;    // cosine (dense list only)
    double bm25 = 0;         // FTS5 bm25 (lower is better; bm25 list only)
};

// Indices and scores of the k rows of `matrix` (n, dim) with the largest dot product with q (dim),
// best first (ties: lower index first). y = matrix · q through ops::matmul on an F32 tensor view.
std::vector<std::pair<int64_t, float>> denseTopK(const float* matrix, int64_t n, int64_t dim, const float* q, int k,
                                                 ThreadPool& pool);

// Fuses ranked id lists (best first): (id, Σ 1/(k + rank)) best first; ties by first appearance.
std::vector<std::pair<qint64, double>> reciprocalRankFusion(const std::vector<std::vector<qint64>>& lists, int k);

class DocumentSearcher {
public:
    // `embedder` may be null: BM25 only. It must be the collection's model (checked by n_embd).
    DocumentSearcher(DocumentStore& store, Embedder* embedder, int nThreads = 0);
    ~DocumentSearcher();

    Result<QList<SearchResult>> search(const QString& collection, const QString& query, const SearchOptions& options = {});
    // With a ready query vector (n_embd floats, normalised); `text` feeds BM25 (may be empty).
    Result<QList<SearchResult>> searchVector(qint64 collectionId, const QString& text, const std::vector<float>& query,
                                             const SearchOptions& options = {});
    // Loads (or refreshes) the collection's vectors now, instead of on the first query.
    Status warm(qint64 collectionId);
    qint64 cachedVectors() const { return static_cast<qint64>(m_cache.chunkIds.size()); }

private:
    DocumentStore& m_store;
    Embedder* m_embedder;
    std::unique_ptr<ThreadPool> m_pool;
    VectorSet m_cache;
    qint64 m_cacheCollection = -1;
    qint64 m_cacheStamp = -1;
};

}  // namespace tessera::docs
