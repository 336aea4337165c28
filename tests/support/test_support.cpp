#include "tests/support/test_support.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tessera::test {

std::filesystem::path fixtures_dir() { return std::filesystem::path(TESSERA_FIXTURES_DIR); }

bool fixtures_available() { return std::filesystem::is_directory(fixtures_dir()); }

std::filesystem::path fixture(const std::string& relative) { return fixtures_dir() / relative; }

std::vector<float> read_f32_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    in.seekg(0, std::ios::end);
    const auto size = static_cast<size_t>(in.tellg());
    in.seekg(0);
    std::vector<float> v(size / sizeof(float));
    in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
    return v;
}

std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

double nmse(const float* a, const float* ref, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; ++i) {
        const double d = static_cast<double>(a[i]) - ref[i];
        num += d * d;
        den += static_cast<double>(ref[i]) * ref[i];
    }
    return den == 0 ? num : num / den;
}

double max_abs_diff(const float* a, const float* ref, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; ++i) {
        const double d = std::fabs(static_cast<double>(a[i]) - ref[i]);
        if (!(d <= m)) m = d;  // NaN propagates as the max
    }
    return m;
}

double rms_diff(const float* a, const float* ref, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; ++i) {
        const double d = static_cast<double>(a[i]) - ref[i];
        s += d * d;
    }
    return n ? std::sqrt(s / static_cast<double>(n)) : 0.0;
}

std::vector<float> random_floats(size_t n, uint64_t seed, float lo, float hi) {
    std::vector<float> v(n);
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const double u = static_cast<double>(x >> 11) / static_cast<double>(1ull << 53);
        v[i] = lo + static_cast<float>(u) * (hi - lo);
    }
    return v;
}

}  // namespace tessera::test
