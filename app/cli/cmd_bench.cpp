// bench: prompt-processing and generation speed (median of repeats, like llama-bench), the memory
// bandwidth bound for generation measured on this machine, and peak RSS.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "app/cli/cli_args.h"
#include "app/cli/commands.h"
#include "engine/kernels/isa.h"
#include "engine/ops/ops.h"
#include "engine/runtime/session.h"
#include "engine/runtime/text_model.h"

namespace tessera::cli {
namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Peak resident set size of this process in bytes (VmHWM).
size_t peak_rss_bytes() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmHWM:", 0) == 0) return static_cast<size_t>(std::stoull(line.substr(6))) * 1024;
    return 0;
}

__attribute__((target("avx2"))) uint64_t read_sum_avx2(const uint64_t* p, size_t n) {
    // Wide independent accumulators so the loop is bound by memory, not by the adder chain.
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        a0 ^= p[i]; a1 ^= p[i + 1]; a2 ^= p[i + 2]; a3 ^= p[i + 3];
        a4 ^= p[i + 4]; a5 ^= p[i + 5]; a6 ^= p[i + 6]; a7 ^= p[i + 7];
    }
    return a0 ^ a1 ^ a2 ^ a3 ^ a4 ^ a5 ^ a6 ^ a7;
}

// Read bandwidth (bytes/s) of `n_threads` threads streaming through a buffer far larger than the caches.
double measure_read_bandwidth(int n_threads) {
    const size_t bytes = size_t(1) << 30;
    std::vector<uint64_t> buf(bytes / sizeof(uint64_t));
    for (size_t i = 0; i < buf.size(); i += 512) buf[i] = i;  // fault every page in
    std::vector<double> rates;
    volatile uint64_t sink = 0;
    for (int rep = 0; rep < 5; ++rep) {
        std::vector<std::thread> threads;
        std::vector<uint64_t> partial(static_cast<size_t>(n_threads));
        const auto t0 = Clock::now();
        const size_t per = buf.size() / static_cast<size_t>(n_threads);
        for (int t = 0; t < n_threads; ++t)
            threads.emplace_back([&, t] { partial[t] = read_sum_avx2(buf.data() + t * per, per); });
        for (auto& th : threads) th.join();
        const double s = std::chrono::duration<double>(Clock::now() - t0).count();
        for (auto v : partial) sink = sink ^ v;
        rates.push_back(static_cast<double>(bytes) / s);
    }
    return *std::max_element(rates.begin(), rates.end());
}

}  // namespace

int cmd_bench(int argc, char** argv) {
    Args args(argc, argv, 2, {"-m", "-p", "-n", "-t", "-r"}, {});
    const std::string path = args.required("-m");
    const int64_t n_prompt = args.integer("-p", 512);
    const int64_t n_gen = args.integer("-n", 128);
    const int n_threads = static_cast<int>(args.integer("-t", default_thread_count()));
    const int repeats = static_cast<int>(std::max<int64_t>(1, args.integer("-r", 3)));
    if (n_prompt < 0 || n_gen < 0 || n_prompt + n_gen == 0) throw UsageError("-p and -n must be >= 0, not both 0");

    LoadOptions lo;
    lo.load_tokenizer = false;  // bench feeds token ids directly
    auto loaded = load_text_model(path, lo);
    if (!loaded.is_ok()) throw std::runtime_error(loaded.status().to_string());
    std::shared_ptr<const TextModel> model = std::move(loaded).value();
    const TextHParams& hp = model->hparams();

    SessionOptions so;
    so.n_threads = n_threads;
    so.n_ctx = std::max<int64_t>(n_prompt + n_gen + 1, 16);
    so.n_batch = std::max<int64_t>(n_prompt, 1);
    Session session(model, so);

    std::mt19937 rng(1234);
    std::uniform_int_distribution<int32_t> pick(3, static_cast<int32_t>(hp.n_vocab - 1));
    std::vector<int32_t> prompt(static_cast<size_t>(n_prompt));
    for (auto& t : prompt) t = pick(rng);

    // Warm-up: fault the mapped weights in and size the scratch buffers.
    session.truncate(0);
    const int32_t warm = pick(rng);
    if (auto s = session.eval(std::span<const int32_t>(&warm, 1)); !s.is_ok()) throw std::runtime_error(s.to_string());

    std::vector<double> pp_rates, tg_rates;
    for (int r = 0; r < repeats; ++r) {
        session.truncate(0);
        if (n_prompt > 0) {
            const auto t0 = Clock::now();
            if (auto s = session.eval(prompt); !s.is_ok()) throw std::runtime_error(s.to_string());
            pp_rates.push_back(n_prompt / std::chrono::duration<double>(Clock::now() - t0).count());
        }
        if (n_gen > 0) {
            int32_t tok = pick(rng);
            const auto t0 = Clock::now();
            for (int64_t i = 0; i < n_gen; ++i) {
                if (auto s = session.eval(std::span<const int32_t>(&tok, 1)); !s.is_ok()) throw std::runtime_error(s.to_string());
                tok = ops::argmax(session.logits(), hp.n_vocab);
            }
            tg_rates.push_back(n_gen / std::chrono::duration<double>(Clock::now() - t0).count());
        }
    }

    // Bytes a generated token reads: every weight once, except that only one embedding row is read
    // when the output projection is a separate tensor.
    const size_t rss = peak_rss_bytes();  // before the bandwidth probe allocates its buffer
    size_t bytes_per_token = model->weight_bytes();
    const Tensor* emb = model->file().find_tensor("token_embd.weight");
    if (emb && model->file().find_tensor("output.weight")) bytes_per_token -= emb->nbytes - emb->row_size();
    const double bandwidth = measure_read_bandwidth(n_threads);
    const double bound = bandwidth / static_cast<double>(bytes_per_token);

    std::printf("model: %s (%s, %lld layers, n_embd %lld, vocab %lld)\n", path.c_str(), hp.arch.c_str(),
                static_cast<long long>(hp.n_layer), static_cast<long long>(hp.n_embd), static_cast<long long>(hp.n_vocab));
    std::printf("threads: %d, isa: %s, repeats: %d\n", n_threads, isa_name(active_isa()), repeats);
    std::printf("weights: %.1f MiB mapped, %.1f MiB read per generated token\n", model->weight_bytes() / 1048576.0,
                bytes_per_token / 1048576.0);
    if (n_prompt > 0) std::printf("pp%lld: %.2f tokens/s (median)\n", static_cast<long long>(n_prompt), median(pp_rates));
    if (n_gen > 0) {
        const double tg = median(tg_rates);
        std::printf("tg%lld: %.2f tokens/s (median)\n", static_cast<long long>(n_gen), tg);
        std::printf("memory read bandwidth: %.2f GB/s -> generation bound %.2f tokens/s; tg at %.1f%% of bound\n",
                    bandwidth / 1e9, bound, 100.0 * tg / bound);
    }
    const size_t file_bytes = model->file().file_size();
    std::printf("peak RSS: %.1f MiB (model file %.1f MiB + KV cache %.1f MiB = %.1f MiB; %.1f%% of that)\n",
                rss / 1048576.0, file_bytes / 1048576.0, session.kv_bytes() / 1048576.0,
                (file_bytes + session.kv_bytes()) / 1048576.0,
                100.0 * static_cast<double>(rss) / static_cast<double>(file_bytes + session.kv_bytes()));
    return 0;
}

}  // namespace tessera::cli
