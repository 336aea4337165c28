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
        while (generation_.load(std::memory_order_acquire) == seen && !stop_.load(std::memory_order_relaxed)) {
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
        seen = generation_.load(std::memory_order_acquire);
        const auto* job = job_.load(std::memory_order_acquire);
        (*job)(ith, n_threads_);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
    if (n_threads_ == 1) {
        fn(0, 1);
        return;
    }
    job_.store(&fn, std::memory_order_release);
    pending_.store(n_threads_ - 1, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    if (sleeping_.load() > 0) {
        std::lock_guard<std::mutex> lock(mutex_);
        wake_cv_.notify_all();
    }
    fn(0, n_threads_);
    int spins = 0;
    while (pending_.load(std::memory_order_acquire) != 0) {
        if (++spins < kSpinIterations) TESSERA_CPU_RELAX();
        else std::this_thread::yield();
    }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t grain) {
    if (n <= 0) return;
    grain = std::max<int64_t>(1, grain);
    const int64_t n_chunks = (n + grain - 1) / grain;
    const int nth = static_cast<int>(std::min<int64_t>(n_threads_, n_chunks));
    if (nth <= 1) {
        fn(0, n);
        return;
    }
    run([&](int ith, int) {
        if (ith >= nth) return;
        const int64_t chunks_per = n_chunks / nth, extra = n_chunks % nth;
        const int64_t c0 = ith * chunks_per + std::min<int64_t>(ith, extra);
        const int64_t c1 = c0 + chunks_per + (ith < extra ? 1 : 0);
        const int64_t b = c0 * grain, e = std::min(n, c1 * grain);
        if (b < e) fn(b, e);
    });
}

int default_thread_count() {
    const unsigned hc = std::thread::hardware_concurrency();
    return hc == 0 ? 1 : static_cast<int>(hc);
}

}  // namespace tessera
