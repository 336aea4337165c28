#include "app/services/chat_runner.h"

#include <chrono>
#include <span>

#include "app/services/chat_prompt.h"
#include "app/services/stop_string_filter.h"
#include "engine/runtime/session.h"
#include "engine/runtime/text_model.h"
#include "engine/sampling/sampler.h"
#include "engine/tokenizer/tokenizer.h"

namespace tessera {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

SamplerParams toSamplerParams(const SamplingSettings& s) {
    SamplerParams p;
    p.temperature = s.temperature;
    p.top_k = s.topK;
    p.top_p = s.topP;
    p.min_p = s.minP;
    p.typical_p = s.typicalP;
    p.repeat_penalty = s.repeatPenalty;
    p.presence_penalty = s.presencePenalty;
    p.frequency_penalty = s.frequencyPenalty;
    p.penalty_last_n = s.penaltyLastN;
    p.logit_bias.reserve(static_cast<size_t>(s.logitBias.size()));
    for (const auto& [id, bias] : s.logitBias) p.logit_bias.emplace_back(id, bias);
    p.seed = s.seed;
    return p;
}

// The conversation as the template sees it: the request's system prompt first (replacing a leading
// system message), then the messages.
std::vector<PromptMessage> promptMessages(const GenerationRequest& request) {
    std::vector<PromptMessage> out;
    out.reserve(static_cast<size_t>(request.messages.size()) + 1);
    int first = 0;
    if (!request.systemPrompt.isEmpty()) {
        out.push_back({"system", request.systemPrompt.toStdString()});
        if (!request.messages.isEmpty() && request.messages.front().role == QLatin1String("system")) first = 1;
    }
    for (int i = first; i < request.messages.size(); ++i)
        out.push_back({request.messages[i].role.toStdString(), request.messages[i].content.toStdString()});
    return out;
}

}  // namespace

ChatRunner::ChatRunner() = default;
ChatRunner::~ChatRunner() = default;

Result<ModelInfo> ChatRunner::load(const QString& path, const ModelSettings& settings) {
    unload();
    auto loaded = load_text_model(path.toStdString());
    if (!loaded) return loaded.status();
    std::shared_ptr<const TextModel> model = std::move(loaded).value();

    SessionOptions options;
    options.n_ctx = settings.nCtx;
    options.n_threads = settings.nThreads;
    options.n_batch = settings.nBatch > 0 ? settings.nBatch : 512;
    auto session = std::make_unique<Session>(model, options);
    session->set_cancel_flag(&m_cancel);

    const GgufFile& file = model->file();
    const Tokenizer& tok = model->tokenizer();
    m_chatTemplate = file.get_string_or("tokenizer.chat_template", "");
    m_bosText = tok.bos_id() >= 0 ? std::optional<std::string>(tok.token_text(tok.bos_id())) : std::nullopt;
    m_eosText = tok.eos_id() >= 0 ? std::optional<std::string>(tok.token_text(tok.eos_id())) : std::nullopt;

    ModelInfo info;
    info.path = path;
    info.name = QString::fromStdString(file.get_string_or("general.name", ""));
    info.architecture = QString::fromStdString(model->hparams().arch);
    for (const auto& t : file.tensors()) info.parameterCount += t.tensor.n_elements();
    info.nVocab = static_cast<int>(model->hparams().n_vocab);
    info.nCtxTrain = static_cast<int>(model->hparams().n_ctx_train);
    info.nCtx = static_cast<int>(session->n_ctx());
    info.kvCacheBytes = static_cast<qint64>(session->kv_bytes());
    info.fileSize = static_cast<qint64>(file.file_size());
    info.hasChatTemplate = !m_chatTemplate.empty();

    m_model = std::move(model);
    m_session = std::move(session);
    return info;
}

void ChatRunner::unload() {
    m_session.reset();
    m_model.reset();
    m_chatTemplate.clear();
    m_bosText.reset();
    m_eosText.reset();
}

void ChatRunner::resetContext() {
    if (m_session) m_session->truncate(0);
}

