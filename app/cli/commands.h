#pragma once
// tessera-cli subcommands. Each returns the process exit code; errors print one line to stderr.
namespace tessera::cli {

int cmd_generate(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_tokenize(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_gen_model(int argc, char** argv);
int cmd_encode_image(int argc, char** argv);  // cmd_vision.cpp
int cmd_vqa(int argc, char** argv);
int cmd_transcribe(int argc, char** argv);   // cmd_audio.cpp
int cmd_bench_audio(int argc, char** argv);
#ifdef TESSERA_CLI_WITH_APP
int cmd_chat(int argc, char** argv);  // needs the Qt services (tessera_app)
int cmd_index(int argc, char** argv);        // document index (cmd_docs.cpp)
int cmd_search(int argc, char** argv);
int cmd_ask(int argc, char** argv);
int cmd_collections(int argc, char** argv);
#endif

}  // namespace tessera::cli
