#include "engine/models/text/arch_registry.h"

#include "engine/tokenizer/tokenizer.h"

namespace tessera {
namespace {

using Loader = Result<std::unique_ptr<TextModel>> (*)(std::unique_ptr<GgufFile>);

struct ArchEntry {
    const char* name;
    Loader load;
};

constexpr ArchEntry kArchitectures[] = {
    {"llama", load_llama},       {"qwen2", load_qwen2},       {"qwen3", load_qwen3},
    {"qwen3moe", load_qwen3moe}, {"gemma3", load_gemma3},     {"deepseek2", load_deepseek2},
    {"qwen2vl", load_qwen2vl},
};

}  // namespace

std::vector<std::string> supported_text_architectures() {
    std::vector<std::string> names;
    for (const auto& a : kArchitectures) names.emplace_back(a.name);
    return names;
}

Result<std::shared_ptr<const TextModel>> load_text_model(const std::string& path, const LoadOptions& opts) {
    TS_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> file, GgufFile::open(path));
    TS_ASSIGN_OR_RETURN(std::string arch, file->get_string("general.architecture"));
    const ArchEntry* entry = nullptr;
    for (const auto& a : kArchitectures)
        if (arch == a.name) entry = &a;
    if (!entry) {
        std::string list;
        for (const auto& a : kArchitectures) list += std::string(list.empty() ? "" : ", ") + a.name;
        return make_error(ErrorCode::unsupported,
                          path + ": unknown model architecture '" + arch + "' (supported: " + list + ")");
    }
    std::unique_ptr<Tokenizer> tokenizer;
    if (opts.load_tokenizer) {
        TS_ASSIGN_OR_RETURN(tokenizer, Tokenizer::from_gguf(*file));
    }
    TS_ASSIGN_OR_RETURN(std::unique_ptr<TextModel> model, entry->load(std::move(file)));
    if (tokenizer) {
        if (tokenizer->n_vocab() > model->hparams().n_vocab)
            return make_error(ErrorCode::format_error,
                              path + ": tokenizer has " + std::to_string(tokenizer->n_vocab()) +
                                  " tokens but the model's vocabulary is " + std::to_string(model->hparams().n_vocab));
        model->attach_tokenizer(std::move(tokenizer));
    }
    return std::shared_ptr<const TextModel>(std::move(model));
}

}  // namespace tessera