void ChatRunner::requestStop(quint64 requestId) {
    std::lock_guard<std::mutex> lock(m_stopMutex);
    if (m_running.load() && (requestId == 0 || requestId == m_currentRequest)) {
        m_cancel.store(true);
    } else if (requestId != 0) {
        m_cancelledRequests.insert(requestId);
    }
}

bool ChatRunner::beginRequest(quint64 requestId) {
    std::lock_guard<std::mutex> lock(m_stopMutex);
    if (requestId != 0 && m_cancelledRequests.remove(requestId)) return false;
    m_currentRequest = requestId;
    m_cancel.store(false);
    m_running.store(true);
    return true;
}

void ChatRunner::endRequest() {
    std::lock_guard<std::mutex> lock(m_stopMutex);
    m_running.store(false);
    m_currentRequest = 0;
    m_cancel.store(false);
}

Result<std::string> ChatRunner::formatMessages(const std::vector<PromptMessage>& messages, PromptFallback fallback,
                                               bool* usedFallback) const {
    ChatPromptInput input{messages, true, m_bosText, m_eosText};
    if (usedFallback) *usedFallback = false;
    std::string templateError;
    if (m_chatTemplate.empty()) {
        templateError = "this model has no chat template (tokenizer.chat_template is missing)";
    } else {
        auto rendered = renderTemplatePrompt(m_chatTemplate, input);
        if (rendered) return rendered;
        templateError = "the model's chat template failed to render: " + rendered.status().message();
    }
    if (fallback == PromptFallback::chatMl) {
        if (usedFallback) *usedFallback = true;
        return renderChatMlPrompt(input);
    }
    return make_error(ErrorCode::unsupported, templateError + "; choose a fallback prompt format (ChatML) to chat with it");
}

Result<std::string> ChatRunner::formatPrompt(const GenerationRequest& request, bool* usedFallback) const {
    return formatMessages(promptMessages(request), request.promptFallback, usedFallback);
}

std::vector<int32_t> ChatRunner::tokenizePrompt(const std::string& prompt) const {
    if (!m_model) return {};
    const Tokenizer& tok = m_model->tokenizer();
    // As llama.cpp tokenizes a formatted chat: add_special (BOS when the vocabulary wants one) and
    // parse_special (<|im_start|>, <s> written by the template become their tokens). A template that
    // writes bos_token itself would give two BOS: keep one.
    std::vector<int32_t> tokens = tok.encode(prompt, /*add_special=*/true, /*parse_special=*/true);
    if (tokens.size() >= 2 && tok.bos_id() >= 0 && tokens[0] == tok.bos_id() && tokens[1] == tok.bos_id())
        tokens.erase(tokens.begin());
    return tokens;
}

Result<std::string> ChatRunner::summarize(const std::vector<PromptMessage>& turns, const GenerationRequest& request,
                                          int maxTokens) {
    Session& session = *m_session;
    const int nCtx = static_cast<int>(session.n_ctx());
    // Roughly 3 characters a token; shrink the transcript until the request fits with the answer.
    size_t maxChars = static_cast<size_t>(nCtx) * 3;
    std::vector<int32_t> tokens;
    for (int attempt = 0;; ++attempt) {
        auto prompt = formatMessages(summaryRequestMessages(turns, maxChars), request.promptFallback, nullptr);
        if (!prompt) return prompt.status();
        tokens = tokenizePrompt(*prompt);
        if (static_cast<int>(tokens.size()) + maxTokens <= nCtx) break;
        if (attempt == 8 || maxChars < 64)
            return make_error(ErrorCode::context_overflow, "the context is too small to summarise the conversation");
        maxChars = maxChars * 2 / 3;
    }
    int64_t keep = session.common_prefix(tokens);
    if (keep >= static_cast<int64_t>(tokens.size())) keep = static_cast<int64_t>(tokens.size()) - 1;
    session.truncate(keep);
    TS_RETURN_IF_ERROR(session.eval(std::span<const int32_t>(tokens).subspan(static_cast<size_t>(keep))));
    // Greedy: a summary should be the model's most likely account, not a creative one. The user's
    // logit bias (banned tokens) applies to everything the model writes.
    SamplerParams greedy;
    greedy.temperature = 0.0f;
    greedy.logit_bias = toSamplerParams(request.sampling).logit_bias;
    Sampler sampler(greedy, static_cast<int32_t>(session.n_vocab()));
    const Tokenizer& tok = m_model->tokenizer();
    StreamingDecoder decoder(tok);
    std::string text;
    for (int i = 0; i < maxTokens; ++i) {
        if (m_cancel.load(std::memory_order_relaxed)) return make_error(ErrorCode::cancelled, "cancelled");
        const int32_t id = sampler.sample(session.logits());
        if (tok.is_eog(id)) break;
        text += decoder.push(id);
        const int32_t one[1] = {id};
        if (i + 1 < maxTokens) TS_RETURN_IF_ERROR(session.eval(std::span<const int32_t>(one, 1)));
    }
    text += decoder.flush();
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();
    if (text.empty()) return make_error(ErrorCode::internal, "the model produced an empty summary");
    return text;
}

