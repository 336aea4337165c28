#include "engine/core/thread_pool.h"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TESSERA_CPU_RELAX() _mm_pause()
#else
#define TESSERA_CPU_RELAX() ((void)0)
#endif

namespace tessera {
namespace {
// ~50-100 µs of spinning before a worker sleeps: long enough to bridge the gaps between the ops of
// one token, short enough that an idle app does not burn a core.
constexpr int kSpinIterations = 20000;
}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::max(1, n_threads)) {
    for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_.store(true);
    }
    wake_cv_.notify_all();
    for (auto& t : workers_) t.join();
}

void ThreadPool::worker_loop(int ith) {
    uint64_t seen = 0;
    for (;;) {
        int spins = 0;
        while (generation_.load() == seen && !stop_.load(std::memory_order_relaxed)) {
            if (++spins < kSpinIterations) {
                TESSERA_CPU_RELAX();
                continue;
            }
            std::unique_lock<std::mutex> lock(mutex_);
            sleeping_.fetch_add(1);
            wake_cv_.wait(lock, [&] { return stop_.load() || generation_.load() != seen; });
            sleeping_.fetch_sub(1);
            break;
        }
        if (stop_.load()) return;
        seen = generation_.load();
        // Join the job unless the caller has already closed it (seq_cst pairs with run()).
        active_.fetch_add(1);
        if (closed_.load() != seen && generation_.load() == seen) {
            const auto* job = job_.load();
            (*job)(ith, n_threads_);
        }
        active_.fetch_sub(1);
    }
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
    if (n_threads_ == 1) {
        fn(0, 1);
        return;
    }
    job_.store(&fn);
    const uint64_t gen = generation_.fetch_add(1) + 1;
    if (sleeping_.load() > 0) {
        std::lock_guard<std::mutex> lock(mutex_);
        wake_cv_.notify_all();
    }
    fn(0, n_threads_);
    closed_.store(gen);
    // Either a worker's increment of active_ precedes this load (we wait for it) or it follows
    // closed_.store and the worker skips the job: both orders are safe (all seq_cst).
    int spins = 0;
    while (active_.load() != 0) {
        if (++spins < kSpinIterations) TESSERA_CPU_RELAX();
        else std::this_thread::yield();
    }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t grain) {
    if (n <= 0) return;
    grain = std::max<int64_t>(1, grain);
    const int64_t n_grains = (n + grain - 1) / grain;
    if (n_threads_ == 1 || n_grains == 1) {
        fn(0, n);
        return;
    }
    // About four ranges per thread: small enough to balance a slow thread, large enough that the
    // atomic hand-out costs nothing.
    const int64_t grains_per_chunk = std::max<int64_t>(1, n_grains / (4 * n_threads_));
    const int64_t chunk = grains_per_chunk * grain;
    const int64_t n_chunks = (n + chunk - 1) / chunk;
    std::atomic<int64_t> next{0};
    run([&](int, int) {
        for (;;) {
            const int64_t c = next.fetch_add(1, std::memory_order_relaxed);
            if (c >= n_chunks) break;
            fn(c * chunk, std::min(n, (c + 1) * chunk));
        }
    });
}

int default_thread_count() {
    const unsigned hc = std::thread::hardware_concurrency();
    return hc == 0 ? 1 : static_cast<int>(hc);
}

}  // namespace tessera
