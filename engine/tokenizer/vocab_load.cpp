// Building the vocabulary from tokenizer.ggml.* metadata.
// ref: llama.cpp d32676d7 src/llama-vocab.cpp llama_vocab::impl::load (defaults per model, pre-type flags,
// special-token ids, EOT/EOG auto-detection by text, special-token cache, token-to-piece cache).
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "engine/gguf/gguf.h"
#include "engine/tokenizer/unicode.h"
#include "engine/tokenizer/vocab.h"

namespace tessera {

namespace {

// llama_token_type values stored in tokenizer.ggml.token_type
uint32_t attr_from_type(int32_t type) {
    switch (type) {
        case 1: return kTokenAttrNormal;
        case 2: return kTokenAttrUnknown;
        case 3: return kTokenAttrControl;
        case 4: return kTokenAttrUserDefined;
        case 5: return kTokenAttrUnused;
        case 6: return kTokenAttrByte;
        default: return kTokenAttrUndefined;
    }
}

Result<std::optional<int64_t>> opt_int(const GgufFile& f, std::string_view key) {
    const GgufValue* v = f.find(key);
    if (!v) return std::optional<int64_t>();
    if (!v->is_integer()) {
        return make_error(ErrorCode::format_error,
                          "metadata key '" + std::string(key) + "' is " + gguf_type_name(v->type) + ", expected an integer");
    }
    return std::optional<int64_t>(v->as_int());
}

Result<std::optional<bool>> opt_bool(const GgufFile& f, std::string_view key) {
    const GgufValue* v = f.find(key);
    if (!v) return std::optional<bool>();
    if (v->type != GgufType::BOOL && !v->is_integer()) {
        return make_error(ErrorCode::format_error,
                          "metadata key '" + std::string(key) + "' is " + gguf_type_name(v->type) + ", expected a bool");
    }
    return std::optional<bool>(v->as_int() != 0);
}

void set_id(int32_t& id, const std::optional<int64_t>& value, int32_t n_tokens) {
    // llama.cpp reads the id as uint32 and keeps the default when it is out of range (e.g. 0xFFFFFFFF).
    if (value && *value >= 0 && *value < n_tokens) id = static_cast<int32_t>(*value);
}

// Picks the first candidate text present in the vocabulary for an unset id and marks it CONTROL.
// (llama.cpp walks its unordered token map, so with several candidates its choice is hash-order dependent;
// we take the first in the list order below, which is deterministic.)
void detect_by_text(tok::Vocab& v, int32_t& id, std::initializer_list<std::string_view> candidates) {
    if (id != -1) return;
    for (std::string_view text : candidates) {
        const int32_t found = v.text_to_token(text);
        if (found >= 0) {
            id = found;
            v.tokens[static_cast<size_t>(found)].attr |= kTokenAttrControl;
            return;
        }
    }
}

bool contains_any(const std::string& s, std::initializer_list<std::string_view> subs) {
    for (std::string_view sub : subs) {
        if (s.find(sub) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

namespace tok {

int32_t SpecialTrie::insert(std::string_view text, int32_t token) {
    if (nodes.empty()) nodes.emplace_back();
    int32_t node = 0;
    for (char ch : text) {
        const uint64_t key = (static_cast<uint64_t>(node) << 8) | static_cast<uint8_t>(ch);
        auto it = edges.find(key);
        if (it == edges.end()) {
            nodes.emplace_back();
            it = edges.emplace(key, static_cast<int32_t>(nodes.size() - 1)).first;
        }
        node = it->second;
    }
    if (nodes[static_cast<size_t>(node)].token < 0) nodes[static_cast<size_t>(node)].token = token;
    return node;
}

int32_t Vocab::byte_to_token(uint8_t byte) const {
    static const char* hex = "0123456789ABCDEF";
    const char buf[7] = {'<', '0', 'x', hex[byte >> 4], hex[byte & 15], '>', 0};
    int32_t id = text_to_token(std::string_view(buf, 6));
    if (id >= 0) return id;
    const char single = static_cast<char>(byte);
    return text_to_token(std::string_view(&single, 1));
}

uint8_t Vocab::token_to_byte(int32_t id) const {
    const std::string& t = tokens[static_cast<size_t>(id)].text;
    if (t.size() < 5) return 0;
    const std::string hex = t.substr(3, 2);
    return static_cast<uint8_t>(std::strtol(hex.c_str(), nullptr, 16));
}

std::string compute_piece(const Vocab& v, int32_t id) {
    // ref: llama_vocab::impl::token_to_piece with special = true (the cached form)
    const TokenData& td = v.tokens[static_cast<size_t>(id)];
    const uint32_t attr = td.attr;
    if (attr & (kTokenAttrUnknown | kTokenAttrControl | kTokenAttrUserDefined)) return td.text;
    const auto unescape = [](const std::string& s) {
        std::string out;
        out.reserve(s.size());
        for (size_t i = 0; i < s.size(); ++i) {
            if (s.compare(i, 3, "\xE2\x96\x81") == 0) {
                out.push_back(' ');
                i += 2;
            } else {
                out.push_back(s[i]);
            }
        }
        return out;
    };
    if (attr & kTokenAttrNormal) {
        if (v.kind != TokenizerKind::bpe || v.escape_whitespaces) return unescape(td.text);
        // ref: llama_decode_text: each code point maps back to one byte
        std::string out;
        for (uint32_t cpt : cpts_from_utf8(td.text)) {
            const int byte = bpe_cpt_to_byte(cpt);
            if (byte >= 0) {
                out.push_back(static_cast<char>(byte));
            } else {
                const std::string utf8 = cpt_to_utf8(cpt);
                out += "[UNK_BYTE_0x";
                static const char* hex = "0123456789abcdef";
                for (char c : utf8) {
                    out.push_back(hex[static_cast<uint8_t>(c) >> 4]);
                    out.push_back(hex[static_cast<uint8_t>(c) & 15]);
                }
                out += td.text + "]";
            }
        }
        return out;
    }
    if ((attr & kTokenAttrByte) && v.kind != TokenizerKind::wpm) return std::string(1, static_cast<char>(v.token_to_byte(id)));
    return {};
}

Result<std::unique_ptr<Vocab>> build_vocab(TokenizerSpec spec) {
    auto vp = std::make_unique<Vocab>();
    Vocab& v = *vp;
    v.model = spec.model;
    v.pre = spec.pre;

    PreTokenizerInfo pre_info;
    if (spec.model == "llama") {
        v.kind = TokenizerKind::spm;
        v.bos = 1, v.eos = 2, v.unk = 0;
    } else if (spec.model == "bert") {
        v.kind = TokenizerKind::wpm;
        v.bos = 101, v.unk = 100, v.sep = 102, v.pad = 0, v.mask = 103;
        v.add_sep = true;
    } else if (spec.model == "gpt2" || spec.model == "gemma4") {
        v.kind = TokenizerKind::bpe;
        if (spec.model == "gpt2") {
            v.bos = 11, v.eos = 11;
        } else {
            v.pre = "gemma4";
        }
    } else if (spec.model.empty()) {
        return make_error(ErrorCode::format_error, "missing tokenizer model (tokenizer.ggml.model)");
    } else {
        return make_error(ErrorCode::unsupported, "unknown or unsupported tokenizer model (tokenizer.ggml.model): '" +
                                                      spec.model + "'");
    }
    if (spec.tokens.empty()) {
        return make_error(ErrorCode::format_error, "tokenizer vocabulary (tokenizer.ggml.tokens) is missing or empty");
    }
    if (spec.tokens.size() >= static_cast<size_t>(INT32_MAX)) {
        return make_error(ErrorCode::out_of_range, "tokenizer vocabulary too large");
    }
    const int32_t n_tokens = static_cast<int32_t>(spec.tokens.size());
    if (!spec.scores.empty() && spec.scores.size() < spec.tokens.size()) {
        return make_error(ErrorCode::format_error, "tokenizer.ggml.scores has " + std::to_string(spec.scores.size()) +
                                                       " entries for " + std::to_string(n_tokens) + " tokens");
    }
    if (!spec.token_types.empty() && spec.token_types.size() < spec.tokens.size()) {
        return make_error(ErrorCode::format_error, "tokenizer.ggml.token_type has " +
                                                       std::to_string(spec.token_types.size()) + " entries for " +
                                                       std::to_string(n_tokens) + " tokens");
    }

    if (v.kind == TokenizerKind::bpe) {
        if (spec.merges.empty()) {
            return make_error(ErrorCode::format_error, "BPE tokenizer without merges (tokenizer.ggml.merges)");
        }
        v.bpe_ranks.reserve(spec.merges.size());
        for (size_t i = 0; i < spec.merges.size(); ++i) {
            const std::string& m = spec.merges[i];
            const size_t pos = m.find(' ', 1);
            // llama.cpp stores ("", "") for a line without a separator; such an entry can never match.
            if (pos == std::string::npos) continue;
            v.bpe_ranks.emplace(m, static_cast<int32_t>(i));
        }
        v.add_space_prefix = false;
        v.escape_whitespaces = false;
        v.clean_spaces = true;
        Result<PreTokenizerInfo> info = find_pre_tokenizer(v.pre);
        if (!info.is_ok()) return info.status();
        pre_info = std::move(info).value();
        v.clean_spaces = pre_info.clean_spaces;
        v.ignore_merges = pre_info.ignore_merges;
        if (pre_info.add_bos) v.add_bos = true;
        if (pre_info.add_sep) v.add_sep = true;
        if (pre_info.no_bos) v.bos = -1;
        if (pre_info.escape_whitespaces) v.escape_whitespaces = true;
        v.byte_encode = pre_info.byte_encode;
        v.gemma4_newlines = v.pre == "gemma4";
        Result<PreTokenizer> pt = PreTokenizer::create(pre_info.regexes, pre_info.byte_encode);
        if (!pt.is_ok()) return pt.status();
        v.pre_tokenizer = std::move(pt).value();
    } else if (v.kind == TokenizerKind::spm) {
        v.add_space_prefix = true;
        v.clean_spaces = false;
        v.add_bos = true;
        v.add_eos = false;
    } else {
        v.add_space_prefix = false;
        v.clean_spaces = true;
        v.add_bos = true;
        v.add_eos = false;
        v.add_sep = true;
    }
    if (spec.add_space_prefix) v.add_space_prefix = *spec.add_space_prefix;
    if (spec.remove_extra_whitespaces) v.remove_extra_whitespaces = *spec.remove_extra_whitespaces;

    // tokens
    v.tokens.resize(spec.tokens.size());
    v.token_to_id.reserve(spec.tokens.size());
    for (int32_t i = 0; i < n_tokens; ++i) {
        std::string word = std::move(spec.tokens[static_cast<size_t>(i)]);
        if (word.empty()) word = "[EMPTY_" + std::to_string(i) + "]";
        v.max_token_len = std::max(v.max_token_len, static_cast<int>(word.size()));
        v.token_to_id[word] = i;
        TokenData& td = v.tokens[static_cast<size_t>(i)];
        td.text = std::move(word);
        td.score = spec.scores.empty() ? 0.0f : spec.scores[static_cast<size_t>(i)];
        td.attr = spec.token_types.empty() ? kTokenAttrNormal : attr_from_type(spec.token_types[static_cast<size_t>(i)]);
    }

    // newline token (computed before the special-token cache exists, like llama.cpp)
    if (v.kind == TokenizerKind::spm) {
        v.nl = v.byte_to_token('\n');
        if (v.nl < 0) v.nl = v.pad;
    } else if (v.kind == TokenizerKind::wpm) {
        v.nl = v.pad;
    } else {
        std::vector<int32_t> ids;
        bpe_tokenize(v, "\n", ids);
        v.nl = ids.empty() ? v.pad : ids[0];
    }

    // special token ids from the metadata
    set_id(v.bos, spec.bos_id, n_tokens);
    if (v.kind == TokenizerKind::wpm && !spec.bos_id) set_id(v.bos, spec.cls_id, n_tokens);
    set_id(v.eos, spec.eos_id, n_tokens);
    set_id(v.eot, spec.eot_id, n_tokens);
    set_id(v.eom, spec.eom_id, n_tokens);
    set_id(v.unk, spec.unk_id, n_tokens);
    set_id(v.sep, spec.sep_id, n_tokens);
    set_id(v.pad, spec.pad_id, n_tokens);
    set_id(v.mask, spec.mask_id, n_tokens);
    set_id(v.fim_pre, spec.fim_pre_id, n_tokens);
    set_id(v.fim_suf, spec.fim_suf_id, n_tokens);
    set_id(v.fim_mid, spec.fim_mid_id, n_tokens);
    set_id(v.fim_pad, spec.fim_pad_id, n_tokens);
    set_id(v.fim_rep, spec.fim_rep_id, n_tokens);
    set_id(v.fim_sep, spec.fim_sep_id, n_tokens);
    if (spec.add_bos) v.add_bos = *spec.add_bos;
    if (spec.add_eos) v.add_eos = *spec.add_eos;
    if (spec.add_sep) v.add_sep = *spec.add_sep;
    if (v.pre == "gemma4") v.add_bos = true;
    v.lowercase = spec.lowercase.value_or(true);
    v.strip_accents = spec.strip_accents.value_or(v.lowercase);

    // auto-detect special tokens by text
    detect_by_text(v, v.eot,
                   {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>",
                    "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"});
    detect_by_text(v, v.eom, {"<|eom_id|>"});
    detect_by_text(v, v.fim_pre, {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>",
                                  "▁<PRE>", "<|code_prefix|>", "<|prefix|>"});
    detect_by_text(v, v.fim_suf, {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>",
                                  "▁<SUF>", "<|code_suffix|>", "<|suffix|>"});
    detect_by_text(v, v.fim_mid, {"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>",
                                  "▁<MID>", "<|code_middle|>", "<|middle|>"});
    detect_by_text(v, v.fim_pad, {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"});
    detect_by_text(v, v.fim_rep, {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"});
    detect_by_text(v, v.fim_sep, {"<|file_sep|>"});

    // control tokens whose text says "unused"
    for (TokenData& td : v.tokens) {
        if ((td.attr & kTokenAttrControl) && td.text.find("unused") != std::string::npos) td.attr |= kTokenAttrUnused;
    }

    // end-of-generation set
    std::vector<int32_t> eog;
    for (int32_t id : {v.fim_pad, v.fim_rep, v.fim_sep}) {
        if (id >= 0) eog.push_back(id);
    }
    for (std::string_view text :
         {"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
          "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
          "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[",
          "<|content_model_end_sampling|>"}) {
        const int32_t id = v.text_to_token(text);
        if (id < 0) continue;
        eog.push_back(id);
        v.tokens[static_cast<size_t>(id)].attr |= kTokenAttrControl;
    }
    // gpt-oss: always render these
    for (std::string_view text : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
        const int32_t id = v.text_to_token(text);
        if (id >= 0) v.tokens[static_cast<size_t>(id)].attr = kTokenAttrUserDefined;
    }
    for (int32_t id : {v.eos, v.eot, v.eom}) {
        if (id >= 0) eog.push_back(id);
    }
    std::sort(eog.begin(), eog.end());
    eog.erase(std::unique(eog.begin(), eog.end()), eog.end());
    const auto eog_has_text = [&](std::string_view text) {
        return std::any_of(eog.begin(), eog.end(), [&](int32_t id) { return v.tokens[static_cast<size_t>(id)].text == text; });
    };
    const auto eog_remove_text = [&](std::string_view text, uint32_t new_attr) {
        for (auto it = eog.begin(); it != eog.end(); ++it) {
            if (v.tokens[static_cast<size_t>(*it)].text == text) {
                v.tokens[static_cast<size_t>(*it)].attr = new_attr;
                eog.erase(it);
                return;
            }
        }
    };
    // o200k_harmony / solar-open: <|end|> is not an end of generation there
    if (eog_has_text("<|end|>") && ((eog_has_text("<|return|>") && eog_has_text("<|call|>")) ||
                                    (eog_has_text("<|calls|>") && eog_has_text("<|flush|>")))) {
        eog_remove_text("<|end|>", kTokenAttrUserDefined);
    }
    // gemma4 / paddleocr: </s> is not an end of generation there
    if (eog_has_text("<|tool_response>") && eog_has_text("</s>")) eog_remove_text("</s>", kTokenAttrNormal);
    v.eog_ids = std::move(eog);

    // special-token cache: longest text first
    for (int32_t id = 0; id < n_tokens; ++id) {
        if (v.tokens[static_cast<size_t>(id)].attr & (kTokenAttrControl | kTokenAttrUserDefined | kTokenAttrUnknown)) {
            v.special_tokens.push_back(id);
        }
    }
    std::stable_sort(v.special_tokens.begin(), v.special_tokens.end(), [&](int32_t a, int32_t b) {
        return v.tokens[static_cast<size_t>(a)].text.size() > v.tokens[static_cast<size_t>(b)].text.size();
    });
    v.special_trie.nodes.emplace_back();
    for (int32_t id : v.special_tokens) {
        v.special_nodes.push_back(v.special_trie.insert(v.tokens[static_cast<size_t>(id)].text, id));
    }

    // piece cache
    v.pieces.resize(v.tokens.size());
    for (int32_t id = 0; id < n_tokens; ++id) v.pieces[static_cast<size_t>(id)] = compute_piece(v, id);

    // per-model token attributes
    std::string name = spec.general_name;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto set_attr = [&](std::string_view text, uint32_t attr, bool value) {
        const int32_t id = v.text_to_token(text);
        if (id < 0) return;
        uint32_t& a = v.tokens[static_cast<size_t>(id)].attr;
        a = value ? (a | attr) : (a & ~attr);
    };
    if (contains_any(v.pre, {"jina-v2-de", "jina-v2-es", "jina-v2-code"}) ||
        contains_any(spec.architecture, {"nomic-bert-moe", "jina-bert-v3"})) {
        set_attr("<mask>", kTokenAttrLstrip, true);
    } else if (contains_any(name, {"phi-3", "phi3"})) {
        for (int32_t id : v.special_tokens) v.tokens[static_cast<size_t>(id)].attr |= kTokenAttrRstrip;
        set_attr("</s>", kTokenAttrRstrip, true);
        for (std::string_view t : {"<unk>", "<s>", "<|endoftext|>"}) set_attr(t, kTokenAttrRstrip, false);
    } else if (contains_any(name, {"modern-bert"})) {
        set_attr("[MASK]", kTokenAttrLstrip, true);
    }
    return vp;
}

}  // namespace tok

Result<TokenizerSpec> Tokenizer::spec_from_gguf(const GgufFile& f) {
    TokenizerSpec s;
    if (!f.has("tokenizer.ggml.model")) {
        return make_error(ErrorCode::format_error, f.path() + ": no tokenizer (metadata key 'tokenizer.ggml.model' missing)");
    }
    TS_ASSIGN_OR_RETURN(s.model, f.get_string("tokenizer.ggml.model"));
    s.pre = f.get_string_or("tokenizer.ggml.pre", "");
    s.general_name = f.get_string_or("general.name", "");
    s.architecture = f.get_string_or("general.architecture", "");
    if (f.has("tokenizer.ggml.tokens")) {
        TS_ASSIGN_OR_RETURN(s.tokens, f.get_string_array("tokenizer.ggml.tokens"));
    }
    if (f.has("tokenizer.ggml.scores")) {
        TS_ASSIGN_OR_RETURN(s.scores, f.get_float_array("tokenizer.ggml.scores"));
    }
    if (f.has("tokenizer.ggml.token_type")) {
        TS_ASSIGN_OR_RETURN(std::vector<int64_t> types, f.get_int_array("tokenizer.ggml.token_type"));
        s.token_types.reserve(types.size());
        for (int64_t t : types) s.token_types.push_back(static_cast<int32_t>(t));
    }
    if (f.has("tokenizer.ggml.merges")) {
        TS_ASSIGN_OR_RETURN(s.merges, f.get_string_array("tokenizer.ggml.merges"));
    }
    const std::pair<const char*, std::optional<int64_t>*> ids[] = {
        {"tokenizer.ggml.bos_token_id", &s.bos_id},       {"tokenizer.ggml.eos_token_id", &s.eos_id},
        {"tokenizer.ggml.eot_token_id", &s.eot_id},       {"tokenizer.ggml.eom_token_id", &s.eom_id},
        {"tokenizer.ggml.unknown_token_id", &s.unk_id},   {"tokenizer.ggml.seperator_token_id", &s.sep_id},
        {"tokenizer.ggml.padding_token_id", &s.pad_id},   {"tokenizer.ggml.mask_token_id", &s.mask_id},
        {"tokenizer.ggml.cls_token_id", &s.cls_id},       {"tokenizer.ggml.fim_pre_token_id", &s.fim_pre_id},
        {"tokenizer.ggml.fim_suf_token_id", &s.fim_suf_id}, {"tokenizer.ggml.fim_mid_token_id", &s.fim_mid_id},
        {"tokenizer.ggml.fim_pad_token_id", &s.fim_pad_id}, {"tokenizer.ggml.fim_rep_token_id", &s.fim_rep_id},
        {"tokenizer.ggml.fim_sep_token_id", &s.fim_sep_id},
        // deprecated names, read after the new ones (they win, as in llama.cpp)
        {"tokenizer.ggml.prefix_token_id", &s.fim_pre_id}, {"tokenizer.ggml.suffix_token_id", &s.fim_suf_id},
        {"tokenizer.ggml.middle_token_id", &s.fim_mid_id},
    };
    for (const auto& [key, dst] : ids) {
        TS_ASSIGN_OR_RETURN(std::optional<int64_t> v, opt_int(f, key));
        if (v) *dst = v;
    }
    const std::pair<const char*, std::optional<bool>*> flags[] = {
        {"tokenizer.ggml.add_bos_token", &s.add_bos},
        {"tokenizer.ggml.add_eos_token", &s.add_eos},
        {"tokenizer.ggml.add_sep_token", &s.add_sep},
        {"tokenizer.ggml.add_space_prefix", &s.add_space_prefix},
        {"tokenizer.ggml.remove_extra_whitespaces", &s.remove_extra_whitespaces},
        {"tokenizer.ggml.normalizer.lowercase", &s.lowercase},
        {"tokenizer.ggml.normalizer.strip_accents", &s.strip_accents},
    };
    for (const auto& [key, dst] : flags) {
        TS_ASSIGN_OR_RETURN(*dst, opt_bool(f, key));
    }
    return s;
}

}  // namespace tessera
