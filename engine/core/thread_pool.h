#pragma once
// A fixed pool of worker threads for data-parallel loops (rows of a matmul, heads of attention).
// The calling thread takes part in the work, so ThreadPool(1) runs everything inline.
// Generating one token dispatches hundreds of small jobs, so workers spin briefly on an atomic
// generation counter before falling back to a condition variable: a hand-off costs well under a
// microsecond while busy, and an idle pool sleeps.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera {

class ThreadPool {
public:
    explicit ThreadPool(int n_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }

    // Calls fn(thread_index, n_threads) once on every thread of the pool and waits for all.
    // Not re-entrant: fn must not call run() on the same pool.
    void run(const std::function<void(int ith, int nth)>& fn);

    // Splits [0, n) into contiguous chunks (multiples of `grain` where possible), one per thread.
    void parallel_for(int64_t n, const std::function<void(int64_t begin, int64_t end)>& fn, int64_t grain = 1);

private:
    void worker_loop(int ith);

    int n_threads_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_cv_;
    std::atomic<const std::function<void(int, int)>*> job_{nullptr};
    std::atomic<uint64_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<int> sleeping_{0};
    std::atomic<bool> stop_{false};
};

// Number of threads to use by default: the cores we can see (at least 1).
int default_thread_count();

}  // namespace tessera
