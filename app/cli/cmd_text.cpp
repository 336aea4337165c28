// generate, eval, tokenize: text models from the command line.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "app/cli/cli_args.h"
#include "app/cli/commands.h"
#include "engine/ops/ops.h"
#include "engine/runtime/session.h"
#include "engine/runtime/text_model.h"
#include "engine/sampling/sampler.h"
#include "engine/tokenizer/tokenizer.h"

namespace tessera::cli {
namespace {

std::shared_ptr<const TextModel> load_or_throw(const std::string& path) {
    auto model = load_text_model(path);
    if (!model.is_ok()) throw std::runtime_error(model.status().to_string());
    return std::move(model).value();
}

void check(const Status& s) {
    if (!s.is_ok()) throw std::runtime_error(s.to_string());
}

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted.store(true); }

}  // namespace

int cmd_generate(int argc, char** argv) {
    Args args(argc, argv, 2, {"-m", "-p", "--tokens", "-n", "--temp", "-t", "-c", "--seed", "--top-k", "--top-p", "--min-p", "--repeat-penalty"},
              {"--print-ids", "--ignore-eos", "--no-stream"});
    const auto model = load_or_throw(args.required("-m"));
    const Tokenizer& tok = model->tokenizer();
    std::vector<int32_t> prompt;
    if (args.has("--tokens")) prompt = args.int_list("--tokens");
    else prompt = tok.encode(args.required("-p"), /*add_special=*/true, /*parse_special=*/true);
    if (prompt.empty()) throw UsageError("the prompt is empty");
    const int64_t n_predict = args.integer("-n", 128);

    SessionOptions so;
    so.n_threads = static_cast<int>(args.integer("-t", 0));
    so.n_ctx = args.integer("-c", 0);
    Session session(model, so);
    if (static_cast<int64_t>(prompt.size()) + n_predict > session.n_ctx())
        throw std::runtime_error("prompt (" + std::to_string(prompt.size()) + " tokens) + " + std::to_string(n_predict) +
                                 " to generate exceeds the context window of " + std::to_string(session.n_ctx()) +
                                 " tokens (use -c to enlarge it)");
    session.set_cancel_flag(&g_interrupted);
    std::signal(SIGINT, on_sigint);

    SamplerParams sp;
    sp.temperature = static_cast<float>(args.number("--temp", 0.8));
    sp.top_k = static_cast<int32_t>(args.integer("--top-k", sp.top_k));
    sp.top_p = static_cast<float>(args.number("--top-p", sp.top_p));
    sp.min_p = static_cast<float>(args.number("--min-p", sp.min_p));
    sp.repeat_penalty = static_cast<float>(args.number("--repeat-penalty", sp.repeat_penalty));
    sp.seed = static_cast<uint64_t>(args.integer("--seed", 42));
    Sampler sampler(sp, static_cast<int32_t>(session.n_vocab()));
    for (int32_t t : prompt) sampler.accept(t);

    const bool print_ids = args.has("--print-ids");
    const bool stream = !args.has("--no-stream") && !print_ids;
    StreamingDecoder decoder(tok);
    std::vector<int32_t> generated;
    const auto t0 = std::chrono::steady_clock::now();
    Status s = session.eval(prompt);
    for (int64_t i = 0; s.is_ok() && i < n_predict; ++i) {
        const int32_t next = sampler.sample(session.logits());
        sampler.accept(next);
        generated.push_back(next);
        if (!args.has("--ignore-eos") && !print_ids && tok.is_eog(next)) break;
        if (stream) {
            const std::string text = decoder.push(next);
            std::fwrite(text.data(), 1, text.size(), stdout);
            std::fflush(stdout);
        }
        if (i + 1 < n_predict) s = session.eval(std::span<const int32_t>(&next, 1));
    }
    if (stream) {
        const std::string rest = decoder.flush();
        std::fwrite(rest.data(), 1, rest.size(), stdout);
        std::fputc('\n', stdout);
    }
    if (!s.is_ok() && s.code() != ErrorCode::cancelled) check(s);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "[%zu prompt tokens, %zu generated, %.2f tokens/s%s]\n", prompt.size(), generated.size(),
                 generated.size() / (secs > 0 ? secs : 1), s.code() == ErrorCode::cancelled ? ", interrupted" : "");
    if (print_ids) {
        for (size_t i = 0; i < generated.size(); ++i) std::printf(i ? " %d" : "%d", generated[i]);
        std::printf("\n");
    }
    return 0;
}

int cmd_eval(int argc, char** argv) {
    Args args(argc, argv, 2, {"-m", "--tokens", "-p", "--logits-out", "-t", "-c"}, {});
    const auto model = load_or_throw(args.required("-m"));
    std::vector<int32_t> tokens;
    if (args.has("--tokens")) tokens = args.int_list("--tokens");
    else tokens = model->tokenizer().encode(args.required("-p"), true, true);
    if (tokens.empty()) throw UsageError("no tokens to evaluate");
    const std::string out_path = args.required("--logits-out");
    SessionOptions so;
    so.n_threads = static_cast<int>(args.integer("-t", 0));
    so.n_ctx = std::max<int64_t>(args.integer("-c", 0), static_cast<int64_t>(tokens.size()));
    so.n_batch = static_cast<int64_t>(tokens.size());  // one batched prefill
    Session session(model, so);
    check(session.eval(tokens, LogitsMode::all));
    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write '" + out_path + "'");
    const auto& logits = session.all_logits();
    out.write(reinterpret_cast<const char*>(logits.data()), static_cast<std::streamsize>(logits.size() * sizeof(float)));
    if (!out) throw std::runtime_error("write to '" + out_path + "' failed");
    std::fprintf(stderr, "wrote %zu x %lld logits to %s\n", tokens.size(), static_cast<long long>(session.n_vocab()),
                 out_path.c_str());
    return 0;
}

int cmd_tokenize(int argc, char** argv) {
    Args args(argc, argv, 2, {"-m", "-p"}, {"--no-bos", "--parse-special", "--pieces"});
    LoadOptions lo;
    auto file = GgufFile::open(args.required("-m"));
    if (!file.is_ok()) throw std::runtime_error(file.status().to_string());
    auto tok = Tokenizer::from_gguf(*file.value());
    if (!tok.is_ok()) throw std::runtime_error(tok.status().to_string());
    const auto ids = tok.value()->encode(args.required("-p"), !args.has("--no-bos"), args.has("--parse-special"));
    if (args.has("--pieces")) {
        for (int32_t id : ids) std::printf("%d\t'%s'\n", id, tok.value()->token_to_piece(id, true).c_str());
    }
    for (size_t i = 0; i < ids.size(); ++i) std::printf(i ? " %d" : "%d", ids[i]);
    std::printf("\n");
    return 0;
}

}  // namespace tessera::cli
