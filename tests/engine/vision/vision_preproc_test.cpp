// Image preprocessing against the encoder inputs llama.cpp captured (preproc.f32): decode the PNG,
// resize / letterbox / tile exactly as the family does, normalise. Bilinear paths must be exact;
// bicubic paths may differ by one u8 level on < 1% of values (float contraction in the peer's cubic).
#include <cmath>

#include "engine/media/image.h"
#include "tests/engine/vision/vision_fixture_util.h"

using namespace tessera;
using namespace tessera::test;

namespace {

class VisionPreproc : public ::testing::TestWithParam<std::string> {};

TEST_P(VisionPreproc, MatchesLlamaCppEncoderInput) {
    TESSERA_LOAD_VISION_CASE(GetParam(), c);
    const auto& m = c.manifest;
    auto projector = Projector::load(c.file("mmproj").string());
    ASSERT_TRUE(projector.is_ok()) << projector.status().to_string();
    auto image = load_image_file(c.file("image").string());
    ASSERT_TRUE(image.is_ok()) << image.status().to_string();
    EXPECT_EQ(image->width, m["image"]["width"].get<int>());
    EXPECT_EQ(image->height, m["image"]["height"].get<int>());
    auto pre = projector.value()->preprocess(image.value());
    ASSERT_TRUE(pre.is_ok()) << pre.status().to_string();

    const std::vector<float> ref = c.f32("preproc");
    const auto& entries = m["files"]["preproc"]["entries"];
    ASSERT_EQ(pre->entries.size(), entries.size());
    const std::string family = m["projector_type"].get<std::string>();
    const float* std_dev = projector.value()->hparams().image_std;
    for (size_t e = 0; e < entries.size(); ++e) {
        const auto shape = entries[e]["shape_chw"].get<std::vector<int>>();
        const EncoderInput& in = pre->entries[e];
        ASSERT_EQ(in.height, shape[1]) << "entry " << e;
        ASSERT_EQ(in.width, shape[2]) << "entry " << e;
        const size_t off = entries[e]["float_offset"].get<size_t>();
        const size_t n = in.chw.size();
        ASSERT_LE(off + n, ref.size());
        // idefics3: tiles come from a bicubic letterbox, the overview (last) from a bilinear stretch.
        const bool bicubic = family == "mlp" || (family == "idefics3" && e + 1 < entries.size());
        size_t n_diff = 0;
        double worst_levels = 0;
        for (size_t i = 0; i < n; ++i) {
            const double d = std::fabs(static_cast<double>(in.chw[i]) - ref[off + i]);
            if (d > 1e-6) ++n_diff;
            const double level = 1.0 / 255.0 / std_dev[i / (n / 3)];
            worst_levels = std::max(worst_levels, d / level);
        }
        const double frac = static_cast<double>(n_diff) / static_cast<double>(n);
        if (bicubic) {
            EXPECT_LE(worst_levels, 1.0 + 1e-3) << "entry " << e << ": bicubic differs by more than one u8 level";
            EXPECT_LT(frac, 0.01) << "entry " << e << ": " << n_diff << " of " << n << " values differ";
        } else {
            EXPECT_EQ(n_diff, 0u) << "entry " << e << " (bilinear): " << n_diff << " of " << n
                                  << " values differ, worst " << worst_levels << " u8 levels";
        }
        std::printf("[ %s entry %zu %dx%d %s ] differing values %zu (%.3f%%), worst %.2f u8 levels\n", c.name.c_str(), e,
                    in.width, in.height, bicubic ? "bicubic" : "bilinear", n_diff, 100 * frac, worst_levels);
    }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, VisionPreproc, ::testing::ValuesIn(vision_cases()), vision_case_name);

}  // namespace
