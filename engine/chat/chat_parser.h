#pragma once
// Parser for chat templates: tokens -> statement tree, following jinja2 3.1 parser.py (precedence,
// test-argument rules, tuple/slice/call syntax) with the loopcontrols extension and transformers'
// {% generation %} tag.
#include <string_view>

#include "engine/chat/chat_ast.h"
#include "engine/chat/chat_lexer.h"

namespace tessera::chat {

struct ParserOptions {
    int max_nesting = 200;  // expression and block nesting; deeper input is rejected, not recursed into
};

// Throws TemplateError (format_error, "line L, column C: ...") on a syntax error, and for unknown
// filters/tests outside `if` (jinja2 rejects those when compiling).
Body parse_template(std::string_view source, const ParserOptions& options = {});

}  // namespace tessera::chat
