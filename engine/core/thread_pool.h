#pragma once
// A fixed pool of worker threads for data-parallel loops (rows of a matmul, heads of attention).
// The calling thread takes part in the work, so ThreadPool(1) runs everything inline.
// Generating one token dispatches hundreds of small jobs, so workers spin briefly on an atomic
// generation counter before falling back to a condition variable: a hand-off costs well under a
// microsecond while busy, and an idle pool sleeps.
//
// Work is shared dynamically and the caller never waits for a worker that has not joined yet: on a
// loaded machine (another process holding a core) a descheduled worker would otherwise stall every
// op of every token. A worker that arrives after the work is done simply skips that job.
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

    // Calls fn(thread_index, n_threads) on the calling thread (index 0) and on each worker that joins
    // before the caller's own call returns; waits for the workers that joined. fn must therefore
    // share its work dynamically (e.g. an atomic counter), never assume all n_threads take part.
    // Thread indices are distinct, in [0, n_threads). Not re-entrant.
    void run(const std::function<void(int ith, int nth)>& fn);

    // Calls fn on consecutive sub-ranges covering [0, n) exactly once; range sizes are multiples of
    // `grain` (except the last). Ranges are handed out dynamically to whichever threads are running.
    void parallel_for(int64_t n, const std::function<void(int64_t begin, int64_t end)>& fn, int64_t grain = 1);

private:
    void worker_loop(int ith);

    int n_threads_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_cv_;
    std::atomic<const std::function<void(int, int)>*> job_{nullptr};
    std::atomic<uint64_t> generation_{0};
    std::atomic<uint64_t> closed_{0};  // generation whose job no longer accepts workers
    std::atomic<int> active_{0};       // workers inside the current job
    std::atomic<int> sleeping_{0};
    std::atomic<bool> stop_{false};
};

// Number of threads to use by default: the cores we can see (at least 1).
int default_thread_count();

}  // namespace tessera
