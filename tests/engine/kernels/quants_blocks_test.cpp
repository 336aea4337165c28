// Block formats against hand-built blocks: every expected value below is worked out from the layout
// description in ggml-common.h (not from our dequantizer), plus fp16 / bf16 bit patterns and the
// activation quantizers on hand-picked inputs.
#include <cmath>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "engine/core/fp16.h"
#include "engine/kernels/ref/quants.h"

namespace tessera {
namespace {

// ---- fp16 / bf16 ----

TEST(QuantFp16, KnownBitPatterns) {
    struct Case { float f; uint16_t h; };
    const Case cases[] = {
        {1.0f, 0x3C00},  {0.5f, 0x3800},           {-2.0f, 0xC000},          {65504.0f, 0x7BFF},
        {0.0f, 0x0000},  {-0.0f, 0x8000},          {6.103515625e-05f, 0x0400},  // smallest normal 2^-14
        {5.9604644775390625e-08f, 0x0001},          // smallest subnormal 2^-24
        {0.333251953125f, 0x3555},                  // 1/3 rounded to 11 bits
    };
    for (const Case& c : cases) {
        EXPECT_EQ(fp32_to_fp16(c.f), c.h) << c.f;
        EXPECT_EQ(fp16_to_fp32(c.h), c.f) << std::hex << c.h;
    }
    EXPECT_EQ(fp32_to_fp16(1.0f / 3.0f), 0x3555);
    EXPECT_TRUE(std::isinf(fp16_to_fp32(0x7C00)));
    EXPECT_EQ(fp32_to_fp16(1e6f), 0x7C00);  // overflow -> +inf
    // Ties go to even: 1 + 2^-11 is halfway between 1 (0x3C00) and 1 + 2^-10 (0x3C01).
    EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
    EXPECT_EQ(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
}

TEST(QuantFp16, RoundTripOfEveryFiniteHalf) {
    for (uint32_t h = 0; h < 0x10000; ++h) {
        if ((h & 0x7C00) == 0x7C00) continue;  // inf / NaN
        ASSERT_EQ(fp32_to_fp16(fp16_to_fp32(static_cast<uint16_t>(h))), h) << std::hex << h;
    }
}

TEST(QuantBf16, KnownBitPatterns) {
    EXPECT_EQ(fp32_to_bf16(1.0f), 0x3F80);
    EXPECT_EQ(fp32_to_bf16(-2.0f), 0xC000);
    EXPECT_EQ(bf16_to_fp32(0x3F80), 1.0f);
    EXPECT_EQ(bf16_to_fp32(0x4049), 3.140625f);
    // 1 + 2^-8 is halfway between bf16 1.0 and 1 + 2^-7: ties to even.
    EXPECT_EQ(fp32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);
    EXPECT_EQ(fp32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82);
}

// ---- 32-element blocks ----

TEST(QuantBlocks, Q4_0HandBuilt) {
    block_q4_0 b;
    b.d = 0x3800;  // 0.5
    for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
    float y[32];
    ref::dequantize_row_q4_0(&b, y, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], (j - 8) * 0.5f) << j;              // low nibbles: elements 0..15
        EXPECT_EQ(y[16 + j], (7 - j) * 0.5f) << 16 + j;    // high nibbles: elements 16..31
    }
}

TEST(QuantBlocks, Q4_1HandBuilt) {
    block_q4_1 b;
    b.d = 0x4000;  // 2
    b.m = 0xBC00;  // -1
    for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | (3 << 4));
    float y[32];
    ref::dequantize_row_q4_1(&b, y, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], 2.0f * j - 1.0f);
        EXPECT_EQ(y[16 + j], 5.0f);
    }
}

TEST(QuantBlocks, Q5_0HandBuilt) {
    block_q5_0 b;
    b.d = 0x3C00;  // 1
    std::memset(b.qs, 0x21, sizeof(b.qs));  // low nibble 1, high nibble 2
    const uint32_t qh = (1u << 0) | (1u << 16) | (1u << 31);  // fifth bit of elements 0, 16, 31
    std::memcpy(b.qh, &qh, 4);
    float y[32];
    ref::dequantize_row_q5_0(&b, y, 32);
    EXPECT_EQ(y[0], 1.0f);     // (1 | 16) - 16
    EXPECT_EQ(y[1], -15.0f);   // 1 - 16
    EXPECT_EQ(y[15], -15.0f);
    EXPECT_EQ(y[16], 2.0f);    // (2 | 16) - 16
    EXPECT_EQ(y[17], -14.0f);  // 2 - 16
    EXPECT_EQ(y[31], 2.0f);
}

