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
                 "  chat     -m MODEL.gguf [--system TEXT] [--temp T] [-n N]   (/regen /edit TEXT /save FILE /reset /quit)\n"
                 "  generate -m MODEL.gguf (-p TEXT | --tokens 1,2,3) [-n N] [--temp T] [-t THREADS] [--print-ids]\n"
                 "  eval     -m MODEL.gguf --tokens 1,2,3 --logits-out FILE [-t THREADS]\n"
                 "  tokenize -m MODEL.gguf -p TEXT [--no-bos] [--parse-special] [--pieces]\n"
                 "  encode-image --mmproj MMPROJ.gguf --image IMG --embd-out FILE [-t THREADS]\n"
                 "  vqa      -m MODEL.gguf --mmproj MMPROJ.gguf --image IMG -p QUESTION [-n N] [--temp T] [--print-ids] [--raw]\n"
                 "  transcribe -m WHISPER.bin -f AUDIO [--language xx|auto] [--translate] [--timestamps] [--srt|--vtt] [-o FILE]\n"
                 "             [--beam-size N] [--print-ids] [-t THREADS]   (AUDIO: wav/mp3/flac/ogg/m4a/video, or raw 16 kHz .f32)\n"
                 "  transcribe -m WHISPER.bin -f AUDIO --decoder-tokens 50258,50259,50359,50363 --logits-out FILE\n"
                 "  bench-audio --preset tiny|base|small|medium|large [--type f16|f32] [-t THREADS] [-n TOKENS]\n"
                 "  bench    -m MODEL.gguf [-p 512] [-n 128] [-t THREADS] [-r REPEATS]\n"
                 "  index    --collection NAME PATH... --embed-model E.gguf [--db FILE] [--chunk-tokens 256] [--overlap 32] [--no-ocr]\n"
                 "  search   --collection NAME -q TEXT [--embed-model E.gguf] [-k 8] [--db FILE] [--bm25-only|--dense-only]\n"
                 "  ask      --collection NAME -m MODEL.gguf -q TEXT [--embed-model E.gguf] [-k 5] [-n 512] [--db FILE]\n"
                 "  collections [--db FILE]\n"
                 "  gen-model --arch llama|qwen2|qwen3|gemma3 --preset NAME --type f16|q8_0|q4_0|q4_k_m -o FILE [--seed S]\n"
                 "           (--preset smolvlm-256m-mmproj [--type f16|f32|q8_0]: a random vision encoder + projector)\n");
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
        if (cmd == "encode-image") return tessera::cli::cmd_encode_image(argc, argv);
        if (cmd == "vqa") return tessera::cli::cmd_vqa(argc, argv);
        if (cmd == "transcribe") return tessera::cli::cmd_transcribe(argc, argv);
        if (cmd == "bench-audio") return tessera::cli::cmd_bench_audio(argc, argv);
#ifdef TESSERA_CLI_WITH_APP
        if (cmd == "chat") return tessera::cli::cmd_chat(argc, argv);
        if (cmd == "index") return tessera::cli::cmd_index(argc, argv);
        if (cmd == "search") return tessera::cli::cmd_search(argc, argv);
        if (cmd == "ask") return tessera::cli::cmd_ask(argc, argv);
        if (cmd == "collections") return tessera::cli::cmd_collections(argc, argv);
#endif
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
