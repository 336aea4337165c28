// Tokenizer front end: special-token partitioning, BOS/EOS/CLS/SEP handling, pieces and detokenization.
// ref: llama.cpp d32676d7 src/llama-vocab.cpp (tokenizer_st_partition, impl::tokenize, impl::token_to_piece,
// impl::detokenize).
#include "engine/tokenizer/tokenizer.h"

#include <algorithm>

#include "engine/gguf/gguf.h"
#include "engine/tokenizer/vocab.h"

namespace tessera {

namespace {

using tok::Vocab;

struct Fragment {
    int32_t token;  // -1: raw text
    size_t offset;
    size_t length;
};

bool ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// Trie nodes (sorted) reached anywhere in `text`: which special tokens occur at all.
std::vector<int32_t> special_hits(const Vocab& v, std::string_view text) {
    std::vector<int32_t> hits;
    for (size_t i = 0; i < text.size(); ++i) {
        int32_t node = 0;
        for (size_t j = i; j < text.size(); ++j) {
            node = v.special_trie.child(node, static_cast<uint8_t>(text[j]));
            if (node < 0) break;
            if (v.special_trie.nodes[static_cast<size_t>(node)].token >= 0) hits.push_back(node);
        }
    }
    std::sort(hits.begin(), hits.end());
    hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
    return hits;
}

// ref: tokenizer_st_partition. Special tokens are applied longest first; each one splits every raw-text
// fragment at all of its occurrences (with the token's lstrip/rstrip whitespace rules).
std::vector<Fragment> partition(const Vocab& v, std::string_view text, bool parse_special) {
    std::vector<Fragment> frags;
    if (text.empty()) return frags;
    frags.push_back({-1, 0, text.size()});
    if (v.special_tokens.empty()) return frags;
    const std::vector<int32_t> hits = special_hits(v, text);
    if (hits.empty()) return frags;

    std::vector<Fragment> next;
    for (size_t k = 0; k < v.special_tokens.size(); ++k) {
        const int32_t special = v.special_tokens[k];
        const tok::TokenData& data = v.tokens[static_cast<size_t>(special)];
        if (!parse_special && (data.attr & (kTokenAttrControl | kTokenAttrUnknown))) continue;
        if (!std::binary_search(hits.begin(), hits.end(), v.special_nodes[k])) continue;
        const std::string_view needle = data.text;
        next.clear();
        for (const Fragment& f : frags) {
            if (f.token >= 0) {
                next.push_back(f);
                continue;
            }
            size_t pos = f.offset;
            const size_t end = f.offset + f.length;
            for (;;) {
                const size_t match = text.substr(0, end).find(needle, pos);
                if (match == std::string_view::npos) break;
                size_t left_len = match - pos;
                if (data.attr & kTokenAttrLstrip) {
                    while (left_len > 0 && ascii_space(text[pos + left_len - 1])) --left_len;
                }
                if (left_len > 0) next.push_back({-1, pos, left_len});
                next.push_back({special, 0, 0});
                pos = match + needle.size();
                if (data.attr & kTokenAttrRstrip) {
                    while (pos < end && ascii_space(text[pos])) ++pos;
                }
                if (pos >= end) break;
            }
            if (pos < end) next.push_back({-1, pos, end - pos});
        }
        frags.swap(next);
    }
    return frags;
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<tok::Vocab> vocab) : vocab_(std::move(vocab)) {}
Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_spec(TokenizerSpec spec) {
    TS_ASSIGN_OR_RETURN(std::unique_ptr<tok::Vocab> vocab, tok::build_vocab(std::move(spec)));
    return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(vocab)));
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_gguf(const GgufFile& file) {
    TS_ASSIGN_OR_RETURN(TokenizerSpec spec, spec_from_gguf(file));
    Result<std::unique_ptr<Tokenizer>> tok = from_spec(std::move(spec));
    if (!tok.is_ok()) {
        return make_error(tok.status().code(), file.path() + ": " + tok.status().message());
    }
    return tok;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
    const Vocab& v = *vocab_;
    std::vector<int32_t> out;
    const std::vector<Fragment> frags = partition(v, text, parse_special);
    switch (v.kind) {
        case TokenizerKind::spm: {
            // SentencePiece adds a space before the first word and after every special token
            bool is_prev_special = true;
            if (add_special && v.add_bos && v.bos >= 0) out.push_back(v.bos);
            std::string buf;
            for (const Fragment& f : frags) {
                if (f.token >= 0) {
                    out.push_back(f.token);
                    is_prev_special = true;
                    continue;
                }
                buf.clear();
                if (v.add_space_prefix && is_prev_special) buf += "\xE2\x96\x81";
                for (char c : text.substr(f.offset, f.length)) {
                    if (c == ' ') {
                        buf += "\xE2\x96\x81";
                    } else {
                        buf.push_back(c);
                    }
                }
                tok::spm_tokenize(v, buf, out);
                is_prev_special = false;
            }
            if (add_special && v.add_eos && v.eos >= 0) out.push_back(v.eos);
            break;
        }
        case TokenizerKind::bpe: {
            if (add_special && v.add_bos && v.bos >= 0) out.push_back(v.bos);
            for (const Fragment& f : frags) {
                if (f.token >= 0) {
                    out.push_back(f.token);
                } else {
                    tok::bpe_tokenize(v, text.substr(f.offset, f.length), out);
                }
            }
            if (add_special && v.add_eos && v.eos >= 0) out.push_back(v.eos);
            break;
        }
        case TokenizerKind::wpm: {
            if (add_special && v.bos >= 0) out.push_back(v.bos);  // [CLS]
            for (const Fragment& f : frags) {
                if (f.token >= 0) {
                    out.push_back(f.token);
                } else {
                    tok::wpm_tokenize(v, text.substr(f.offset, f.length), out);
                }
            }
            if (add_special && v.sep >= 0) out.push_back(v.sep);  // [SEP]
            break;
        }
    }
    return out;
}

std::string Tokenizer::token_to_piece(int32_t id, bool render_special) const {
    const Vocab& v = *vocab_;
    if (!v.valid(id)) return {};
    if (!render_special && (v.attr(id) & (kTokenAttrUnknown | kTokenAttrControl))) return {};
    return v.pieces[static_cast<size_t>(id)];
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool remove_special, bool unparse_special) const {
    const Vocab& v = *vocab_;
    size_t first = 0, last = ids.size();
    bool remove_space = v.add_space_prefix;
    if (remove_special && v.add_bos && last > first && ids[first] == v.bos) {
        remove_space = false;
        ++first;
    }
    if (remove_special && v.add_eos && last > first && ids[last - 1] == v.eos) --last;

    std::string text;
    for (size_t i = first; i < last; ++i) {
        std::string piece = token_to_piece(ids[i], unparse_special);
        size_t skip = 0;
        if (remove_space && !piece.empty() && piece[0] == ' ') skip = 1;  // lstrip = 1
        remove_space = false;
        text.append(piece, skip, std::string::npos);
    }
    if (!v.clean_spaces) return text;

    // ref: detokenize clean_spaces, three in-place passes ported as is
    const auto n = static_cast<int64_t>(text.size());
    int64_t total = n;
    {
        const int64_t total1 = total;
        total = total ? 1 : 0;
        for (int64_t i = 1; i < total1; ++i) {
            const char x = text[i];
            if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) --total;  // " ?", " !", " .", " ,"
            text[total++] = x;
        }
    }
    {
        const int64_t total2 = total;
        total = total ? 1 : 0;
        for (int64_t i = 1; i < total2; ++i) {
            const char x = text[i];
            if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ') {  // " ' "
                --total;
                text[++i] = '\0';
            }
            text[total++] = x;
        }
    }
    {
        const int64_t total3 = total;
        total = total ? 1 : 0;
        for (int64_t i = 1; i < total3; ++i) {
            const char x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
                const char x1 = text[i + 1];
                if (x1 == 's' || x1 == 'm') {  // " 's", " 'm"
                    --total;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < total3) {
                    const char x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) --total;  // " 're", " 've"
                }
            }
            text[total++] = x;
        }
    }
    text.resize(static_cast<size_t>(total));
    return text;
}

