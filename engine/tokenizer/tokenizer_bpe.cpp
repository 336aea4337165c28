// Byte-level BPE with merge ranks.
// ref: llama.cpp src/llama-vocab.cpp llm_tokenizer_bpe_session::tokenize: each pre-tokenized word is split
// into UTF-8 characters, then the adjacent pair with the lowest merge rank (ties: leftmost) is merged until
// no pair has a rank; symbols that are not tokens fall back to single-byte tokens.
#include <queue>

#include "engine/tokenizer/unicode.h"
#include "engine/tokenizer/vocab.h"

namespace tessera::tok {

namespace {

struct Symbol {
    int32_t prev;
    int32_t next;
    size_t offset;
    size_t n;
};

struct Bigram {
    int32_t left;
    int32_t right;
    int32_t rank;
    size_t size;
};

struct BigramGreater {
    // priority_queue top = lowest rank, then lowest left index
    bool operator()(const Bigram& l, const Bigram& r) const {
        return l.rank > r.rank || (l.rank == r.rank && l.left > r.left);
    }
};

void merge_word(const Vocab& vocab, std::string_view word, std::vector<int32_t>& out, std::vector<Symbol>& symbols,
                std::string& scratch) {
    symbols.clear();
    const bool whole = (vocab.ignore_merges && vocab.text_to_token(word) >= 0) ||
                       (vocab.gemma4_newlines && word.find_first_not_of('\n') == std::string_view::npos &&
                        vocab.text_to_token(word) >= 0);
    if (whole) {
        symbols.push_back({-1, -1, 0, word.size()});
    } else {
        for (size_t offs = 0; offs < word.size();) {
            const size_t len = std::min(utf8_len(word[offs]), word.size() - offs);
            const int32_t index = static_cast<int32_t>(symbols.size());
            symbols.push_back({index - 1, offs + len == word.size() ? -1 : index + 1, offs, len});
            offs += len;
        }
    }

    std::priority_queue<Bigram, std::vector<Bigram>, BigramGreater> queue;
    const auto add_bigram = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const Symbol& l = symbols[static_cast<size_t>(left)];
        const Symbol& r = symbols[static_cast<size_t>(right)];
        const int rank = vocab.bpe_rank(word.substr(l.offset, l.n), word.substr(r.offset, r.n), scratch);
        if (rank < 0) return;
        queue.push({left, right, rank, l.n + r.n});
    };
    for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) add_bigram(i - 1, i);

    while (!queue.empty()) {
        const Bigram b = queue.top();
        queue.pop();
        Symbol& l = symbols[static_cast<size_t>(b.left)];
        Symbol& r = symbols[static_cast<size_t>(b.right)];
        // stale: one side merged elsewhere (llama.cpp compares the texts; with contiguous symbols the
        // sizes and adjacency decide the same)
        if (l.n == 0 || r.n == 0 || l.next != b.right || l.n + r.n != b.size) continue;
        l.n += r.n;
        r.n = 0;
        l.next = r.next;
        if (r.next >= 0) symbols[static_cast<size_t>(r.next)].prev = b.left;
        add_bigram(l.prev, b.left);
        add_bigram(b.left, l.next);
    }

    for (const Symbol& s : symbols) {
        if (s.n == 0) continue;
        const std::string_view piece = word.substr(s.offset, s.n);
        const int32_t id = vocab.text_to_token(piece);
        if (id >= 0) {
            out.push_back(id);
            continue;
        }
        for (char c : piece) {
            int32_t byte_id = -1;
            if (vocab.byte_encode) {
                byte_id = vocab.text_to_token(std::string_view(&c, 1));
            } else {
                static const char* hex = "0123456789ABCDEF";
                const uint8_t ch = static_cast<uint8_t>(c);
                const char buf[6] = {'<', '0', 'x', hex[ch >> 4], hex[ch & 15], '>'};
                byte_id = vocab.text_to_token(std::string_view(buf, 6));
            }
            if (byte_id >= 0) out.push_back(byte_id);  // llama.cpp silently drops bytes without a token
        }
    }
}

}  // namespace

void bpe_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
    std::string escaped;
    if (vocab.escape_whitespaces) {
        escaped.reserve(text.size());
        for (char c : text) {
            if (c == ' ') {
                escaped += "\xE2\x96\x81";
            } else {
                escaped.push_back(c);
            }
        }
        text = escaped;
    }
    const std::vector<std::string> words = vocab.pre_tokenizer.split(text);
    std::vector<Symbol> symbols;
    std::string scratch;
    for (const std::string& word : words) merge_word(vocab, word, out, symbols, scratch);
}

}  // namespace tessera::tok
