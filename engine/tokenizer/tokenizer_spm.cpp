// SentencePiece-style BPE over scores with byte fallback.
// ref: llama.cpp src/llama-vocab.cpp llm_tokenizer_spm_session (itself after the original
// https://github.com/ggml-org/llama.cpp/commit/074bea2e): split into UTF-8 characters, repeatedly merge
// the adjacent pair whose concatenation is the highest-scoring token (ties: leftmost), then emit each
// final symbol as its token or, failing that, as <0xNN> byte tokens.
#include <queue>

#include "engine/tokenizer/unicode.h"
#include "engine/tokenizer/vocab.h"

namespace tessera::tok {

namespace {

struct Symbol {
    int32_t prev;
    int32_t next;
    size_t offset;  // into the text
    size_t n;       // bytes; 0 once merged into its left neighbour
};

struct Bigram {
    int32_t left;
    int32_t right;
    float score;
    size_t size;
};

struct BigramLess {
    // priority_queue top = highest score, then lowest left index
    bool operator()(const Bigram& l, const Bigram& r) const {
        return l.score < r.score || (l.score == r.score && l.left > r.left);
    }
};

}  // namespace

void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
    std::vector<Symbol> symbols;
    symbols.reserve(text.size());
    for (size_t offs = 0; offs < text.size();) {
        const size_t len = std::min(utf8_len(text[offs]), text.size() - offs);
        const int32_t index = static_cast<int32_t>(symbols.size());
        symbols.push_back({index - 1, offs + len == text.size() ? -1 : index + 1, offs, len});
        offs += len;
    }
    if (symbols.empty()) return;

    std::priority_queue<Bigram, std::vector<Bigram>, BigramLess> queue;
    const auto try_add_bigram = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const Symbol& l = symbols[static_cast<size_t>(left)];
        const Symbol& r = symbols[static_cast<size_t>(right)];
        const size_t size = l.n + r.n;
        const int32_t id = vocab.text_to_token(text.substr(l.offset, size));
        if (id < 0) return;
        queue.push({left, right, vocab.tokens[static_cast<size_t>(id)].score, size});
    };
    for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) try_add_bigram(i - 1, i);

    while (!queue.empty()) {
        const Bigram b = queue.top();
        queue.pop();
        Symbol& l = symbols[static_cast<size_t>(b.left)];
        Symbol& r = symbols[static_cast<size_t>(b.right)];
        if (l.n == 0 || r.n == 0 || l.n + r.n != b.size) continue;  // stale
        l.n += r.n;
        r.n = 0;
        l.next = r.next;
        if (r.next >= 0) symbols[static_cast<size_t>(r.next)].prev = b.left;
        try_add_bigram(l.prev, b.left);
        try_add_bigram(b.left, l.next);
    }

    // Merged symbols are always tokens; a leftover character that is not a token becomes byte tokens.
    // (llama.cpp's rev_merge re-segmentation never triggers: it only records texts that are tokens.)
    for (int32_t i = 0; i != -1; i = symbols[static_cast<size_t>(i)].next) {
        const Symbol& s = symbols[static_cast<size_t>(i)];
        const std::string_view piece = text.substr(s.offset, s.n);
        const int32_t id = vocab.text_to_token(piece);
        if (id >= 0) {
            out.push_back(id);
            continue;
        }
        for (char c : piece) {
            const int32_t byte_id = vocab.byte_to_token(static_cast<uint8_t>(c));
            // llama.cpp aborts when a vocabulary has no byte tokens; we fall back to <unk>.
            if (byte_id >= 0) {
                out.push_back(byte_id);
            } else if (vocab.unk >= 0) {
                out.push_back(vocab.unk);
            }
        }
    }
}

}  // namespace tessera::tok
