#pragma once
// Tokenizer for Jinja2 templates with the settings transformers uses: trim_blocks=True, lstrip_blocks=True,
// keep_trailing_newline=False, default delimiters {{ }} {% %} {# #}.
// ref: jinja2 3.1.2 lexer.py (Lexer.tokeniter / wrap), including its whitespace-control quirks.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::chat {

enum class TokenType {
    data,            // template text between tags (already whitespace-controlled)
    variable_begin,  // {{
    variable_end,    // }}
    block_begin,     // {%
    block_end,       // %}
    name,
    string,          // value unescaped
    integer,
    floating,
    op,              // operator text: "+", "//", "==", "(", "|", ...
    eof,
};

struct Token {
    TokenType type = TokenType::eof;
    std::string text;  // data / name / string value / operator
    int64_t int_value = 0;
    double float_value = 0;
    int line = 1;
    int column = 1;
};

struct LexerOptions {
    bool trim_blocks = true;
    bool lstrip_blocks = true;
    bool keep_trailing_newline = false;
};

// Throws TemplateError (format_error, message "line L, column C: ...") on malformed input.
std::vector<Token> tokenize(std::string_view source, const LexerOptions& options = {});

// The source as jinja2 sees it: \r\n and \r become \n; one trailing newline dropped unless kept.
std::string normalize_template_source(std::string_view source, bool keep_trailing_newline);

}  // namespace tessera::chat
