#pragma once
// Turning a conversation into the prompt text a model was trained on.
//
// renderTemplatePrompt() is the single place that calls the engine's chat-template interpreter
// (engine/chat/chat_template.h, apply_chat_template). renderChatMlPrompt() is the fallback the user may choose for models without a usable
// template. The turn-dropping helper implements OverflowPolicy::dropOldestTurns.
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace tessera {

struct PromptMessage {
    std::string role;
    std::string content;
};

struct ChatPromptInput {
    std::vector<PromptMessage> messages;
    bool addGenerationPrompt = true;
    std::optional<std::string> bosToken;  // text of the BOS token ("<s>"); nullopt: bos_token undefined
    std::optional<std::string> eosToken;
};

// Renders `templateSource` (a Jinja2 chat template, tokenizer.chat_template) as transformers does,
// with messages, tools=None, add_generation_prompt, bos_token and eos_token. A syntax or runtime
// error of the template is an error starting "chat template: " that names the line and the cause
// (raise_exception messages are kept verbatim).
Result<std::string> renderTemplatePrompt(const std::string& templateSource, const ChatPromptInput& input);

// ChatML: "<|im_start|>{role}\n{content}<|im_end|>\n" per message, then "<|im_start|>assistant\n"
// when addGenerationPrompt.
std::string renderChatMlPrompt(const ChatPromptInput& input);

// Removes the oldest turn: the first non-system message and every following message up to (not
// including) the next user message. System messages are never removed, nor is the last user message
// with what follows it. Returns the number of messages removed (0: nothing left to drop); the removed
// messages are appended to `removed` when given.
int dropOldestTurn(std::vector<PromptMessage>& messages, std::vector<PromptMessage>* removed = nullptr);

// The request a model answers to summarise `turns` (oldest first), keeping at most `maxChars` of the
// transcript (its end: the most recent part matters most).
std::vector<PromptMessage> summaryRequestMessages(const std::vector<PromptMessage>& turns, size_t maxChars);

// Adds a summary of earlier turns to the leading system message, or, when there is none, in front of
// the first user message (a system role is not accepted by every template).
void insertHistorySummary(std::vector<PromptMessage>& messages, const std::string& summary);

}  // namespace tessera
