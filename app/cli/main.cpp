// tessera-cli: the engine from a terminal. The command set and flags are a fixed interface that
// checks and benchmarks call.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "app/cli/cli_args.h"
#include "app/cli/commands.h"

namespace {

void usage() {
    std::fprintf(stderr,
                 "usage: tessera-cli COMMAND [options]\n"
                 "  generate -m MODEL.gguf (-p TEXT | --tokens 1,2,3) [-n N] [--temp T] [-t THREADS] [--print-ids]\n"
                 "  eval     -m MODEL.gguf --tokens 1,2,3 --logits-out FILE [-t THREADS]\n"
                 "  tokenize -m MODEL.gguf -p TEXT [--no-bos] [--parse-special] [--pieces]\n"
                 "  bench    -m MODEL.gguf [-p 512] [-n 128] [-t THREADS] [-r REPEATS]\n"
                 "  gen-model --arch llama|qwen2|qwen3|gemma3 --preset NAME --type f16|q8_0|q4_0|q4_k_m -o FILE [--seed S]\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) {
        usage();
        return argc < 2 ? 2 : 0;
    }
    const std::string cmd = argv[1];
    try {
        if (cmd == "generate") return tessera::cli::cmd_generate(argc, argv);
        if (cmd == "eval") return tessera::cli::cmd_eval(argc, argv);
        if (cmd == "tokenize") return tessera::cli::cmd_tokenize(argc, argv);
        if (cmd == "bench") return tessera::cli::cmd_bench(argc, argv);
        if (cmd == "gen-model") return tessera::cli::cmd_gen_model(argc, argv);
        std::fprintf(stderr, "tessera-cli: unknown command '%s' (try --help)\n", cmd.c_str());
        return 2;
    } catch (const tessera::cli::UsageError& e) {
        std::fprintf(stderr, "tessera-cli %s: %s\n", cmd.c_str(), e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tessera-cli %s: %s\n", cmd.c_str(), e.what());
        return 1;
    }
}
