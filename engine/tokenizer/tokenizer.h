#pragma once
// Tokenizers built from GGUF metadata (tokenizer.ggml.*), producing exactly llama.cpp's ids.
// ref: llama.cpp d32676d7 src/llama-vocab.cpp (llama_tokenize, llama_token_to_piece, llama_detokenize).
//
//   SentencePiece-style "llama" (SPM): bigram merges by score, <0xNN> byte fallback, ▁ for spaces.
//   Byte-level BPE "gpt2": per-`tokenizer.ggml.pre` regex split, GPT-2 byte encoding, merge ranks.
//   WordPiece "bert" (WPM): BERT basic tokenization + greedy longest match, [CLS] ... [SEP].
//
// A Tokenizer is immutable after loading and safe to use from several threads at once.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"

namespace tessera {

class GgufFile;

namespace tok {
struct Vocab;
}

enum class TokenizerKind {
    spm,  // tokenizer.ggml.model = "llama"
    bpe,  // "gpt2" (and "gemma4")
    wpm,  // "bert"
};

// Token attributes (llama_token_attr bit values).
enum TokenAttr : uint32_t {
    kTokenAttrUndefined = 0,
    kTokenAttrUnknown = 1u << 0,
    kTokenAttrUnused = 1u << 1,
    kTokenAttrNormal = 1u << 2,
    kTokenAttrControl = 1u << 3,
    kTokenAttrUserDefined = 1u << 4,
    kTokenAttrByte = 1u << 5,
    kTokenAttrNormalized = 1u << 6,
    kTokenAttrLstrip = 1u << 7,
    kTokenAttrRstrip = 1u << 8,
    kTokenAttrSingleWord = 1u << 9,
};

// Everything a tokenizer is built from: the tokenizer.ggml.* metadata in plain form. from_gguf() fills it
// from a file; tests and other loaders can fill it directly. Optional fields mirror "key absent".
struct TokenizerSpec {
    std::string model;         // tokenizer.ggml.model: "llama", "gpt2", "bert", "gemma4"
    std::string pre;           // tokenizer.ggml.pre ("" when absent)
    std::string general_name;  // general.name (llama.cpp special-cases Phi-3 by name)
    std::string architecture;  // general.architecture
    std::vector<std::string> tokens;   // tokenizer.ggml.tokens
    std::vector<float> scores;         // tokenizer.ggml.scores (empty: all 0)
    std::vector<int32_t> token_types;  // tokenizer.ggml.token_type (empty: all NORMAL)
    std::vector<std::string> merges;   // tokenizer.ggml.merges ("left right")
    // Special token ids as stored; an id outside the vocabulary keeps the model default, like llama.cpp.
    std::optional<int64_t> bos_id, eos_id, eot_id, eom_id, unk_id, sep_id, pad_id, mask_id, cls_id;
    std::optional<int64_t> fim_pre_id, fim_suf_id, fim_mid_id, fim_pad_id, fim_rep_id, fim_sep_id;
    std::optional<bool> add_bos, add_eos, add_sep, add_space_prefix, remove_extra_whitespaces;
    std::optional<bool> lowercase, strip_accents;  // tokenizer.ggml.normalizer.* (WordPiece)
};

class Tokenizer {
public:
    // Unknown tokenizer model or pre-tokenizer -> `unsupported` naming it; missing/inconsistent keys ->
    // `format_error` naming the key.
    static Result<std::unique_ptr<Tokenizer>> from_gguf(const GgufFile& file);
    static Result<std::unique_ptr<Tokenizer>> from_spec(TokenizerSpec spec);
    // Reads the tokenizer.ggml.* keys of a file into a spec (no validation beyond types).
    static Result<TokenizerSpec> spec_from_gguf(const GgufFile& file);

    ~Tokenizer();
    Tokenizer(const Tokenizer&) = delete;
    Tokenizer& operator=(const Tokenizer&) = delete;

    // llama_tokenize: add_special adds BOS/EOS (SPM/BPE, per add_bos/add_eos) or [CLS]/[SEP] (WPM);
    // parse_special matches control-token texts in `text` (user-defined tokens are always matched).
    // Invalid UTF-8 never fails: bytes are handled as llama.cpp does (byte tokens or U+FFFD).
    std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;

    // llama_token_to_piece: the bytes of one token (SPM: ▁ -> space, <0xNN> -> the byte; BPE: GPT-2
    // byte decoding). Control/unknown tokens give "" unless render_special. Out-of-range ids give "".
    std::string token_to_piece(int32_t id, bool render_special = false) const;

    // llama_detokenize: concatenated pieces; drops the SPM leading space of the first piece; with
    // remove_special drops a leading BOS / trailing EOS (per add_bos/add_eos); unparse_special renders
    // control tokens; BPE/WPM vocabularies apply llama.cpp's clean_up_tokenization_spaces rules.
    std::string decode(const std::vector<int32_t>& ids, bool remove_special = false,
                       bool unparse_special = false) const;

    TokenizerKind kind() const;
    const std::string& model_name() const;  // tokenizer.ggml.model
    const std::string& pre_name() const;    // tokenizer.ggml.pre
    int32_t n_vocab() const;

    // Special ids, -1 when the vocabulary has none.
    int32_t bos_id() const;
    int32_t eos_id() const;
    int32_t eot_id() const;
    int32_t eom_id() const;
    int32_t unk_id() const;
    int32_t sep_id() const;
    int32_t pad_id() const;
    int32_t mask_id() const;
    int32_t nl_id() const;
    int32_t fim_pre_id() const;
    int32_t fim_suf_id() const;
    int32_t fim_mid_id() const;

    bool add_bos() const;
    bool add_eos() const;
    bool add_sep() const;
    bool add_space_prefix() const;

    // End of generation: EOS, EOT, EOM and the tokens llama.cpp recognises by text (<|im_end|>,
    // <end_of_turn>, <|eot_id|>, <|endoftext|>, ...).
    bool is_eog(int32_t id) const;
    const std::vector<int32_t>& eog_ids() const;
    bool is_control(int32_t id) const;
    bool is_byte(int32_t id) const;
    uint32_t token_attr(int32_t id) const;         // TokenAttr bits; 0 for out-of-range ids
    const std::string& token_text(int32_t id) const;  // raw vocabulary entry ("" out of range)
    float token_score(int32_t id) const;
    // Exact vocabulary lookup of a token's raw text; -1 when absent.
    int32_t find_token(std::string_view text) const;

private:
    explicit Tokenizer(std::unique_ptr<tok::Vocab> vocab);
    std::unique_ptr<tok::Vocab> vocab_;
};

// Turns a stream of token ids into text without ever emitting part of a UTF-8 character: bytes of an
// incomplete character are held until it completes. Byte sequences that can never become valid UTF-8
// are emitted as U+FFFD. Pieces are token_to_piece(id, render_special); no leading-space stripping or
// space clean-up is applied (llama.cpp streams pieces the same way).
class StreamingDecoder {
public:
    explicit StreamingDecoder(const Tokenizer& tokenizer, bool render_special = false);

    // Appends one token; returns the text that became complete (possibly empty).
    std::string push(int32_t id);
    // Returns what is still held (an incomplete character becomes U+FFFD) and resets.
    std::string flush();
    void reset() { pending_.clear(); }
    size_t pending_bytes() const { return pending_.size(); }

private:
    const Tokenizer& tokenizer_;
    bool render_special_;
    std::string pending_;
};

}  // namespace tessera
