// chat: the desktop app's conversation in a terminal, on the same ChatRunner (template rendering,
// KV-cache reuse between turns, stop strings, cancellation). Commands: /regen, /edit TEXT, /save FILE,
// /reset, /quit. Ctrl+C stops the answer being generated, not the program.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "app/cli/cli_args.h"
#include "app/cli/commands.h"
#include "app/services/chat_runner.h"
#include "app/services/inference_types.h"

namespace tessera::cli {
namespace {

ChatRunner* g_runner = nullptr;
std::atomic<bool> g_generating{false};

extern "C" void on_chat_sigint(int) {
    // Async-signal-safe enough: requestStop only stores atomics / takes an uncontended mutex while
    // generating; outside a generation the default action (exit) applies.
    if (g_generating.load() && g_runner) g_runner->requestStop();
    else std::_Exit(130);
}

bool save_markdown(const QList<ChatMessage>& messages, const std::string& path) {
    std::ofstream out(path, std::ios::trunc);
    if (!out) return false;
    for (const auto& m : messages)
        out << "## " << m.role.toStdString() << "\n\n" << m.content.toStdString() << "\n\n";
    return static_cast<bool>(out);
}

}  // namespace

int cmd_chat(int argc, char** argv) {
    Args args(argc, argv, 2, {"-m", "-s", "--system", "--temp", "-n", "-t", "-c", "--seed"}, {"--chatml-fallback"},
              {{"-s", "--system"}});
    ChatRunner runner;
    ModelSettings ms;
    ms.nThreads = static_cast<int>(args.integer("-t", 0));
    ms.nCtx = static_cast<int>(args.integer("-c", 0));
    auto info = runner.load(QString::fromStdString(args.required("-m")), ms);
    if (!info.is_ok()) throw std::runtime_error(info.status().to_string());
    std::fprintf(stderr, "%s (%s, context %d tokens). /regen /edit TEXT /save FILE /reset /quit; Ctrl+C stops an answer.\n",
                 info.value().name.toUtf8().constData(), info.value().architecture.toUtf8().constData(),
                 info.value().nCtx);

    g_runner = &runner;
    std::signal(SIGINT, on_chat_sigint);

    GenerationRequest base;
    base.systemPrompt = QString::fromStdString(args.str("--system"));
    base.sampling.temperature = static_cast<float>(args.number("--temp", 0.8));
    if (args.has("--seed")) base.sampling.seed = static_cast<quint64>(args.integer("--seed", 0));
    base.maxTokens = static_cast<int>(args.integer("-n", 1024));
    base.promptFallback = args.has("--chatml-fallback") ? PromptFallback::chatMl : PromptFallback::none;

    QList<ChatMessage> history;
    quint64 next_id = 1;
    auto answer = [&]() {
        GenerationRequest req = base;
        req.requestId = next_id++;
        req.messages = history;
        g_generating.store(true);
        const GenerationOutcome out = runner.run(req, [](const QString& delta) {
            const QByteArray b = delta.toUtf8();
            std::fwrite(b.constData(), 1, static_cast<size_t>(b.size()), stdout);
            std::fflush(stdout);
        });
        g_generating.store(false);
        std::printf("\n");
        switch (out.kind) {
            case GenerationOutcome::Kind::finished:
                history.push_back({"assistant", out.text});
                std::fprintf(stderr, "[%d tokens, %.1f tokens/s, %s]\n", out.stats.nGenerated, out.stats.tokensPerSecond,
                             stopReasonName(out.stats.stopReason).toUtf8().constData());
                break;
            case GenerationOutcome::Kind::failed:
                std::fprintf(stderr, "error: %s\n", out.error.toUtf8().constData());
                history.pop_back();  // the user turn that could not be answered
                break;
            case GenerationOutcome::Kind::overflow:
                std::fprintf(stderr, "the conversation needs %d tokens but the context holds %d: /reset to start over\n",
                             out.needed, out.available);
                history.pop_back();
                break;
        }
    };

    std::string line;
    while (std::printf("> "), std::fflush(stdout), std::getline(std::cin, line)) {
        if (line.empty()) continue;
        if (line == "/quit" || line == "/exit") break;
        if (line == "/reset") {
            history.clear();
            runner.resetContext();
            continue;
        }
        if (line.rfind("/save ", 0) == 0) {
            const std::string path = line.substr(6);
            std::fprintf(stderr, save_markdown(history, path) ? "saved %s\n" : "cannot write %s\n", path.c_str());
            continue;
        }
        if (line == "/regen") {
            if (history.isEmpty() || history.back().role != "assistant") {
                std::fprintf(stderr, "nothing to regenerate\n");
                continue;
            }
            history.pop_back();
            answer();
            continue;
        }
        if (line.rfind("/edit ", 0) == 0) {  // replace the last user message and answer again
            while (!history.isEmpty() && history.back().role != "user") history.pop_back();
            if (history.isEmpty()) {
                std::fprintf(stderr, "no user message to edit\n");
                continue;
            }
            history.back().content = QString::fromStdString(line.substr(6));
            answer();
            continue;
        }
        if (line[0] == '/') {
            std::fprintf(stderr, "unknown command %s\n", line.c_str());
            continue;
        }
        history.push_back({"user", QString::fromStdString(line)});
        answer();
    }
    return 0;
}

}  // namespace tessera::cli
