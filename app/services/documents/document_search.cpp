#include "app/services/documents/document_search.h"

#include <QHash>
#include <algorithm>
#include <queue>

#include "engine/core/tensor.h"
#include "engine/core/thread_pool.h"
#include "engine/models/embedding/embedder.h"
#include "engine/ops/ops.h"

namespace tessera::docs {

std::vector<std::pair<int64_t, float>> denseTopK(const float* matrix, int64_t n, int64_t dim, const float* q, int k,
                                                 ThreadPool& pool) {
    std::vector<std::pair<int64_t, float>> out;
    if (n <= 0 || dim <= 0 || k <= 0) return out;
    // The vectors as a weight matrix: ne = [dim, n], so y (1, n) = q (1, dim) · matrixᵀ.
    Tensor view;
    view.name = "chunk_vectors";
    view.type = DType::F32;
    view.n_dims = 2;
    view.ne[0] = dim;
    view.ne[1] = n;
    view.data = matrix;
    view.nbytes = static_cast<size_t>(n) * static_cast<size_t>(dim) * sizeof(float);
    std::vector<float> scores(static_cast<size_t>(n));  // (n)
    ops::matmul(view, q, 1, scores.data(), pool);

    // Min-heap of the best k: O(n log k).
    auto worse = [](const std::pair<int64_t, float>& a, const std::pair<int64_t, float>& b) {
        return a.second > b.second || (a.second == b.second && a.first < b.first);
    };
    std::priority_queue<std::pair<int64_t, float>, std::vector<std::pair<int64_t, float>>, decltype(worse)> heap(worse);
    for (int64_t i = 0; i < n; ++i) {
        const float s = scores[static_cast<size_t>(i)];
        if (static_cast<int>(heap.size()) < k) {
            heap.push({i, s});
        } else if (s > heap.top().second) {
            heap.pop();
            heap.push({i, s});
        }
    }
    out.resize(heap.size());
    for (size_t i = out.size(); i-- > 0;) {
        out[i] = heap.top();
        heap.pop();
    }
    return out;
}

std::vector<std::pair<qint64, double>> reciprocalRankFusion(const std::vector<std::vector<qint64>>& lists, int k) {
    QHash<qint64, double> score;
    QHash<qint64, int> firstSeen;
    int order = 0;
    for (const auto& list : lists) {
        for (size_t r = 0; r < list.size(); ++r) {
            score[list[r]] += 1.0 / (k + static_cast<double>(r + 1));
            if (!firstSeen.contains(list[r])) firstSeen.insert(list[r], order++);
        }
    }
    std::vector<std::pair<qint64, double>> out;
    out.reserve(static_cast<size_t>(score.size()));
    for (auto it = score.begin(); it != score.end(); ++it) out.push_back({it.key(), it.value()});
    std::sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
        if (a.second != b.second) return a.second > b.second;
        return firstSeen.value(a.first) < firstSeen.value(b.first);
    });
    return out;
}

DocumentSearcher::DocumentSearcher(DocumentStore& store, Embedder* embedder, int nThreads)
    : m_store(store), m_embedder(embedder),
      m_pool(std::make_unique<ThreadPool>(nThreads > 0 ? nThreads : default_thread_count())) {}

DocumentSearcher::~DocumentSearcher() = default;

Status DocumentSearcher::warm(qint64 collectionId) {
    const qint64 stamp = m_store.changeStamp();
    if (collectionId == m_cacheCollection && stamp == m_cacheStamp) return Status::ok();
    TS_ASSIGN_OR_RETURN(m_cache, m_store.loadVectors(collectionId));
    m_cacheCollection = collectionId;
    m_cacheStamp = stamp;
    return Status::ok();
}

Result<QList<SearchResult>> DocumentSearcher::search(const QString& collection, const QString& query,
                                                     const SearchOptions& options) {
    TS_ASSIGN_OR_RETURN(CollectionInfo info, m_store.collection(collection));
    std::vector<float> qv;
    if (options.dense && m_embedder) {
        if (m_embedder->n_embd() != info.nEmbd) {
            return make_error(ErrorCode::invalid_argument,
                              QStringLiteral("search: the embedding model has %1 dimensions, collection '%2' was indexed "
                                             "with %3 ('%4')")
                                  .arg(m_embedder->n_embd()).arg(collection).arg(info.nEmbd).arg(info.embedModel)
                                  .toStdString());
        }
        TS_ASSIGN_OR_RETURN(qv, m_embedder->embed({query.toStdString()}, /*normalize=*/true));
    }
    return searchVector(info.id, options.bm25 ? query : QString(), qv, options);
}

Result<QList<SearchResult>> DocumentSearcher::searchVector(qint64 collectionId, const QString& text,
                                                           const std::vector<float>& query, const SearchOptions& options) {
    std::vector<std::vector<qint64>> lists;
    QHash<qint64, std::pair<int, float>> dense;   // id -> (rank, similarity)
    QHash<qint64, std::pair<int, double>> lexical;  // id -> (rank, bm25)
    const int candidates = std::max(options.candidates, options.limit);
    if (options.dense && !query.empty()) {
        TS_RETURN_IF_ERROR(warm(collectionId));
        if (static_cast<int>(query.size()) != m_cache.nEmbd) {
            return make_error(ErrorCode::invalid_argument, "search: query vector size differs from the collection's");
        }
        const int64_t n = static_cast<int64_t>(m_cache.chunkIds.size());
        const auto top = denseTopK(m_cache.data.data(), n, m_cache.nEmbd, query.data(), candidates, *m_pool);
        std::vector<qint64> ids;
        for (size_t r = 0; r < top.size(); ++r) {
            const qint64 id = m_cache.chunkIds[static_cast<size_t>(top[r].first)];
            ids.push_back(id);
            dense.insert(id, {static_cast<int>(r + 1), top[r].second});
        }
        lists.push_back(std::move(ids));
    }
    if (options.bm25 && !text.trimmed().isEmpty()) {
        TS_ASSIGN_OR_RETURN(QList<Bm25Hit> hits, m_store.searchBm25(collectionId, text, candidates));
        std::vector<qint64> ids;
        for (qsizetype r = 0; r < hits.size(); ++r) {
            ids.push_back(hits[r].chunkId);
            lexical.insert(hits[r].chunkId, {static_cast<int>(r + 1), hits[r].score});
        }
        lists.push_back(std::move(ids));
    }
    auto fused = reciprocalRankFusion(lists, options.rrfK);
    if (static_cast<int>(fused.size()) > options.limit) fused.resize(static_cast<size_t>(std::max(options.limit, 0)));
    QList<qint64> ids;
    for (const auto& f : fused) ids << f.first;
    TS_ASSIGN_OR_RETURN(QList<ChunkRecord> records, m_store.chunks(ids));
    QHash<qint64, ChunkRecord> byId;
    for (const ChunkRecord& c : records) byId.insert(c.id, c);
    QList<SearchResult> out;
    for (const auto& f : fused) {
        auto it = byId.find(f.first);
        if (it == byId.end()) continue;  // removed since the vectors were cached
        SearchResult r;
        r.chunk = *it;
        r.score = f.second;
        if (auto d = dense.find(f.first); d != dense.end()) {
            r.denseRank = d->first;
            r.similarity = d->second;
        }
        if (auto l = lexical.find(f.first); l != lexical.end()) {
            r.bm25Rank = l->first;
            r.bm25 = l->second;
        }
        out << r;
    }
    return out;
}

}  // namespace tessera::docs
