#include "engine/chat/chat_lexer.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

#include "engine/chat/chat_value.h"

namespace tessera::chat {

std::string normalize_template_source(std::string_view source, bool keep_trailing_newline) {
    // jinja2: lines = newline_re.split(source)[::2]; drop a last empty line; "\n".join(lines)
    std::string out;
    out.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
        const char c = source[i];
        if (c == '\r') {
            out += '\n';
            if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
        } else {
            out += c;
        }
    }
    if (!keep_trailing_newline && !out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

// Python str.rstrip(): strips Unicode whitespace.
std::string rstrip_py(std::string_view text) {
    if (is_ascii(text)) {
        size_t end = text.size();
        while (end > 0 && (is_ws(text[end - 1]) || (text[end - 1] >= 0x1C && text[end - 1] <= 0x1F))) --end;
        return std::string(text.substr(0, end));
    }
    std::u32string cps = utf8_decode(text);
    while (!cps.empty() && is_py_space(cps.back())) cps.pop_back();
    return utf8_encode(cps);
}

// Length of a regex-\s* run of whitespace starting at pos (ASCII plus the Unicode spaces Python knows).
size_t skip_ws(const std::string& s, size_t pos) {
    while (pos < s.size()) {
        if (is_ws(s[pos]) || (s[pos] >= 0x1C && s[pos] <= 0x1F)) {
            ++pos;
            continue;
        }
        if (static_cast<unsigned char>(s[pos]) >= 0x80) {
            // decode one code point
            size_t len = 1;
            const unsigned char c = static_cast<unsigned char>(s[pos]);
            if ((c & 0xE0) == 0xC0) len = 2;
            else if ((c & 0xF0) == 0xE0) len = 3;
            else if ((c & 0xF8) == 0xF0) len = 4;
            if (pos + len > s.size()) break;
            std::u32string cp = utf8_decode(std::string_view(s).substr(pos, len));
            if (cp.size() == 1 && is_py_space(cp[0])) {
                pos += len;
                continue;
            }
        }
        break;
    }
    return pos;
}

class Lexer {
public:
    Lexer(std::string src, const LexerOptions& opt) : src_(std::move(src)), opt_(opt) {
        line_starts_.push_back(0);
        for (size_t i = 0; i < src_.size(); ++i)
            if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }

    std::vector<Token> run() {
        while (pos_ < src_.size()) root_step();
        Token eof;
        eof.type = TokenType::eof;
        set_pos(eof, src_.size());
        out_.push_back(std::move(eof));
        return std::move(out_);
    }

private:
    std::string src_;
    LexerOptions opt_;
    size_t pos_ = 0;
    bool line_starting_ = true;
    std::vector<Token> out_;
    std::vector<size_t> line_starts_;

    void set_pos(Token& t, size_t pos) const {
        auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos);
        const size_t line = static_cast<size_t>(it - line_starts_.begin());
        t.line = static_cast<int>(line);
        t.column = static_cast<int>(pos - line_starts_[line - 1] + 1);
    }

    [[noreturn]] void fail(size_t pos, const std::string& message) const {
        Token t;
        set_pos(t, pos);
        TemplateError e(ErrorCode::format_error,
                        "line " + std::to_string(t.line) + ", column " + std::to_string(t.column) + ": " + message);
        e.line = t.line;
        throw e;
    }

    void emit(TokenType type, std::string text, size_t pos) {
        Token t;
        t.type = type;
        t.text = std::move(text);
        set_pos(t, pos);
        out_.push_back(std::move(t));
    }

    // Text before a tag, with the tag's whitespace control applied (jinja2 OptionalLStrip).
    void emit_text_before_tag(size_t start, size_t end, char sign, bool is_variable) {
        std::string text = src_.substr(start, end - start);
        if (sign == '-') {
            text = rstrip_py(text);
        } else if (sign != '+' && opt_.lstrip_blocks && !is_variable) {
            const size_t nl = text.rfind('\n');
            const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
            if (l_pos > 0 || line_starting_) {
                bool only_blank = true;
                for (size_t i = l_pos; i < text.size(); ++i)
                    if (text[i] != ' ' && text[i] != '\t') only_blank = false;
                if (only_blank) text.resize(l_pos);
            }
        }
        if (!text.empty()) emit(TokenType::data, std::move(text), start);
    }

    // Matches "+%}", "-%}\s*" or "%}\n?" (trim_blocks) at p; returns the end or npos.
    size_t match_block_end(size_t p) const {
        if (src_.compare(p, 3, "+%}") == 0) return p + 3;
        if (src_.compare(p, 3, "-%}") == 0) return skip_ws(src_, p + 3);
        if (src_.compare(p, 2, "%}") == 0) {
            size_t e = p + 2;
            if (opt_.trim_blocks && e < src_.size() && src_[e] == '\n') ++e;
            return e;
        }
        return std::string::npos;
    }

    void root_step() {
        size_t i = pos_;
        for (;;) {
            i = src_.find('{', i);
            if (i == std::string::npos || i + 1 >= src_.size()) {
                i = std::string::npos;
                break;
            }
            const char c = src_[i + 1];
            if (c == '%' || c == '{' || c == '#') break;
            ++i;
        }
        if (i == std::string::npos) {
            std::string rest = src_.substr(pos_);
            line_starting_ = !rest.empty() && rest.back() == '\n';
            emit(TokenType::data, std::move(rest), pos_);
            pos_ = src_.size();
            return;
        }
        const char kind = src_[i + 1];
        size_t j = i + 2;
        char sign = 0;
        if (j < src_.size() && (src_[j] == '-' || src_[j] == '+')) sign = src_[j++];

        if (kind == '%') {
            size_t raw_end = match_raw_begin(j);
            if (raw_end != std::string::npos) {
                emit_text_before_tag(pos_, i, sign, false);
                line_starting_ = src_[raw_end - 1] == '\n';
                lex_raw(raw_end);
                return;
            }
        }
        emit_text_before_tag(pos_, i, sign, kind == '{');
        if (kind == '#') {
            lex_comment(i, j);
        } else {
            lex_tag(i, j, kind == '%');
        }
    }

    // `\s*raw\s*(?:-%}\s*|%})` after "{%" and its sign; returns the end or npos.
    size_t match_raw_begin(size_t p) const {
        p = skip_ws(src_, p);
        if (src_.compare(p, 3, "raw") != 0) return std::string::npos;
        p = skip_ws(src_, p + 3);
        if (src_.compare(p, 3, "-%}") == 0) return skip_ws(src_, p + 3);
        if (src_.compare(p, 2, "%}") == 0) return p + 2;
        return std::string::npos;
    }

    void lex_raw(size_t start) {
        // (.*?)({%[-+]?\s*endraw\s*(?:+%}|-%}\s*|%}\n?))
        size_t p = start;
        for (;;) {
            p = src_.find("{%", p);
            if (p == std::string::npos) fail(start, "Missing end of raw directive");
            size_t q = p + 2;
            char sign = 0;
            if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) sign = src_[q++];
            q = skip_ws(src_, q);
            if (src_.compare(q, 6, "endraw") == 0) {
                q = skip_ws(src_, q + 6);
                const size_t end = match_block_end(q);
                if (end != std::string::npos) {
                    emit_text_before_tag(start, p, sign, false);
                    line_starting_ = src_[end - 1] == '\n';
                    pos_ = end;
                    return;
                }
            }
            p += 2;
        }
    }

