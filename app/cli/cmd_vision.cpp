// encode-image, vqa: images through a multimodal projector (mmproj GGUF) from the command line.
//   encode-image --mmproj P.gguf --image I.png --embd-out FILE [-t THREADS]
//       writes float32 (n_image_tokens x n_embd): the projected embeddings of every media chunk of the
//       image, in prompt order (idefics3: tiles row-major, then the overview).
//   vqa -m M.gguf --mmproj P.gguf --image I.png -p QUESTION [-n N] [--temp T] [--print-ids] [--raw]
//       answers a question about the image. --raw: the prompt is used as is (the image goes where
//       <__media__> stands, or before the text); otherwise the question goes through the model's chat
//       template (tokenizer.chat_template) as a user message with the image marker in front of it.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "app/cli/cli_args.h"
#include "app/cli/commands.h"
#include "engine/chat/chat_template.h"
#include "engine/media/image.h"
#include "engine/models/projector/projector.h"
#include "engine/multimodal/multimodal.h"
#include "engine/runtime/session.h"
#include "engine/runtime/text_model.h"
#include "engine/sampling/sampler.h"
#include "engine/tokenizer/tokenizer.h"

namespace tessera::cli {
namespace {

void check(const Status& s) {
    if (!s.is_ok()) throw std::runtime_error(s.to_string());
}

template <class T>
T value_or_throw(Result<T> r) {
    if (!r.is_ok()) throw std::runtime_error(r.status().to_string());
    return std::move(r).value();
}

std::atomic<bool> g_interrupted{false};
extern "C" void on_vision_sigint(int) { g_interrupted.store(true); }

// The prompt text for vqa: raw as given (marker prepended when missing), or rendered through the
// decoder's chat template. *add_bos says whether tokenising should add BOS itself.
std::string build_prompt(const TextModel& model, const std::string& question, bool raw, bool* add_bos) {
    *add_bos = true;
    std::string content = question;
    if (content.find(kMediaMarker) == std::string::npos) content = std::string(kMediaMarker) + (raw ? " " : "\n") + content;
    if (raw) return content;
    const std::string tmpl = model.file().get_string_or("tokenizer.chat_template", "");
    if (tmpl.empty()) {
        std::fprintf(stderr, "[vqa: the model has no chat template; using the raw prompt]\n");
        return content;
    }
    const Tokenizer& tok = model.tokenizer();
    std::vector<chat::ChatMessage> messages(1);
    messages[0].role = "user";
    messages[0].content = content;
    const std::string bos = tok.bos_id() >= 0 ? tok.token_to_piece(tok.bos_id(), true) : "";
    const std::string eos = tok.eos_id() >= 0 ? tok.token_to_piece(tok.eos_id(), true) : "";
    std::string text = value_or_throw(chat::apply_chat_template(tmpl, messages, nullptr, /*add_generation_prompt=*/true,
                                                                bos, eos));
    // A template that writes BOS itself must not get a second one from the tokenizer.
    if (!bos.empty() && text.rfind(bos, 0) == 0) *add_bos = false;
    return text;
}

}  // namespace

int cmd_encode_image(int argc, char** argv) {
    Args args(argc, argv, 2, {"--mmproj", "--image", "--embd-out", "-t"}, {});
    const std::string out_path = args.required("--embd-out");
    auto projector = value_or_throw(Projector::load(args.required("--mmproj")));
    const ImageU8 image = value_or_throw(load_image_file(args.required("--image")));
    const PreprocessedImage pre = value_or_throw(projector->preprocess(image));
    ThreadPool pool(args.integer("-t", 0) > 0 ? static_cast<int>(args.integer("-t", 0)) : default_thread_count());
    vision::VisionContext ctx{pool, &g_interrupted};
    std::signal(SIGINT, on_vision_sigint);

    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write '" + out_path + "'");
    int64_t rows = 0;
    double ms = 0;
    for (const MediaPiece& piece : projector->prompt_layout(pre)) {
        if (piece.kind != MediaPiece::Kind::media) continue;
        std::vector<float> embd;
        const auto t0 = std::chrono::steady_clock::now();
        check(projector->encode(pre.entries[piece.entry], ctx, &embd));
        ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        out.write(reinterpret_cast<const char*>(embd.data()), static_cast<std::streamsize>(embd.size() * sizeof(float)));
        rows += static_cast<int64_t>(embd.size()) / projector->n_embd_out();
    }
    if (!out) throw std::runtime_error("write to '" + out_path + "' failed");
    std::fprintf(stderr, "wrote %lld x %lld embeddings (%s, %zu encoder input%s, %.1f ms) to %s\n",
                 static_cast<long long>(rows), static_cast<long long>(projector->n_embd_out()),
                 projector->projector_type().c_str(), pre.entries.size(), pre.entries.size() == 1 ? "" : "s", ms,
                 out_path.c_str());
    return 0;
}

int cmd_vqa(int argc, char** argv) {
    Args args(argc, argv, 2, {"-m", "--mmproj", "--image", "-p", "-n", "--temp", "-t", "-c", "--seed"},
              {"--print-ids", "--raw", "--ignore-eos"});
    auto loaded = load_text_model(args.required("-m"));
    if (!loaded.is_ok()) throw std::runtime_error(loaded.status().to_string());
    std::shared_ptr<const TextModel> model = std::move(loaded).value();
    std::shared_ptr<const Projector> projector = value_or_throw(Projector::load(args.required("--mmproj")));
    auto mm = value_or_throw(MultimodalContext::create(model, projector));
    const ImageU8 image = value_or_throw(load_image_file(args.required("--image")));
    const int64_t n_predict = args.integer("-n", 128);
    const bool print_ids = args.has("--print-ids");

    bool add_bos = true;
    const std::string text = build_prompt(*model, args.required("-p"), args.has("--raw"), &add_bos);
    const MultimodalPrompt prompt = value_or_throw(mm->tokenize(text, std::span<const ImageU8>(&image, 1), add_bos));

    SessionOptions so;
    so.n_threads = static_cast<int>(args.integer("-t", 0));
    so.n_ctx = args.integer("-c", 0);
    Session session(model, so);
    if (prompt.n_tokens() + n_predict > session.n_ctx())
        throw std::runtime_error("prompt (" + std::to_string(prompt.n_tokens()) + " tokens with the image) + " +
                                 std::to_string(n_predict) + " to generate exceeds the context window of " +
                                 std::to_string(session.n_ctx()) + " tokens (use -c to enlarge it)");
    session.set_cancel_flag(&g_interrupted);
    std::signal(SIGINT, on_vision_sigint);

    const auto t0 = std::chrono::steady_clock::now();
    Status s = mm->eval(session, prompt, 0, &g_interrupted);
    const double prefill_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    SamplerParams sp;
    sp.temperature = static_cast<float>(args.number("--temp", 0.0));
    sp.seed = static_cast<uint64_t>(args.integer("--seed", 42));
    Sampler sampler(sp, static_cast<int32_t>(session.n_vocab()));
    const Tokenizer& tok = model->tokenizer();
    StreamingDecoder decoder(tok);
    std::vector<int32_t> generated;
    for (int64_t i = 0; s.is_ok() && i < n_predict; ++i) {
        const int32_t next = sampler.sample(session.logits());
        sampler.accept(next);
        generated.push_back(next);
        if (!args.has("--ignore-eos") && !print_ids && tok.is_eog(next)) break;
        const std::string piece = decoder.push(next);
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
        if (i + 1 < n_predict) s = session.eval(std::span<const int32_t>(&next, 1));
    }
    const std::string rest = decoder.flush();
    std::fwrite(rest.data(), 1, rest.size(), stdout);
    std::fputc('\n', stdout);
    if (!s.is_ok() && s.code() != ErrorCode::cancelled) check(s);
    std::fprintf(stderr, "[%lld prompt rows (%zu chunks), prefill with image encoding %.2f s, %zu generated%s]\n",
                 static_cast<long long>(prompt.n_tokens()), prompt.chunks.size(), prefill_s, generated.size(),
                 s.code() == ErrorCode::cancelled ? ", interrupted" : "");
    if (print_ids) {
        for (size_t i = 0; i < generated.size(); ++i) std::printf(i ? " %d" : "%d", generated[i]);
        std::printf("\n");
    }
    return 0;
}

}  // namespace tessera::cli
