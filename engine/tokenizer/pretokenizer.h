#pragma once
// BPE pre-tokenizers: split text into words before merges, the way llama.cpp does for each
// `tokenizer.ggml.pre` value. ref: llama.cpp src/llama-vocab.cpp (llm_tokenizer_bpe regex_exprs,
// llama_vocab::impl::load pre-type flags) and src/unicode.cpp (unicode_regex_split). Internal.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"
#include "engine/tokenizer/regex.h"

namespace tessera::tok {

// What one `tokenizer.ggml.pre` value means: its split regexes and the vocab flags llama.cpp ties to it.
struct PreTokenizerInfo {
    std::string name;                  // the pre value as given
    std::vector<std::string> regexes;  // applied in order, each refining the previous split
    bool byte_encode = true;           // GPT-2 byte-to-unicode encoding of the words
    bool clean_spaces = true;          // clean_up_tokenization_spaces when detokenizing
    bool ignore_merges = false;        // a word that is a token is emitted as is
    bool add_bos = false;              // default add_bos before the add_bos_token key
    bool add_sep = false;
    bool no_bos = false;               // BOS id reset to none (chatglm)
    bool escape_whitespaces = false;   // spaces -> U+2581 before splitting (SPM-style BPE)
};

// The pre-tokenizer for a `tokenizer.ggml.pre` value ("" = llama.cpp's default); `unsupported` naming the
// value when llama.cpp does not know it or this engine does not implement it.
Result<PreTokenizerInfo> find_pre_tokenizer(std::string_view pre);

class PreTokenizer {
public:
    static Result<PreTokenizer> create(const std::vector<std::string>& regexes, bool byte_encode);

    // Words of `text` (invalid UTF-8 bytes become U+FFFD), byte-encoded when byte_encode.
    std::vector<std::string> split(std::string_view text) const;

    // Segment lengths in code points after the regexes (exposed for tests).
    std::vector<size_t> split_offsets(const std::vector<uint32_t>& cpts) const;

private:
    enum class StepKind { gpt2, llama3, regex_collapsed, regex_wide };
    struct Step {
        StepKind kind = StepKind::gpt2;
        std::shared_ptr<const Regex> regex;
    };
    std::vector<Step> steps_;
    bool byte_encode_ = true;
};

}  // namespace tessera::tok