TokenizerKind Tokenizer::kind() const { return vocab_->kind; }
const std::string& Tokenizer::model_name() const { return vocab_->model; }
const std::string& Tokenizer::pre_name() const { return vocab_->pre; }
int32_t Tokenizer::n_vocab() const { return vocab_->n_tokens(); }
int32_t Tokenizer::bos_id() const { return vocab_->bos; }
int32_t Tokenizer::eos_id() const { return vocab_->eos; }
int32_t Tokenizer::eot_id() const { return vocab_->eot; }
int32_t Tokenizer::eom_id() const { return vocab_->eom; }
int32_t Tokenizer::unk_id() const { return vocab_->unk; }
int32_t Tokenizer::sep_id() const { return vocab_->sep; }
int32_t Tokenizer::pad_id() const { return vocab_->pad; }
int32_t Tokenizer::mask_id() const { return vocab_->mask; }
int32_t Tokenizer::nl_id() const { return vocab_->nl; }
int32_t Tokenizer::fim_pre_id() const { return vocab_->fim_pre; }
int32_t Tokenizer::fim_suf_id() const { return vocab_->fim_suf; }
int32_t Tokenizer::fim_mid_id() const { return vocab_->fim_mid; }
bool Tokenizer::add_bos() const { return vocab_->add_bos; }
bool Tokenizer::add_eos() const { return vocab_->add_eos; }
bool Tokenizer::add_sep() const { return vocab_->add_sep; }
bool Tokenizer::add_space_prefix() const { return vocab_->add_space_prefix; }

bool Tokenizer::is_eog(int32_t id) const {
    return id >= 0 && std::binary_search(vocab_->eog_ids.begin(), vocab_->eog_ids.end(), id);
}
const std::vector<int32_t>& Tokenizer::eog_ids() const { return vocab_->eog_ids; }
bool Tokenizer::is_control(int32_t id) const { return (vocab_->attr(id) & kTokenAttrControl) != 0; }
bool Tokenizer::is_byte(int32_t id) const { return (vocab_->attr(id) & kTokenAttrByte) != 0; }
uint32_t Tokenizer::token_attr(int32_t id) const { return vocab_->attr(id); }

const std::string& Tokenizer::token_text(int32_t id) const {
    static const std::string empty;
    return vocab_->valid(id) ? vocab_->tokens[static_cast<size_t>(id)].text : empty;
}

float Tokenizer::token_score(int32_t id) const {
    return vocab_->valid(id) ? vocab_->tokens[static_cast<size_t>(id)].score : 0.0f;
}

int32_t Tokenizer::find_token(std::string_view text) const { return vocab_->text_to_token(text); }

}  // namespace tessera