TEST(QuantBlocks, Q5_1HandBuilt) {
    block_q5_1 b;
    b.d = 0x3800;  // 0.5
    b.m = 0x4200;  // 3
    std::memset(b.qs, 0xF0, sizeof(b.qs));  // low nibble 0, high nibble 15
    const uint32_t qh = 0xFFFF0000u;        // fifth bit set for elements 16..31
    std::memcpy(b.qh, &qh, 4);
    float y[32];
    ref::dequantize_row_q5_1(&b, y, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], 3.0f);               // 0 * 0.5 + 3
        EXPECT_EQ(y[16 + j], 31 * 0.5f + 3);  // (15 | 16) * 0.5 + 3
    }
}

TEST(QuantBlocks, Q8_0HandBuilt) {
    block_q8_0 b;
    b.d = 0x3400;  // 0.25
    for (int j = 0; j < 32; ++j) b.qs[j] = static_cast<int8_t>(j - 16);
    float y[32];
    ref::dequantize_row_q8_0(&b, y, 32);
    for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], (j - 16) * 0.25f);
}

// ---- super-blocks ----

// Packs 8 (scale, min) 6-bit pairs as ggml-common.h documents for block_q4_K: bytes 0..3 hold the low
// 6 bits of scales 0..3 plus the top 2 bits of scales 4..7; bytes 4..7 the same for the mins; bytes
// 8..11 the low 4 bits of scale 4+k (low nibble) and min 4+k (high nibble).
void pack_k4_scales(const int sc[8], const int m[8], uint8_t out[12]) {
    for (int k = 0; k < 4; ++k) {
        out[k] = static_cast<uint8_t>(sc[k] | ((sc[4 + k] >> 4) << 6));
        out[4 + k] = static_cast<uint8_t>(m[k] | ((m[4 + k] >> 4) << 6));
        out[8 + k] = static_cast<uint8_t>((sc[4 + k] & 0xF) | ((m[4 + k] & 0xF) << 4));
    }
}

TEST(QuantBlocks, Q4_KHandBuilt) {
    const int sc[8] = {1, 2, 3, 4, 20, 33, 47, 63};
    const int m[8] = {0, 1, 2, 3, 17, 40, 51, 62};
    block_q4_K b;
    b.d = 0x3C00;     // 1
    b.dmin = 0x3800;  // 0.5
    pack_k4_scales(sc, m, b.scales);
    for (uint8_t& q : b.qs) q = 0x53;  // low nibble 3, high nibble 5
    for (int j = 0; j < 8; ++j) {      // check get_scale_min_k4 recovers the pairs
        uint8_t s, mm;
        ref::get_scale_min_k4(j, b.scales, &s, &mm);
        EXPECT_EQ(s, sc[j]) << j;
        EXPECT_EQ(mm, m[j]) << j;
    }
    std::vector<float> y(256);
    ref::dequantize_row_q4_K(&b, y.data(), 256);
    // Chunk c (64 elements) = 32 low nibbles (sub-block 2c) then 32 high nibbles (sub-block 2c + 1).
    for (int e = 0; e < 256; ++e) {
        const int j = e / 32;
        const int q = (j % 2 == 0) ? 3 : 5;
        EXPECT_EQ(y[e], 1.0f * sc[j] * q - 0.5f * m[j]) << e;
    }
}

TEST(QuantBlocks, Q5_KHandBuilt) {
    const int sc[8] = {5, 6, 7, 8, 16, 31, 32, 60};
    const int m[8] = {1, 0, 3, 2, 48, 15, 16, 9};
    block_q5_K b;
    b.d = 0x3800;     // 0.5
    b.dmin = 0x3400;  // 0.25
    pack_k4_scales(sc, m, b.scales);
    for (uint8_t& q : b.qs) q = 0xA6;  // low nibble 6, high nibble 10
    // qh[l] bit 2c is the fifth bit of element 64c + l, bit 2c + 1 that of element 64c + 32 + l.
    for (int l = 0; l < 32; ++l) b.qh[l] = static_cast<uint8_t>(l % 2 == 0 ? 0x55 : 0xAA);
    std::vector<float> y(256);
    ref::dequantize_row_q5_K(&b, y.data(), 256);
    for (int e = 0; e < 256; ++e) {
        const int j = e / 32, l = e % 32;
        const bool high_half = j % 2 == 1;
        const int nib = high_half ? 10 : 6;
        const bool bit = high_half ? (l % 2 == 1) : (l % 2 == 0);  // 0x55 sets even bits, 0xAA odd bits
        const int q = nib + (bit ? 16 : 0);
        EXPECT_EQ(y[e], 0.5f * sc[j] * q - 0.25f * m[j]) << e;
    }
}