GenerationOutcome ChatRunner::run(const GenerationRequest& request, const TextCallback& onText,
                                  const UsageCallback& onUsage) {
    const auto t0 = Clock::now();
    GenerationOutcome out;
    GenerationStats& stats = out.stats;
    if (!beginRequest(request.requestId)) {
        stats.stopReason = StopReason::cancelled;
        return out;
    }
    struct EndGuard {
        ChatRunner* runner;
        ~EndGuard() { runner->endRequest(); }
    } guard{this};

    auto fail = [&](const std::string& message) {
        out.kind = GenerationOutcome::Kind::failed;
        out.error = QString::fromStdString(message);
        return out;
    };
    if (!m_session) return fail("no model is loaded");
    if (request.messages.isEmpty()) return fail("the conversation has no messages");

    // 1. Format and tokenize; resolve a context overflow as the request's policy says.
    std::vector<PromptMessage> messages = promptMessages(request);
    const int nCtx = static_cast<int>(m_session->n_ctx());
    std::vector<int32_t> tokens;
    int limit = 0;                 // most tokens to generate
    bool limitIsContext = false;   // reaching `limit` means the context is full
    for (;;) {
        bool usedFallback = false;
        auto prompt = formatMessages(messages, request.promptFallback, &usedFallback);
        if (!prompt) return fail(prompt.status().message());
        stats.usedPromptFallback = usedFallback;
        tokens = tokenizePrompt(*prompt);
        if (tokens.empty()) return fail("the prompt is empty");
        const int nPrompt = static_cast<int>(tokens.size());
        const int needed = nPrompt + (request.maxTokens > 0 ? request.maxTokens : 1);
        if (needed <= nCtx) {
            limitIsContext = request.maxTokens <= 0;
            limit = limitIsContext ? nCtx - nPrompt : request.maxTokens;
            break;
        }
        if (request.overflowPolicy == OverflowPolicy::dropOldestTurns) {
            const int removed = dropOldestTurn(messages);
            if (removed > 0) {
                stats.nDroppedMessages += removed;
                continue;
            }
        } else if (request.overflowPolicy == OverflowPolicy::summarizeOldTurns && stats.historySummary.isEmpty()) {
            // Take whole oldest turns out until the rest leaves room for the summary, then let the
            // model summarise them; the summary joins the system prompt and the loop re-checks.
            const int summaryBudget = std::min(kSummaryTokens, nCtx / 8);
            const int reserve = summaryBudget + 24;  // the summary plus its "Summary of ..." framing
            std::vector<PromptMessage> removed;
            int nRest = nPrompt;
            while (nRest + (needed - nPrompt) + reserve > nCtx && dropOldestTurn(messages, &removed) > 0) {
                auto rest = formatMessages(messages, request.promptFallback, nullptr);
                if (!rest) return fail(rest.status().message());
                nRest = static_cast<int>(tokenizePrompt(*rest).size());
            }
            if (!removed.empty()) {
                auto summary = summarize(removed, request, summaryBudget);
                if (!summary) {
                    if (summary.status().code() == ErrorCode::cancelled) {
                        stats.stopReason = StopReason::cancelled;
                        return out;
                    }
                    return fail("summarising the earlier conversation failed: " + summary.status().message());
                }
                stats.nDroppedMessages += static_cast<int>(removed.size());
                stats.historySummary = QString::fromStdString(*summary);
                insertHistorySummary(messages, *summary);
                continue;
            }
        } else if (request.overflowPolicy == OverflowPolicy::stopAtLimit && nPrompt < nCtx) {
            limit = nCtx - nPrompt;
            limitIsContext = true;
            break;
        }
        out.kind = GenerationOutcome::Kind::overflow;
        out.needed = needed;
        out.available = nCtx;
        return out;
    }

    // 2. Evaluate what the cache does not hold yet. The last prompt token is always evaluated, for
    // its logits.
    Session& session = *m_session;
    const int nPrompt = static_cast<int>(tokens.size());
    int64_t keep = session.common_prefix(tokens);
    if (keep >= nPrompt) keep = nPrompt - 1;
    session.truncate(keep);
    stats.nPromptTokens = nPrompt;
    stats.nPromptEvaluated = nPrompt - static_cast<int>(keep);
    const auto tPrompt = Clock::now();
    const Status evalStatus = session.eval(std::span<const int32_t>(tokens).subspan(static_cast<size_t>(keep)));
    stats.promptMs = msSince(tPrompt);
    if (!evalStatus.is_ok()) {
        if (evalStatus.code() == ErrorCode::cancelled) {
            stats.stopReason = StopReason::cancelled;
            if (onUsage) onUsage(static_cast<int>(session.n_past()), nCtx);
            return out;
        }
        return fail("evaluating the prompt failed: " + evalStatus.to_string());
    }
    if (onUsage) onUsage(static_cast<int>(session.n_past()), nCtx);

    // 3. Sample, stream, evaluate, one token at a time.
    const Tokenizer& tok = m_model->tokenizer();
    Sampler sampler(toSamplerParams(request.sampling), static_cast<int32_t>(session.n_vocab()));
    for (int32_t t : tokens) sampler.accept(t);
    StreamingDecoder decoder(tok);
    std::vector<std::string> stops;
    for (const QString& s : request.stopStrings) stops.push_back(s.toStdString());
    StopStringFilter filter(std::move(stops));
    std::string text;
    auto emitText = [&](const std::string& delta) {
        if (delta.empty()) return;
        text += delta;
        if (onText) onText(QString::fromStdString(delta));
    };

    Clock::time_point tFirst{};
    bool sampledAny = false;
    StopReason reason = StopReason::maxTokens;
    for (;;) {
        if (m_cancel.load(std::memory_order_relaxed)) {
            reason = StopReason::cancelled;
            break;
        }
        const int32_t id = sampler.sample(session.logits());
        if (!sampledAny) {
            sampledAny = true;
            tFirst = Clock::now();
            stats.timeToFirstTokenMs = std::chrono::duration<double, std::milli>(tFirst - t0).count();
        }
        if (tok.is_eog(id)) {
            reason = StopReason::eos;
            break;
        }
        sampler.accept(id);
        ++stats.nGenerated;
        emitText(filter.push(decoder.push(id)));
        if (filter.stopped()) {
            reason = StopReason::stopString;
            break;
        }
        if (stats.nGenerated >= limit) {
            reason = limitIsContext ? StopReason::contextFull : StopReason::maxTokens;
            break;
        }
        const int32_t one[1] = {id};
        const Status st = session.eval(std::span<const int32_t>(one, 1));
        if (!st.is_ok()) {
            if (st.code() == ErrorCode::cancelled) {
                reason = StopReason::cancelled;
            } else {
                reason = StopReason::error;
                stats.errorMessage = QString::fromStdString(st.to_string());
            }
            break;
        }
    }
    if (reason != StopReason::stopString) {
        emitText(filter.push(decoder.flush()));
        emitText(filter.flush());
        if (filter.stopped()) reason = StopReason::stopString;  // completed by the last held bytes
    }
    stats.stopReason = reason;
    if (sampledAny) {
        stats.generationMs = std::chrono::duration<double, std::milli>(Clock::now() - tFirst).count();
        if (stats.generationMs > 0) stats.tokensPerSecond = stats.nGenerated * 1000.0 / stats.generationMs;
    }
    out.text = QString::fromStdString(text);
    if (onUsage) onUsage(static_cast<int>(session.n_past()), nCtx);
    return out;
}

}  // namespace tessera
