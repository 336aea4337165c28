#pragma once
// Chat templates: a model's own `tokenizer.chat_template` (Jinja2) rendered exactly as Hugging Face
// transformers renders it (jinja2 ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
// loopcontrols, {% generation %}, tojson = json.dumps(ensure_ascii=False), raise_exception,
// strftime_now), by an interpreter written for this engine.
// ref: transformers utils/chat_template_utils.py (_compile_jinja_template, render_jinja_template).
//
// Errors: parse errors name line and column; render errors end with "(template line N)".
//   format_error      the template is malformed, or fails while rendering (undefined variable used,
//                     type error, unknown filter reached, ...)
//   invalid_argument  the template rejected the input: raise_exception("msg") gives "msg (template line N)"
//   unsupported       {% include %} / {% extends %} / {% import %} (chat templates are standalone)
//   out_of_range      a resource limit (output size, evaluation steps, recursion depth) was hit
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/chat/chat_interp.h"
#include "engine/chat/chat_value.h"
#include "engine/core/status.h"

namespace tessera::chat {

struct RenderOptions {
    RenderLimits limits;
    ChatClock clock;  // strftime_now(); empty = local time now
};

class ChatTemplate {
public:
    static Result<ChatTemplate> parse(std::string_view source);

    // `context` must be a dict (the variables of the template). The template itself is immutable, so
    // one ChatTemplate may render from several threads at once.
    Result<std::string> render(const Value& context, const RenderOptions& options = {}) const;
    // Same, with the variables given as a JSON object (key order kept).
    Result<std::string> render_json(const nlohmann::ordered_json& context, const RenderOptions& options = {}) const;

    const std::string& source() const { return *source_; }

private:
    ChatTemplate() = default;
    std::shared_ptr<const std::string> source_;
    std::shared_ptr<const Body> body_;
};

// One message of a conversation, in the OpenAI / transformers shape.
struct ChatMessage {
    std::string role;
    nlohmann::ordered_json content = "";  // a string, a list of content parts, or null
    nlohmann::ordered_json tool_calls;    // null: no `tool_calls` key
    std::optional<std::string> tool_call_id;
    std::optional<std::string> name;
    std::optional<std::string> reasoning_content;
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();  // further keys, added last

    nlohmann::ordered_json to_json() const;
};

struct ChatTemplateInputs {
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();  // list of message objects
    nlohmann::ordered_json tools;      // null: tools=None; else a list of tool schemas
    nlohmann::ordered_json documents;  // null: documents=None
    bool add_generation_prompt = true;
    std::optional<std::string> bos_token;  // nullopt: bos_token stays undefined
    std::optional<std::string> eos_token;
    nlohmann::ordered_json extra_context = nlohmann::ordered_json::object();  // enable_thinking, ...
};

// The variables transformers passes to the template:
// messages, tools, documents, add_generation_prompt, bos_token, eos_token, then extra_context.
// Fails (out_of_range) only for JSON nested deeper than kMaxValueNesting.
Result<Value> make_chat_context(const ChatTemplateInputs& inputs);

Result<std::string> apply_chat_template(std::string_view template_source, const ChatTemplateInputs& inputs,
                                        const RenderOptions& options = {});

Result<std::string> apply_chat_template(std::string_view template_source, const std::vector<ChatMessage>& messages,
                                        const nlohmann::ordered_json& tools, bool add_generation_prompt,
                                        std::optional<std::string> bos_token, std::optional<std::string> eos_token,
                                        ChatClock clock = {});

}  // namespace tessera::chat
