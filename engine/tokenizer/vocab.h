#pragma once
// The loaded vocabulary shared by the three tokenizer algorithms. Internal to tessera_tokenizer.
// ref: llama.cpp src/llama-vocab.cpp (llama_vocab::impl).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/tokenizer/pretokenizer.h"
#include "engine/tokenizer/tokenizer.h"

namespace tessera::tok {

struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

struct TokenData {
    std::string text;
    float score = 0.0f;
    uint32_t attr = kTokenAttrNormal;
};

// Byte trie over special-token texts, used to find quickly which special tokens occur in a text.
struct SpecialTrie {
    struct Node {
        int32_t token = -1;  // a special token ends here
    };
    std::vector<Node> nodes;                       // node 0 = root
    std::unordered_map<uint64_t, int32_t> edges;   // (node << 8 | byte) -> child
    int32_t insert(std::string_view text, int32_t token);  // returns the node of `text`
    int32_t child(int32_t node, uint8_t byte) const {
        auto it = edges.find((static_cast<uint64_t>(node) << 8) | byte);
        return it == edges.end() ? -1 : it->second;
    }
};

struct Vocab {
    TokenizerKind kind = TokenizerKind::spm;
    std::string model;  // tokenizer.ggml.model
    std::string pre;    // tokenizer.ggml.pre

    std::vector<TokenData> tokens;
    StringMap<int32_t> token_to_id;
    StringMap<int32_t> bpe_ranks;  // "left right" -> merge rank
    int max_token_len = 0;         // bytes

    int32_t bos = -1, eos = -1, eot = -1, eom = -1, unk = -1, sep = -1, pad = -1, mask = -1, nl = -1;
    int32_t fim_pre = -1, fim_suf = -1, fim_mid = -1, fim_pad = -1, fim_rep = -1, fim_sep = -1;

    bool add_space_prefix = false;
    bool add_bos = false;
    bool add_eos = false;
    bool add_sep = false;
    bool ignore_merges = false;
    bool clean_spaces = false;
    bool remove_extra_whitespaces = false;
    bool escape_whitespaces = true;
    bool lowercase = true;      // WordPiece normalizer
    bool strip_accents = true;  // WordPiece normalizer
    bool gemma4_newlines = false;

    PreTokenizer pre_tokenizer;  // BPE only
    bool byte_encode = true;     // BPE: GPT-2 byte encoding

    std::vector<int32_t> special_tokens;  // control / user-defined / unknown, longest text first
    SpecialTrie special_trie;
    std::vector<int32_t> special_nodes;   // trie node of each special_tokens entry
    std::vector<int32_t> eog_ids;         // sorted
    std::vector<std::string> pieces;      // token_to_piece(id, special = true)

    int32_t n_tokens() const { return static_cast<int32_t>(tokens.size()); }
    bool valid(int32_t id) const { return id >= 0 && id < n_tokens(); }
    uint32_t attr(int32_t id) const { return valid(id) ? tokens[static_cast<size_t>(id)].attr : 0; }
    int32_t text_to_token(std::string_view text) const {
        auto it = token_to_id.find(text);
        return it == token_to_id.end() ? -1 : it->second;
    }
    // SPM / WPM byte fallback token ("<0xNN>", else the byte itself as a token); -1 if neither exists.
    int32_t byte_to_token(uint8_t byte) const;
    // Value of a byte token "<0xNN>".
    uint8_t token_to_byte(int32_t id) const;
    int bpe_rank(std::string_view left, std::string_view right, std::string& scratch) const {
        scratch.assign(left);
        scratch.push_back(' ');
        scratch.append(right);
        auto it = bpe_ranks.find(std::string_view(scratch));
        return it == bpe_ranks.end() ? -1 : it->second;
    }
};

// Builds the vocabulary (token attributes, special ids, EOG set, caches) from a spec; the heavy lifting of
// Tokenizer::from_spec. ref: llama_vocab::impl::load.
Result<std::unique_ptr<Vocab>> build_vocab(TokenizerSpec spec);

// Algorithms: append the ids for one raw-text fragment to `out`.
void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out);
void bpe_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out);
void wpm_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out);
// WordPiece normalisation and word split (exposed for tests).
std::vector<std::string> wpm_preprocess(std::string_view text, bool lowercase, bool strip_accents);

// Raw piece of a token as llama_token_to_piece(special = true) computes it (before the cache).
std::string compute_piece(const Vocab& vocab, int32_t id);

}  // namespace tessera::tok
