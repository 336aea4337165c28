// tessera-cli as checks and users call it: exit codes, one-line errors, and outputs compared with
// llama.cpp's references in ../shared/fixtures.
#include <array>
#include <cstdio>
#include <fstream>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/wait.h>

#include "tests/support/test_support.h"

using namespace tessera;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct CliRun {
    int exit_code;
    std::string out;  // stdout
    std::string err;  // stderr
};

CliRun run_cli(const std::string& args, const std::string& stdin_text = "") {
    const fs::path err_file = fs::temp_directory_path() / ("tessera-cli-err-" + std::to_string(::getpid()));
    const fs::path in_file = fs::temp_directory_path() / ("tessera-cli-in-" + std::to_string(::getpid()));
    {
        std::ofstream in(in_file, std::ios::trunc);
        in << stdin_text;
    }
    const std::string cmd =
        std::string(TESSERA_CLI_PATH) + " " + args + " <" + in_file.string() + " 2>" + err_file.string();
    CliRun r{-1, {}, {}};
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int status = ::pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = test::read_text_file(err_file);
    fs::remove(err_file);
    fs::remove(in_file);
    return r;
}

std::string join_ids(const std::vector<int32_t>& ids) {
    std::string s;
    for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
    return s;
}

std::string last_line(const std::string& s) {
    std::string t = s;
    while (!t.empty() && t.back() == '\n') t.pop_back();
    const size_t nl = t.rfind('\n');
    return nl == std::string::npos ? t : t.substr(nl + 1);
}

}  // namespace

TEST(Cli, BadArgumentsGiveOneLineErrorAndNonZeroExit) {
    const CliRun a = run_cli("generate --bogus");
    EXPECT_NE(a.exit_code, 0);
    EXPECT_NE(a.err.find("unknown option '--bogus'"), std::string::npos) << a.err;
    const CliRun b = run_cli("generate -m /nonexistent.gguf -p hi");
    EXPECT_NE(b.exit_code, 0);
    EXPECT_NE(b.err.find("/nonexistent.gguf"), std::string::npos) << b.err;
    EXPECT_EQ(std::count(b.err.begin(), b.err.end(), '\n'), 1) << b.err;
    const CliRun c = run_cli("frobnicate");
    EXPECT_NE(c.exit_code, 0);
}

TEST(Cli, GeneratePrintIdsReproducesGreedyTokens) {
    for (const char* name : {"llama-f32", "qwen3moe-q8_0"}) {
        const auto manifest = test::fixture(std::string("text/") + name + ".ref.json");
        TESSERA_REQUIRE_FIXTURE(manifest);
        const json m = json::parse(test::read_text_file(manifest));
        const auto prompt = m["prompt_tokens"].get<std::vector<int32_t>>();
        const auto greedy = m["greedy_tokens"].get<std::vector<int32_t>>();
        const std::string model = test::fixture("text/" + m["model_file"].get<std::string>()).string();
        const CliRun r = run_cli("generate -m " + model + " --tokens " + join_ids(prompt) + " -n 8 --temp 0 --print-ids -t 2");
        ASSERT_EQ(r.exit_code, 0) << r.err;
        std::vector<int32_t> got;
        std::istringstream ss(last_line(r.out));
        int32_t id;
        while (ss >> id) got.push_back(id);
        EXPECT_EQ(got, std::vector<int32_t>(greedy.begin(), greedy.begin() + 8)) << name;
    }
}

TEST(Cli, EvalWritesPromptLogits) {
    const auto manifest = test::fixture("text/qwen2-f32.ref.json");
    TESSERA_REQUIRE_FIXTURE(manifest);
    const json m = json::parse(test::read_text_file(manifest));
    const auto prompt = m["prompt_tokens"].get<std::vector<int32_t>>();
    const fs::path out = fs::temp_directory_path() / ("tessera-logits-" + std::to_string(::getpid()) + ".f32");
    const CliRun r = run_cli("eval -m " + test::fixture("text/qwen2-f32.gguf").string() + " --tokens " + join_ids(prompt) +
                          " --logits-out " + out.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto got = test::read_f32_file(out);
    const auto ref = test::read_f32_file(test::fixture("text/qwen2-f32.prompt_logits.f32"));
    ASSERT_EQ(got.size(), ref.size());
    EXPECT_LE(test::max_abs_diff(got.data(), ref.data(), ref.size()), 1e-4);
    fs::remove(out);
}

TEST(Cli, TokenizeMatchesLlamaCpp) {
    const auto path = test::fixture("text/stories260K.tokenize.json");
    TESSERA_REQUIRE_FIXTURE(path);
    const json j = json::parse(test::read_text_file(path));
    const json& first = j["sentences"][0];
    const std::string text = first["text"];
    if (text.find('\'') != std::string::npos || text.find('\n') != std::string::npos) GTEST_SKIP() << "text needs quoting";
    const CliRun r = run_cli("tokenize -m " + test::fixture("text/stories260K.gguf").string() + " -p '" + text + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<int32_t> got;
    std::istringstream ss(last_line(r.out));
    int32_t id;
    while (ss >> id) got.push_back(id);
    EXPECT_EQ(got, first["ids_add_special"].get<std::vector<int32_t>>());
}

TEST(Cli, GenModelWritesALoadableModelAndBenchRuns) {
    const fs::path out = fs::temp_directory_path() / ("tessera-gen-" + std::to_string(::getpid()) + ".gguf");
    const CliRun g = run_cli("gen-model --arch qwen2 --preset qwen2.5-0.5b --type q4_k_m --layers 1 -o " + out.string());
    ASSERT_EQ(g.exit_code, 0) << g.err;
    const CliRun b = run_cli("bench -m " + out.string() + " -p 8 -n 4 -t 1 -r 1");
    ASSERT_EQ(b.exit_code, 0) << b.err;
    EXPECT_NE(b.out.find("pp8:"), std::string::npos) << b.out;
    EXPECT_NE(b.out.find("tg4:"), std::string::npos) << b.out;
    EXPECT_NE(b.out.find("peak RSS"), std::string::npos) << b.out;
    fs::remove(out);
}

TEST(Cli, ChatAnswersRegeneratesAndSaves) {
    const auto model = test::fixture("text/stories260K.gguf");
    TESSERA_REQUIRE_FIXTURE(model);
    const fs::path saved = fs::temp_directory_path() / ("tessera-chat-" + std::to_string(::getpid()) + ".md");
    const CliRun r = run_cli("chat -m " + model.string() + " --temp 0 -n 24 --chatml-fallback",
                             "Once upon a time\n/regen\n/save " + saved.string() + "\n/quit\n");
    if (r.exit_code == 2 && r.err.find("unknown command 'chat'") != std::string::npos)
        GTEST_SKIP() << "tessera-cli built without the Qt services";
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // Greedy decoding: the regenerated answer equals the first one.
    const size_t first = r.out.find("> ");
    ASSERT_NE(first, std::string::npos) << r.out;
    const std::string body = r.out.substr(first + 2);
    const size_t second = body.find("> ");
    ASSERT_NE(second, std::string::npos) << r.out;
    const std::string answer1 = body.substr(0, second);
    const std::string answer2 = body.substr(second + 2, answer1.size());
    EXPECT_FALSE(answer1.empty());
    EXPECT_EQ(answer1, answer2);
    const std::string md = test::read_text_file(saved);
    EXPECT_NE(md.find("## user\n\nOnce upon a time"), std::string::npos) << md;
    EXPECT_NE(md.find("## assistant"), std::string::npos) << md;
    fs::remove(saved);
}