TEST(QuantBlocks, Q6_KHandBuilt) {
    block_q6_K b;
    b.d = 0x3800;  // 0.5
    for (int g = 0; g < 16; ++g) b.scales[g] = static_cast<int8_t>(g - 8);
    std::memset(b.ql, 0x21, sizeof(b.ql));  // low nibble 1, high nibble 2
    std::memset(b.qh, 0xE4, sizeof(b.qh));  // 2-bit fields (lsb first): 0, 1, 2, 3
    std::vector<float> y(256);
    ref::dequantize_row_q6_K(&b, y.data(), 256);
    // In each half of 128: elements +0..31 = ql low | qh bits 0-1 -> 1 | 0<<4 = 1; +32..63 = 1 | 1<<4 = 17;
    // +64..95 = ql high | bits 4-5 -> 2 | 2<<4 = 34; +96..127 = 2 | 3<<4 = 50; all minus 32.
    const int q_of_quarter[4] = {1 - 32, 17 - 32, 34 - 32, 50 - 32};
    for (int e = 0; e < 256; ++e) {
        const int quarter = (e % 128) / 32;
        EXPECT_EQ(y[e], 0.5f * (e / 16 - 8) * q_of_quarter[quarter]) << e;
    }
}

TEST(QuantBlocks, Q2_KHandBuilt) {
    block_q2_K b;
    b.d = 0x3C00;     // 1
    b.dmin = 0x3800;  // 0.5
    for (int g = 0; g < 16; ++g) b.scales[g] = static_cast<uint8_t>((g % 16) | ((15 - g) << 4));  // scale g, min 15-g
    // qs[32h + l] holds elements 128h + 32k + l in bits 2k..2k+1; 0xE4 = fields 0, 1, 2, 3.
    std::memset(b.qs, 0xE4, sizeof(b.qs));
    std::vector<float> y(256);
    ref::dequantize_row_q2_K(&b, y.data(), 256);
    for (int e = 0; e < 256; ++e) {
        const int g = e / 16, k = (e % 128) / 32;
        EXPECT_EQ(y[e], 1.0f * g * k - 0.5f * (15 - g)) << e;
    }
}

TEST(QuantBlocks, Q3_KHandBuilt) {
    // 16 signed scales stored as 6-bit (s + 32): low 4 bits in scales[0..7] (j < 8: low nibble of byte
    // j; j >= 8: high nibble of byte j - 8), top 2 bits in byte 8 + j % 4 at bit 2 * (j / 4).
    int s[16];
    for (int j = 0; j < 16; ++j) s[j] = (j % 2 == 0) ? j - 16 : 31 - j;
    block_q3_K b;
    std::memset(b.scales, 0, 12);
    for (int j = 0; j < 16; ++j) {
        const int l = s[j] + 32;
        if (j < 8) b.scales[j] = static_cast<uint8_t>(l & 0xF);
        else b.scales[j - 8] |= static_cast<uint8_t>((l & 0xF) << 4);
        b.scales[8 + j % 4] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
    }
    int8_t unpacked[16];
    ref::unpack_q3_K_scales(b.scales, unpacked);
    for (int j = 0; j < 16; ++j) EXPECT_EQ(unpacked[j], s[j]) << j;

    b.d = 0x3800;                          // 0.5
    std::memset(b.qs, 0x1B, sizeof(b.qs));  // 2-bit fields 3, 2, 1, 0
    // hmask[l] bit (4h + k): high bit of element 128h + 32k + l; set it for even l only.
    for (int l = 0; l < 32; ++l) b.hmask[l] = l % 2 == 0 ? 0xFF : 0x00;
    std::vector<float> y(256);
    ref::dequantize_row_q3_K(&b, y.data(), 256);
    for (int e = 0; e < 256; ++e) {
        const int k = (e % 128) / 32, l = e % 32;
        const int low = 3 - k;
        const int q = low - ((l % 2 == 0) ? 0 : 4);  // a clear high bit subtracts 4
        EXPECT_EQ(y[e], 0.5f * s[e / 16] * q) << e;
    }
}

