#include "engine/chat/chat_template.h"

#include <exception>
#include <new>

#include "engine/chat/chat_json.h"
#include "engine/chat/chat_parser.h"

namespace tessera::chat {

Result<ChatTemplate> ChatTemplate::parse(std::string_view source) {
    try {
        ChatTemplate t;
        t.source_ = std::make_shared<const std::string>(source);
        t.body_ = std::make_shared<const Body>(parse_template(source));
        return t;
    } catch (const TemplateError& e) {
        return make_error(e.code, "chat template: " + e.message);
    } catch (const std::bad_alloc&) {
        return make_error(ErrorCode::out_of_range, "chat template: out of memory while parsing");
    } catch (const std::exception& e) {
        return make_error(ErrorCode::internal, std::string("chat template: ") + e.what());
    }
}

Result<std::string> ChatTemplate::render(const Value& context, const RenderOptions& options) const {
    if (!body_) return make_error(ErrorCode::invalid_argument, "chat template: render() on an unparsed template");
    if (!context.is_dict()) return make_error(ErrorCode::invalid_argument, "chat template: context must be a dict");
    Interpreter interp(context, options.limits, options.clock);
    try {
        return interp.render(*body_);
    } catch (const TemplateError& e) {
        std::string msg = e.message;
        if (e.line > 0) msg += " (template line " + std::to_string(e.line) + ")";
        return make_error(e.code, std::move(msg));
    } catch (const std::bad_alloc&) {
        return make_error(ErrorCode::out_of_range, "chat template: out of memory while rendering");
    } catch (const std::exception& e) {
        return make_error(ErrorCode::internal, std::string("chat template: ") + e.what());
    }
}

Result<std::string> ChatTemplate::render_json(const nlohmann::ordered_json& context,
                                              const RenderOptions& options) const {
    if (!context.is_object()) return make_error(ErrorCode::invalid_argument, "chat template: context must be an object");
    try {
        return render(value_from_json(context), options);
    } catch (const TemplateError& e) {
        return make_error(e.code, "chat template: " + e.message);
    }
}

nlohmann::ordered_json ChatMessage::to_json() const {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j["role"] = role;
    j["content"] = content;
    if (!tool_calls.is_null()) j["tool_calls"] = tool_calls;
    if (tool_call_id) j["tool_call_id"] = *tool_call_id;
    if (name) j["name"] = *name;
    if (reasoning_content) j["reasoning_content"] = *reasoning_content;
    if (extra.is_object())
        for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
    return j;
}

Result<Value> make_chat_context(const ChatTemplateInputs& inputs) try {
    Value ctx = Value::dict();
    DictData& d = *ctx.dict_data();
    d.set(Value("messages"), value_from_json(inputs.messages));
    d.set(Value("tools"), value_from_json(inputs.tools));
    d.set(Value("documents"), value_from_json(inputs.documents));
    d.set(Value("add_generation_prompt"), Value(inputs.add_generation_prompt));
    if (inputs.bos_token) d.set(Value("bos_token"), Value(*inputs.bos_token));
    if (inputs.eos_token) d.set(Value("eos_token"), Value(*inputs.eos_token));
    if (inputs.extra_context.is_object())
        for (auto it = inputs.extra_context.begin(); it != inputs.extra_context.end(); ++it)
            d.set(Value(it.key()), value_from_json(it.value()));
    return ctx;
} catch (const TemplateError& e) {
    return make_error(e.code, "chat template: " + e.message);
}

Result<std::string> apply_chat_template(std::string_view template_source, const ChatTemplateInputs& inputs,
                                        const RenderOptions& options) {
    if (!inputs.messages.is_array())
        return make_error(ErrorCode::invalid_argument, "chat template: messages must be a JSON array");
    auto t = ChatTemplate::parse(template_source);
    if (!t) return t.status();
    auto ctx = make_chat_context(inputs);
    if (!ctx) return ctx.status();
    return t->render(ctx.value(), options);
}

Result<std::string> apply_chat_template(std::string_view template_source, const std::vector<ChatMessage>& messages,
                                        const nlohmann::ordered_json& tools, bool add_generation_prompt,
                                        std::optional<std::string> bos_token, std::optional<std::string> eos_token,
                                        ChatClock clock) {
    ChatTemplateInputs inputs;
    for (const ChatMessage& m : messages) inputs.messages.push_back(m.to_json());
    inputs.tools = tools;
    inputs.add_generation_prompt = add_generation_prompt;
    inputs.bos_token = std::move(bos_token);
    inputs.eos_token = std::move(eos_token);
    RenderOptions options;
    options.clock = std::move(clock);
    return apply_chat_template(template_source, inputs, options);
}

}  // namespace tessera::chat
