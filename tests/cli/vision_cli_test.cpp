// tessera-cli encode-image and vqa as a user runs them, against llama.cpp's references
// (fixtures/vision, gemma3 family on shapes_320x240).
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/gguf/gguf.h"
#include "engine/gguf/gguf_writer.h"
#include "tests/support/test_support.h"

using namespace tessera;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct VisionCliRun {
    int exit_code;
    std::string out;
    std::string err;
};

VisionCliRun run_vision_cli(const std::string& args) {
    const fs::path err_file = fs::temp_directory_path() / ("tessera-vision-cli-err-" + std::to_string(::getpid()));
    const std::string cmd = std::string(TESSERA_CLI_PATH) + " " + args + " 2>" + err_file.string();
    VisionCliRun r{-1, {}, {}};
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int status = ::pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = test::read_text_file(err_file);
    fs::remove(err_file);
    return r;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::string final_line(const std::string& s) {
    std::string t = s;
    while (!t.empty() && t.back() == '\n') t.pop_back();
    const size_t nl = t.rfind('\n');
    return nl == std::string::npos ? t : t.substr(nl + 1);
}

const char* kCase = "vision/gemma3__shapes_320x240";

TEST(VisionCli, EncodeImageWritesTheProjectedEmbeddings) {
    const fs::path dir = test::fixture(kCase);
    TESSERA_REQUIRE_FIXTURE(dir / "manifest.json");
    const json m = json::parse(test::read_text_file(dir / "manifest.json"));
    const fs::path out = fs::temp_directory_path() / ("tessera-embd-" + std::to_string(::getpid()) + ".f32");
    const VisionCliRun r = run_vision_cli("encode-image --mmproj " + quoted(dir / m["files"]["mmproj"].get<std::string>()) +
                                          " --image " + quoted(dir / m["files"]["image"].get<std::string>()) +
                                          " --embd-out " + quoted(out) + " -t 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto got = test::read_f32_file(out);
    const auto ref = test::read_f32_file(dir / "embd.f32");
    fs::remove(out);
    ASSERT_EQ(got.size(), ref.size());
    EXPECT_LE(std::sqrt(test::nmse(got.data(), ref.data(), ref.size())), 2e-3);
    EXPECT_NE(r.err.find("16 x 64"), std::string::npos) << r.err;
}

TEST(VisionCli, VqaRawPrintIdsMatchesLlamaCppGreedy) {
    const fs::path dir = test::fixture(kCase);
    TESSERA_REQUIRE_FIXTURE(dir / "manifest.json");
    const json m = json::parse(test::read_text_file(dir / "manifest.json"));
    const auto gen = m["generated"].get<std::vector<int32_t>>();
    const VisionCliRun r = run_vision_cli("vqa -m " + quoted(dir / m["files"]["decoder"].get<std::string>()) + " --mmproj " +
                                          quoted(dir / m["files"]["mmproj"].get<std::string>()) + " --image " +
                                          quoted(dir / m["files"]["image"].get<std::string>()) + " -p '" +
                                          m["prompt"]["text"].get<std::string>() + "' -n 16 --temp 0 --raw --print-ids -t 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string want;
    for (size_t i = 0; i < gen.size(); ++i) want += (i ? " " : "") + std::to_string(gen[i]);
    EXPECT_EQ(final_line(r.out), want) << r.out;
}

// Without --raw the question goes through the model's chat template with the image marker in front:
// the same ids as the rendered text given with --raw.
TEST(VisionCli, VqaAppliesTheChatTemplate) {
    const fs::path dir = test::fixture(kCase);
    TESSERA_REQUIRE_FIXTURE(dir / "manifest.json");
    const json m = json::parse(test::read_text_file(dir / "manifest.json"));
    auto f = GgufFile::open((dir / m["files"]["decoder"].get<std::string>()).string());
    ASSERT_TRUE(f.is_ok());
    GgufWriter w;
    for (const auto& [k, v] : f.value()->metadata()) w.set(k, v);
    w.set_string("tokenizer.chat_template",
                 "{{ bos_token }}{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}"
                 "{% if add_generation_prompt %}[assistant]{% endif %}");
    for (const auto& t : f.value()->tensors()) {
        const auto* p = static_cast<const uint8_t*>(t.tensor.data);
        std::vector<int64_t> ne(t.tensor.ne, t.tensor.ne + t.tensor.n_dims);
        ASSERT_TRUE(w.add_tensor(t.tensor.name, t.tensor.type, ne, std::vector<uint8_t>(p, p + t.tensor.nbytes)).is_ok());
    }
    const fs::path decoder = fs::temp_directory_path() / ("tessera-templated-" + std::to_string(::getpid()) + ".gguf");
    ASSERT_TRUE(w.write(decoder.string()).is_ok());
    const std::string common = "vqa -m " + quoted(decoder) + " --mmproj " + quoted(dir / m["files"]["mmproj"].get<std::string>()) +
                               " --image " + quoted(dir / m["files"]["image"].get<std::string>()) +
                               " -n 6 --temp 0 --print-ids -t 2 ";
    const VisionCliRun templated = run_vision_cli(common + "-p 'Describe it.'");
    const VisionCliRun raw = run_vision_cli(common + "--raw -p \"$(printf '[user] <__media__>\\nDescribe it.\\n[assistant]')\"");
    fs::remove(decoder);
    ASSERT_EQ(templated.exit_code, 0) << templated.err;
    ASSERT_EQ(raw.exit_code, 0) << raw.err;
    EXPECT_EQ(final_line(templated.out), final_line(raw.out));
    EXPECT_EQ(templated.err.find("no chat template"), std::string::npos) << templated.err;
}

TEST(VisionCli, BadInputsGiveOneLineErrors) {
    const fs::path dir = test::fixture(kCase);
    TESSERA_REQUIRE_FIXTURE(dir / "manifest.json");
    const fs::path mmproj = test::fixture("vision/models/mmproj-gemma3.gguf");
    // Missing required option: usage error, exit 2.
    VisionCliRun r = run_vision_cli("vqa --mmproj " + quoted(mmproj) + " -p hi");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    // A truncated PNG: exit 1, one line naming the file.
    const fs::path png = test::fixture("vision/images/odd_97x61.png");
    const std::string bytes = test::read_text_file(png);
    const fs::path cut = fs::temp_directory_path() / ("tessera-cut-" + std::to_string(::getpid()) + ".png");
    std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 3));
    r = run_vision_cli("encode-image --mmproj " + quoted(mmproj) + " --image " + quoted(cut) + " --embd-out /dev/null");
    fs::remove(cut);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(cut.string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
