#pragma once
// Helpers shared by the test suite: fixture paths (skipping cleanly when absent), raw f32 files,
// and error metrics for comparing against references.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tessera::test {

// ../shared/fixtures relative to the repository root (resolved at configure time).
std::filesystem::path fixtures_dir();
// fixtures_dir() / relative, or an empty path when the fixture tree is missing.
std::filesystem::path fixture(const std::string& relative);
bool fixtures_available();

std::vector<float> read_f32_file(const std::filesystem::path& path);
std::string read_text_file(const std::filesystem::path& path);

// Normalised mean squared error: sum((a-b)^2) / sum(b^2) (b is the reference).
double nmse(const float* a, const float* ref, size_t n);
double max_abs_diff(const float* a, const float* ref, size_t n);
double rms_diff(const float* a, const float* ref, size_t n);

// Deterministic pseudo-random floats in [lo, hi) (xorshift; stable across platforms).
std::vector<float> random_floats(size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f);

}  // namespace tessera::test

// Skips the current test with a message naming the missing fixture.
#define TESSERA_REQUIRE_FIXTURE(path_expr)                                                     \
    do {                                                                                       \
        if (!std::filesystem::exists(path_expr))                                               \
            GTEST_SKIP() << "fixture not found: " << (path_expr).string()                      \
                         << " (expected ../shared/fixtures beside the repository)";            \
    } while (0)
