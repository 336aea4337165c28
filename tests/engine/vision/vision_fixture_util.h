#pragma once
// The 8 vision fixture cases (fixtures/vision/<family>__<image>/manifest.json, see fixtures/README.md
// "vision"): loading the manifest, models and reference tensors, skipping cleanly when absent.
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/media/image.h"
#include "engine/models/projector/projector.h"
#include "engine/multimodal/multimodal.h"
#include "engine/runtime/text_model.h"
#include "tests/support/test_support.h"

namespace tessera::test {

inline std::vector<std::string> vision_cases() {
    std::vector<std::string> v;
    for (const char* family : {"smolvlm_idefics3", "gemma3", "llava15_mlp", "qwen25vl"})
        for (const char* image : {"shapes_320x240", "odd_97x61"}) v.push_back(std::string(family) + "__" + image);
    return v;
}

inline std::string vision_case_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

struct VisionCase {
    std::string name;
    nlohmann::json manifest;
    std::filesystem::path dir;

    std::filesystem::path file(const std::string& key) const {
        return dir / manifest["files"][key].get<std::string>();
    }
    std::filesystem::path sub(const std::string& rel) const { return dir / rel; }
    std::vector<float> f32(const std::string& key) const {
        return read_f32_file(dir / manifest["files"][key]["file"].get<std::string>());
    }
};

// Loads the manifest of `name`; returns false when the fixture tree is absent.
inline bool load_vision_case(const std::string& name, VisionCase* c) {
    const auto dir = fixture("vision/" + name);
    if (!std::filesystem::exists(dir / "manifest.json")) return false;
    c->name = name;
    c->dir = dir;
    c->manifest = nlohmann::json::parse(read_text_file(dir / "manifest.json"));
    return true;
}

#define TESSERA_LOAD_VISION_CASE(name, c)                                                                     \
    VisionCase c;                                                                                             \
    if (!::tessera::test::load_vision_case(name, &c))                                                         \
        GTEST_SKIP() << "fixture not found: " << ::tessera::test::fixture("vision/" + (name)).string()       \
                     << " (expected ../shared/fixtures beside the repository)"

// rel. L2 = ||a - ref|| / ||ref||
inline double rel_l2(const float* a, const float* ref, size_t n) { return std::sqrt(nmse(a, ref, n)); }

inline double max_abs(const float* x, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; ++i) m = std::max(m, static_cast<double>(std::fabs(x[i])));
    return m;
}

}  // namespace tessera::test