    void lex_comment(size_t tag_pos, size_t j) {
        const size_t q = src_.find("#}", j);
        if (q == std::string::npos) fail(tag_pos, "Missing end of comment tag");
        size_t end;
        if (q > j && src_[q - 1] == '-') {
            end = skip_ws(src_, q + 2);
        } else if (q > j && src_[q - 1] == '+') {
            end = q + 2;
        } else {
            end = q + 2;
            if (opt_.trim_blocks && end < src_.size() && src_[end] == '\n') ++end;
        }
        line_starting_ = src_[end - 1] == '\n';
        pos_ = end;
    }

    void lex_tag(size_t tag_pos, size_t p, bool is_block) {
        emit(is_block ? TokenType::block_begin : TokenType::variable_begin, is_block ? "{%" : "{{", tag_pos);
        std::vector<char> balance;
        while (p < src_.size()) {
            if (balance.empty()) {
                size_t end = std::string::npos;
                if (is_block) {
                    end = match_block_end(p);
                } else if (src_.compare(p, 3, "-}}") == 0) {
                    end = skip_ws(src_, p + 3);
                } else if (src_.compare(p, 2, "}}") == 0) {
                    end = p + 2;
                }
                if (end != std::string::npos) {
                    emit(is_block ? TokenType::block_end : TokenType::variable_end, is_block ? "%}" : "}}", p);
                    line_starting_ = src_[end - 1] == '\n';
                    pos_ = end;
                    return;
                }
            }
            const char c = src_[p];
            if (is_ws(c)) {
                ++p;
                continue;
            }
            size_t e;
            if ((e = match_float(p)) != std::string::npos) {
                std::string text;
                for (size_t k = p; k < e; ++k)
                    if (src_[k] != '_') text += src_[k];
                Token t;
                t.type = TokenType::floating;
                t.text = text;
                t.float_value = std::strtod(text.c_str(), nullptr);
                set_pos(t, p);
                out_.push_back(std::move(t));
                p = e;
                continue;
            }
            if ((e = match_integer(p)) != std::string::npos) {
                emit_integer(p, e);
                p = e;
                continue;
            }
            if (is_name_start(c)) {
                e = p;
                while (e < src_.size() && is_name_char(src_[e])) ++e;
                emit(TokenType::name, src_.substr(p, e - p), p);
                p = e;
                continue;
            }
            if (c == '\'' || c == '"') {
                p = lex_string(p);
                continue;
            }
            static const char* const ops2[] = {"//", "**", "==", "!=", ">=", "<="};
            std::string op;
            for (const char* o : ops2)
                if (src_.compare(p, 2, o) == 0) op = o;
            if (op.empty() && std::string_view("+-/*%~[](){}><=.:|,;").find(c) != std::string_view::npos) op = c;
            if (op.empty()) {
                std::string shown(1, c);
                fail(p, "unexpected char " + string_repr(shown));
            }
            if (op == "(" || op == "[" || op == "{") {
                balance.push_back(op == "(" ? ')' : op == "[" ? ']' : '}');
            } else if (op == ")" || op == "]" || op == "}") {
                if (balance.empty()) fail(p, "unexpected '" + op + "'");
                const char expected = balance.back();
                balance.pop_back();
                if (expected != op[0]) fail(p, "unexpected '" + op + "', expected '" + std::string(1, expected) + "'");
            }
            emit(TokenType::op, op, p);
            p += op.size();
        }
        pos_ = src_.size();  // the parser reports the missing end tag
    }

