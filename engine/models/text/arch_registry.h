#pragma once
// One loader per architecture file; load_text_model() picks one by general.architecture.
#include <memory>

#include "engine/runtime/text_model.h"
#include "engine/runtime/weight_loader.h"

namespace tessera {

Result<std::unique_ptr<TextModel>> load_llama(std::unique_ptr<GgufFile> file);
Result<std::unique_ptr<TextModel>> load_qwen2(std::unique_ptr<GgufFile> file);
Result<std::unique_ptr<TextModel>> load_qwen2vl(std::unique_ptr<GgufFile> file);
Result<std::unique_ptr<TextModel>> load_qwen3(std::unique_ptr<GgufFile> file);
Result<std::unique_ptr<TextModel>> load_qwen3moe(std::unique_ptr<GgufFile> file);
Result<std::unique_ptr<TextModel>> load_gemma3(std::unique_ptr<GgufFile> file);
Result<std::unique_ptr<TextModel>> load_deepseek2(std::unique_ptr<GgufFile> file);

// Creates M, hands it the file and hyperparameters, and lets it bind its weights (M::bind).
template <class M>
Result<std::unique_ptr<TextModel>> build_text_model(std::unique_ptr<GgufFile> file, TextHParams hparams) {
    auto model = std::make_unique<M>();
    const GgufFile& f = *file;
    model->attach(std::move(file), std::move(hparams));
    WeightLoader wl(f);
    TS_RETURN_IF_ERROR(model->bind(wl));
    return std::unique_ptr<TextModel>(std::move(model));
}

}  // namespace tessera
