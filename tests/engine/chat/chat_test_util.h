#pragma once
// Shared helpers of the chat-template tests.
#include <ctime>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/chat/chat_template.h"

namespace tessera::chat::test {

using json = nlohmann::ordered_json;

// 2024-07-26 10:30:00, the datetime the fixtures were rendered with.
inline std::tm fixed_time() {
    std::tm tm{};
    tm.tm_year = 2024 - 1900;
    tm.tm_mon = 6;
    tm.tm_mday = 26;
    tm.tm_hour = 10;
    tm.tm_min = 30;
    return tm;
}

// Renders `source` with `context`; returns the output, or "ERROR <code>: <message>".
inline std::string render(std::string_view source, const json& context = json::object(), RenderOptions options = {}) {
    if (!options.clock) options.clock = fixed_time;
    auto t = ChatTemplate::parse(source);
    if (!t) return "ERROR " + t.status().to_string();
    auto out = t->render_json(context, options);
    if (!out) return "ERROR " + out.status().to_string();
    return out.value();
}

// The status of parsing + rendering (ok when it rendered).
inline Status render_status(std::string_view source, const json& context = json::object(), RenderOptions options = {}) {
    if (!options.clock) options.clock = fixed_time;
    auto t = ChatTemplate::parse(source);
    if (!t) return t.status();
    auto out = t->render_json(context, options);
    return out.status();
}

}  // namespace tessera::chat::test
