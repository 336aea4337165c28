#pragma once
// tessera-cli subcommands. Each returns the process exit code; errors print one line to stderr.
namespace tessera::cli {

int cmd_generate(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_tokenize(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_gen_model(int argc, char** argv);

}  // namespace tessera::cli