// ---- activation quantizers on hand-picked inputs ----

TEST(QuantActivations, Q8_0RoundsHalfToEven) {
    // amax = 127 makes id = 1, so x itself is rounded: halves go to even.
    std::vector<float> x(32, 0.0f);
    x[0] = 127.0f;
    x[1] = 2.5f;
    x[2] = -3.5f;
    x[3] = 0.5f;
    x[4] = -126.49f;
    block_q8_0 b;
    ref::quantize_row_q8_0_act(x.data(), &b, 32);
    EXPECT_EQ(fp16_to_fp32(b.d), 1.0f);
    EXPECT_EQ(b.qs[0], 127);
    EXPECT_EQ(b.qs[1], 2);
    EXPECT_EQ(b.qs[2], -4);
    EXPECT_EQ(b.qs[3], 0);
    EXPECT_EQ(b.qs[4], -126);
    EXPECT_EQ(b.qs[5], 0);

    // The weight quantizer (ggml quantize_row_q8_0_ref) uses roundf: halves away from zero.
    block_q8_0 w;
    ref::quantize_row_q8_0_ref(x.data(), &w, 32);
    EXPECT_EQ(w.qs[1], 3);
    EXPECT_EQ(w.qs[2], -4);
    EXPECT_EQ(w.qs[3], 1);
}

TEST(QuantActivations, Q8_1StoresScaledSum) {
    std::vector<float> x(32);
    for (int j = 0; j < 32; ++j) x[j] = (j - 16) * 0.5f;  // amax 8 at j = 0
    block_q8_1 b;
    ref::quantize_row_q8_1_act(x.data(), &b, 32);
    const float d = 8.0f / 127.0f;
    EXPECT_EQ(b.d, fp32_to_fp16(d));
    int sum = 0;
    for (int j = 0; j < 32; ++j) {
        EXPECT_EQ(b.qs[j], static_cast<int>(std::nearbyint(x[j] * (127.0f / 8.0f)))) << j;
        sum += b.qs[j];
    }
    EXPECT_EQ(b.qs[0], -127);
    EXPECT_EQ(b.qs[1], static_cast<int>(std::nearbyint(-7.5f * 15.875f)));  // -119.0625 -> -119
    EXPECT_EQ(b.s, fp32_to_fp16(d * sum));
}

TEST(QuantActivations, Q8_KScaleFollowsFirstSignedMax) {
    std::vector<float> x(256, 0.0f);
    x[3] = 4.0f;   // first element of largest magnitude: positive -> negative scale
    x[9] = -4.0f;
    x[20] = 1.0f;
    block_q8_K b;
    ref::quantize_row_q8_K_ref(x.data(), &b, 256);
    EXPECT_FLOAT_EQ(b.d, -4.0f / 127.0f);
    EXPECT_EQ(b.qs[3], -127);
    EXPECT_EQ(b.qs[9], 127);
    EXPECT_EQ(b.qs[20], -32);  // -31.75 -> -32
    EXPECT_EQ(b.bsums[0], -127 + 127);
    EXPECT_EQ(b.bsums[1], -32);
    for (int g = 2; g < 16; ++g) EXPECT_EQ(b.bsums[g], 0);
    float y[256];
    ref::dequantize_row_q8_K(&b, y, 256);
    EXPECT_FLOAT_EQ(y[3], 4.0f);
    EXPECT_FLOAT_EQ(y[9], -4.0f);
}

TEST(QuantActivations, ZeroBlocksStayZero) {
    std::vector<float> x(256, 0.0f);
    block_q8_K k;
    ref::quantize_row_q8_K_ref(x.data(), &k, 256);
    EXPECT_EQ(k.d, 0.0f);
    for (int j = 0; j < 256; ++j) ASSERT_EQ(k.qs[j], 0);
    block_q8_0 b;
    ref::quantize_row_q8_0_act(x.data(), &b, 32);
    EXPECT_EQ(b.d, 0);
    for (int j = 0; j < 32; ++j) ASSERT_EQ(b.qs[j], 0);
}

}  // namespace
}  // namespace tessera