    // (\d+_)*\d+ ; returns end or npos
    size_t match_digits(size_t p) const {
        if (p >= src_.size() || !is_digit(src_[p])) return std::string::npos;
        for (;;) {
            while (p < src_.size() && is_digit(src_[p])) ++p;
            if (p + 1 < src_.size() && src_[p] == '_' && is_digit(src_[p + 1])) {
                ++p;
                continue;
            }
            return p;
        }
    }

    size_t match_exponent(size_t p) const {
        if (p >= src_.size() || (src_[p] != 'e' && src_[p] != 'E')) return std::string::npos;
        ++p;
        if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
        return match_digits(p);
    }

    size_t match_float(size_t p) const {
        if (p > 0 && src_[p - 1] == '.') return std::string::npos;
        const size_t int_end = match_digits(p);
        if (int_end == std::string::npos) return std::string::npos;
        // (\.digits)? e[+-]?digits
        if (int_end < src_.size() && src_[int_end] == '.') {
            const size_t frac_end = match_digits(int_end + 1);
            if (frac_end != std::string::npos) {
                const size_t exp_end = match_exponent(frac_end);
                if (exp_end != std::string::npos) return exp_end;
            }
        }
        const size_t exp_end = match_exponent(int_end);
        if (exp_end != std::string::npos) return exp_end;
        // | \.digits
        if (int_end < src_.size() && src_[int_end] == '.') {
            const size_t frac_end = match_digits(int_end + 1);
            if (frac_end != std::string::npos) return frac_end;
        }
        return std::string::npos;
    }

