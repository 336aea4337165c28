#pragma once
// BERT encoder (llama.cpp arch `bert`): see bert.cpp.
#include <memory>

#include "engine/core/status.h"
#include "engine/models/embedding/embedder.h"

namespace tessera {

class GgufFile;

Result<std::unique_ptr<EmbeddingModel>> load_bert(const GgufFile& file);

}  // namespace tessera
