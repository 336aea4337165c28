#include "app/services/chat_prompt.h"

#include "engine/chat/chat_template.h"

namespace tessera {

Result<std::string> renderTemplatePrompt(const std::string& templateSource, const ChatPromptInput& input) {
    if (templateSource.empty()) return make_error(ErrorCode::invalid_argument, "chat template: the template is empty");
    std::vector<chat::ChatMessage> messages;
    messages.reserve(input.messages.size());
    for (const auto& m : input.messages) {
        chat::ChatMessage cm;
        cm.role = m.role;
        cm.content = m.content;
        messages.push_back(std::move(cm));
    }
    auto rendered = chat::apply_chat_template(templateSource, messages, nullptr, input.addGenerationPrompt,
                                              input.bosToken, input.eosToken);
    if (rendered) return rendered;
    const std::string& message = rendered.status().message();
    if (message.rfind("chat template", 0) == 0) return rendered.status();
    return make_error(rendered.status().code(), "chat template: " + message);
}

std::string renderChatMlPrompt(const ChatPromptInput& input) {
    std::string out;
    for (const auto& m : input.messages) {
        out += "<|im_start|>";
        out += m.role;
        out += '\n';
        out += m.content;
        out += "<|im_end|>\n";
    }
    if (input.addGenerationPrompt) out += "<|im_start|>assistant\n";
    return out;
}

int dropOldestTurn(std::vector<PromptMessage>& messages, std::vector<PromptMessage>* removedOut) {
    // The last user message starts the turn being answered: it and everything after it stay.
    int lastUser = -1;
    for (int i = static_cast<int>(messages.size()) - 1; i >= 0; --i)
        if (messages[static_cast<size_t>(i)].role == "user") {
            lastUser = i;
            break;
        }
    const int limit = lastUser >= 0 ? lastUser : static_cast<int>(messages.size());
    int first = -1;
    for (int i = 0; i < limit; ++i)
        if (messages[static_cast<size_t>(i)].role != "system") {
            first = i;
            break;
        }
    if (first < 0) return 0;
    // The turn runs to the next user message (or the kept tail); system messages inside it stay.
    int end = first + 1;
    while (end < limit && messages[static_cast<size_t>(end)].role != "user") ++end;
    int removed = 0;
    std::vector<PromptMessage> kept;
    kept.reserve(messages.size());
    for (int i = 0; i < static_cast<int>(messages.size()); ++i) {
        const bool inTurn = i >= first && i < end && messages[static_cast<size_t>(i)].role != "system";
        if (inTurn) {
            ++removed;
            if (removedOut) removedOut->push_back(std::move(messages[static_cast<size_t>(i)]));
        } else
            kept.push_back(std::move(messages[static_cast<size_t>(i)]));
    }
    messages = std::move(kept);
    return removed;
}

std::vector<PromptMessage> summaryRequestMessages(const std::vector<PromptMessage>& turns, size_t maxChars) {
    std::string transcript;
    for (const auto& m : turns) transcript += m.role + ": " + m.content + "\n";
    if (transcript.size() > maxChars) {
        size_t cut = transcript.size() - maxChars;
        while (cut < transcript.size() && (static_cast<unsigned char>(transcript[cut]) & 0xC0) == 0x80) ++cut;  // UTF-8 boundary
        transcript = "[...]" + transcript.substr(cut);
    }
    // One user message: some templates (Gemma 2) reject a system role.
    return {{"user", "Summarise this conversation briefly; keep names, facts and decisions.\n\n" + transcript}};
}

void insertHistorySummary(std::vector<PromptMessage>& messages, const std::string& summary) {
    const std::string note = "Summary of the earlier conversation: " + summary;
    if (!messages.empty() && messages.front().role == "system") {
        messages.front().content += "\n\n" + note;
        return;
    }
    // No system prompt: prefix the first user message rather than adding a system role the
    // model's template may not accept.
    for (auto& m : messages)
        if (m.role == "user") {
            m.content = "[" + note + "]\n\n" + m.content;
            return;
        }
    messages.insert(messages.begin(), PromptMessage{"user", note});
}

}  // namespace tessera