    size_t match_integer(size_t p) const {
        if (p >= src_.size() || !is_digit(src_[p])) return std::string::npos;
        auto run = [&](size_t q, auto pred) -> size_t {  // (_?[class])+
            size_t end = std::string::npos;
            for (;;) {
                size_t r = q;
                if (r < src_.size() && src_[r] == '_') ++r;
                if (r < src_.size() && pred(src_[r])) {
                    q = r + 1;
                    end = q;
                } else {
                    return end;
                }
            }
        };
        if (src_[p] == '0' && p + 1 < src_.size()) {
            const char x = static_cast<char>(src_[p + 1] | 0x20);
            size_t e = std::string::npos;
            if (x == 'b') e = run(p + 2, [](char ch) { return ch == '0' || ch == '1'; });
            if (x == 'o') e = run(p + 2, [](char ch) { return ch >= '0' && ch <= '7'; });
            if (x == 'x')
                e = run(p + 2, [](char ch) { return is_digit(ch) || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f'); });
            if (e != std::string::npos) return e;
        }
        if (src_[p] == '0') {
            size_t e = run(p + 1, [](char ch) { return ch == '0'; });
            return e == std::string::npos ? p + 1 : e;
        }
        size_t e = run(p + 1, [](char ch) { return is_digit(ch); });
        return e == std::string::npos ? p + 1 : e;
    }

    void emit_integer(size_t p, size_t e) {
        std::string text;
        for (size_t k = p; k < e; ++k)
            if (src_[k] != '_') text += src_[k];
        int base = 10;
        size_t off = 0;
        if (text.size() > 2 && text[0] == '0') {
            const char x = static_cast<char>(text[1] | 0x20);
            if (x == 'b') base = 2;
            if (x == 'o') base = 8;
            if (x == 'x') base = 16;
            if (base != 10) off = 2;
        }
        errno = 0;
        const unsigned long long v = std::strtoull(text.c_str() + off, nullptr, base);
        if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX))
            fail(p, "integer literal " + text + " is too large (this interpreter uses 64-bit integers)");
        Token t;
        t.type = TokenType::integer;
        t.text = text;
        t.int_value = static_cast<int64_t>(v);
        set_pos(t, p);
        out_.push_back(std::move(t));
    }

    // Python "unicode-escape" decoding of a string literal body, as jinja2's lexer applies it.
    size_t lex_string(size_t p) {
        const char quote = src_[p];
        size_t q = p + 1;
        std::string value;
        for (;;) {
            if (q >= src_.size()) fail(p, "unexpected char " + string_repr(std::string(1, quote)));
            const char c = src_[q];
            if (c == quote) break;
            if (c != '\\') {
                value += c;
                ++q;
                continue;
            }
            if (q + 1 >= src_.size()) fail(p, "unexpected char " + string_repr(std::string(1, quote)));
            const char e = src_[q + 1];
            q += 2;
            auto hex = [&](int n) -> char32_t {
                char32_t v = 0;
                for (int k = 0; k < n; ++k) {
                    if (q >= src_.size() || !std::isxdigit(static_cast<unsigned char>(src_[q])))
                        fail(p, std::string("truncated \\") + e + " escape");
                    const char h = src_[q++];
                    v = v * 16 + static_cast<char32_t>(is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
                }
                return v;
            };
            switch (e) {
                case '\n': break;  // line continuation
                case '\\': value += '\\'; break;
                case '\'': value += '\''; break;
                case '"': value += '"'; break;
                case 'a': value += '\a'; break;
                case 'b': value += '\b'; break;
                case 'f': value += '\f'; break;
                case 'n': value += '\n'; break;
                case 'r': value += '\r'; break;
                case 't': value += '\t'; break;
                case 'v': value += '\v'; break;
                case 'x': utf8_append(value, hex(2)); break;
                case 'u': utf8_append(value, hex(4)); break;
                case 'U': {
                    const char32_t cp = hex(8);
                    if (cp > 0x10FFFF) fail(p, "illegal Unicode character");
                    utf8_append(value, cp);
                    break;
                }
                case 'N': fail(p, "\\N{...} escapes are not supported");
                default:
                    if (e >= '0' && e <= '7') {
                        char32_t v = static_cast<char32_t>(e - '0');
                        for (int k = 0; k < 2 && q < src_.size() && src_[q] >= '0' && src_[q] <= '7'; ++k)
                            v = v * 8 + static_cast<char32_t>(src_[q++] - '0');
                        utf8_append(value, v);
                    } else {
                        value += '\\';
                        value += e;
                    }
            }
        }
        emit(TokenType::string, std::move(value), p);
        return q + 1;
    }
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const LexerOptions& options) {
    Lexer lexer(normalize_template_source(source, options.keep_trailing_newline), options);
    return lexer.run();
}

}  // namespace tessera::chat
