// Streaming detokenization that never splits a UTF-8 character (e.g. an emoji spread over <0xF0> <0x9F>
// <0x8E> <0x82> byte tokens). Validation follows the Unicode "maximal subpart" rule (Unicode 15, §3.9
// U+FFFD substitution): an ill-formed sequence is replaced by one U+FFFD per maximal subpart.
#include "engine/tokenizer/tokenizer.h"

namespace tessera {

namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";

// Moves the complete prefix of `pending` to the result; an incomplete tail stays in `pending`.
std::string take_complete(std::string& pending) {
    std::string out;
    size_t i = 0;
    const size_t n = pending.size();
    const auto byte = [&](size_t k) { return static_cast<uint8_t>(pending[k]); };
    while (i < n) {
        const uint8_t c = byte(i);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        size_t need = 0;
        uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            out += kReplacement;  // stray continuation byte or invalid lead byte
            ++i;
            continue;
        }
        size_t k = 1;
        bool bad = false;
        for (; k <= need; ++k) {
            if (i + k >= n) break;  // incomplete
            const uint8_t b = byte(i + k);
            const uint8_t l = k == 1 ? lo : 0x80;
            const uint8_t h = k == 1 ? hi : 0xBF;
            if (b < l || b > h) {
                bad = true;
                break;
            }
        }
        if (bad) {
            out += kReplacement;
            i += k;  // the lead byte and the valid continuation bytes before the bad one
            continue;
        }
        if (k <= need) break;  // wait for more bytes
        out.append(pending, i, need + 1);
        i += need + 1;
    }
    pending.erase(0, i);
    return out;
}

}  // namespace

StreamingDecoder::StreamingDecoder(const Tokenizer& tokenizer, bool render_special)
    : tokenizer_(tokenizer), render_special_(render_special) {}

std::string StreamingDecoder::push(int32_t id) {
    pending_ += tokenizer_.token_to_piece(id, render_special_);
    return take_complete(pending_);
}

std::string StreamingDecoder::flush() {
    std::string out = take_complete(pending_);
    if (!pending_.empty()) out += kReplacement;  // an incomplete character at the end
    pending_.clear();
    return out;
}

}  // namespace tessera
