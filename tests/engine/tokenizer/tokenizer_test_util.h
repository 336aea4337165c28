#pragma once
// Shared helpers for the tokenizer tests.
#include <memory>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/tokenizer/tokenizer.h"
#include "tests/support/test_support.h"

namespace tessera::test {

// Loads the tokenizer of a fixture GGUF; fails the test (and returns null) on error.
inline std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path) {
    auto file = GgufFile::open(path.string());
    if (!file.is_ok()) {
        ADD_FAILURE() << "open " << path << ": " << file.status().to_string();
        return nullptr;
    }
    auto tok = Tokenizer::from_gguf(*file.value());
    if (!tok.is_ok()) {
        ADD_FAILURE() << "tokenizer " << path << ": " << tok.status().to_string();
        return nullptr;
    }
    return std::move(tok).value();
}

inline std::string ids_to_string(const std::vector<int32_t>& ids) {
    std::string s;
    for (int32_t id : ids) s += " " + std::to_string(id);
    return s;
}

// Escapes non-printable bytes so that failures stay readable.
inline std::string printable(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20) {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

}  // namespace tessera::test
