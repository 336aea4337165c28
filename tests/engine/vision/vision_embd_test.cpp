// Encoder + projector against llama.cpp's projected embeddings (embd.f32), fed with the reference
// encoder input (preproc.f32) so preprocessing does not mix in. Tolerance (fixtures/README.md):
// rel. L2 <= 2e-3 and max |d| <= 2e-3 * max|ref| over all image tokens of the case.
#include <cmath>
#include <cstring>

#include "engine/core/thread_pool.h"
#include "tests/engine/vision/vision_fixture_util.h"

using namespace tessera;
using namespace tessera::test;

namespace {

class VisionEmbd : public ::testing::TestWithParam<std::string> {};

TEST_P(VisionEmbd, EncoderFromReferenceInputMatchesLlamaCpp) {
    TESSERA_LOAD_VISION_CASE(GetParam(), c);
    const auto& m = c.manifest;
    auto loaded = Projector::load(c.file("mmproj").string());
    ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
    const Projector& projector = *loaded.value();
    const int64_t n_embd = projector.n_embd_out();
    ASSERT_EQ(n_embd, m["files"]["embd"]["shape"][1].get<int64_t>());

    const std::vector<float> preproc = c.f32("preproc");
    const std::vector<float> ref = c.f32("embd");
    const int64_t n_image_tokens = m["n_image_tokens"].get<int64_t>();
    ASSERT_EQ(static_cast<int64_t>(ref.size()), n_image_tokens * n_embd);

    ThreadPool pool(2);
    vision::VisionContext ctx{pool};
    std::vector<float> got(ref.size(), NAN);
    for (const auto& e : m["files"]["preproc"]["entries"]) {
        const auto shape = e["shape_chw"].get<std::vector<int>>();
        EncoderInput in;
        in.height = shape[1];
        in.width = shape[2];
        const size_t off = e["float_offset"].get<size_t>();
        in.chw.assign(preproc.begin() + off, preproc.begin() + off + 3 * in.width * in.height);
        const int64_t n_tok = e["n_tokens"].get<int64_t>();
        ASSERT_EQ(projector.n_tokens(in), n_tok);
        std::vector<float> out;
        const Status s = projector.encode(in, ctx, &out);
        ASSERT_TRUE(s.is_ok()) << s.to_string();
        ASSERT_EQ(static_cast<int64_t>(out.size()), n_tok * n_embd);
        std::memcpy(got.data() + e["embd_row_offset"].get<int64_t>() * n_embd, out.data(), out.size() * sizeof(float));
    }
    const double rl2 = rel_l2(got.data(), ref.data(), ref.size());
    const double mad = max_abs_diff(got.data(), ref.data(), ref.size());
    const double scale = max_abs(ref.data(), ref.size());
    EXPECT_LE(rl2, 2e-3) << c.name;
    EXPECT_LE(mad, 2e-3 * scale) << c.name;
    RecordProperty("rel_l2", std::to_string(rl2));
    RecordProperty("max_abs_over_max_ref", std::to_string(mad / scale));
    std::printf("[ %s ] embeddings rel L2 %.3g, max |d| %.3g (%.3g x max|ref|)\n", c.name.c_str(), rl2, mad, mad / scale);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, VisionEmbd, ::testing::ValuesIn(vision_cases()), vision_case_name);

}  // namespace
