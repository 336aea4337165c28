// Multimodal prompts against mtmd_tokenize (manifest.chunks): the raw prompt
// "<__media__> What is in the picture?" becomes exactly the peer's chunks -- text token ids, image
// chunk sizes, positions (pos_start, n_pos), non-causal flags and, for qwen2.5-VL, the M-RoPE
// positions of every image token.
#include "tests/engine/vision/vision_fixture_util.h"

using namespace tessera;
using namespace tessera::test;

namespace {

class VisionPrompt : public ::testing::TestWithParam<std::string> {};

TEST_P(VisionPrompt, ChunksMatchMtmdTokenize) {
    TESSERA_LOAD_VISION_CASE(GetParam(), c);
    const auto& m = c.manifest;
    auto decoder = load_text_model(c.file("decoder").string());
    ASSERT_TRUE(decoder.is_ok()) << decoder.status().to_string();
    auto projector = Projector::load(c.file("mmproj").string());
    ASSERT_TRUE(projector.is_ok()) << projector.status().to_string();
    auto mm = MultimodalContext::create(decoder.value(), std::move(projector).value());
    ASSERT_TRUE(mm.is_ok()) << mm.status().to_string();
    auto image = load_image_file(c.file("image").string());
    ASSERT_TRUE(image.is_ok()) << image.status().to_string();

    const std::string text = m["prompt"]["text"].get<std::string>();
    auto prompt = mm.value()->tokenize(text, std::span<const ImageU8>(&image.value(), 1));
    ASSERT_TRUE(prompt.is_ok()) << prompt.status().to_string();
    const auto& ref = m["chunks"];
    ASSERT_EQ(prompt->chunks.size(), ref.size());
    int64_t pos = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        const PromptChunk& got = prompt->chunks[i];
        const auto& r = ref[i];
        SCOPED_TRACE("chunk " + std::to_string(i));
        EXPECT_EQ(r["pos_start"].get<int64_t>(), pos);
        EXPECT_EQ(got.n_tokens, r["n_tokens"].get<int64_t>());
        EXPECT_EQ(got.n_pos, r["n_pos"].get<int64_t>());
        if (r["type"] == "text") {
            ASSERT_EQ(got.type, ChunkType::text);
            EXPECT_EQ(got.tokens, r["tokens"].get<std::vector<int32_t>>());
        } else {
            ASSERT_EQ(got.type, ChunkType::image);
            EXPECT_EQ(got.non_causal, r["non_causal"].get<bool>());
            const auto ne = r["preproc_ne"].get<std::vector<int>>();  // [W, H, C, 1]
            const EncoderInput& in = prompt->images[got.image]->entries[got.entry];
            EXPECT_EQ(in.width, ne[0]);
            EXPECT_EQ(in.height, ne[1]);
            if (r.contains("mrope_pos_txyz")) {
                // manifest: per token (t, x, y, z); ours: sections t, y, x, z of (4, n)
                ASSERT_GT(got.grid_w, 0);
                const auto mp = MultimodalContext::mrope_positions(pos, got.grid_w, got.grid_h);
                const auto& txyz = r["mrope_pos_txyz"];
                ASSERT_EQ(static_cast<int64_t>(txyz.size()), got.n_tokens);
                for (int64_t t = 0; t < got.n_tokens; ++t) {
                    const auto p = txyz[t].get<std::vector<int32_t>>();
                    ASSERT_EQ(mp[t], p[0]) << "token " << t << " t";
                    ASSERT_EQ(mp[got.n_tokens + t], p[2]) << "token " << t << " y";
                    ASSERT_EQ(mp[2 * got.n_tokens + t], p[1]) << "token " << t << " x";
                    ASSERT_EQ(mp[3 * got.n_tokens + t], p[3]) << "token " << t << " z";
                }
            } else {
                EXPECT_EQ(got.grid_w, 0);
            }
        }
        pos += got.n_pos;
    }
    EXPECT_EQ(prompt->n_pos(), m["n_past_after_prompt"].get<int64_t>());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, VisionPrompt, ::testing::ValuesIn(vision_cases()), vision_case_name);

}  // namespace
