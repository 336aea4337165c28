#pragma once
// Tensor element types. Numbering and block layouts are ggml's (GGUF stores these ids on disk).
// ref: ggml/include/ggml.h enum ggml_type, ggml/src/ggml-common.h block_* structs.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tessera {

enum class DType : uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3,
    Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
    I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
    TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39,
};

struct DTypeInfo {
    const char* name;       // "Q4_K"
    int64_t block_size;     // elements per block (1 for plain types)
    size_t type_size;       // bytes per block
    bool supported;         // this engine can compute with it
};

// Information about a type id as read from a file; returns nullptr for ids that ggml never defined.
const DTypeInfo* dtype_info(uint32_t type_id);
inline const DTypeInfo& dtype_info(DType t) { return *dtype_info(static_cast<uint32_t>(t)); }
std::string_view dtype_name(DType t);
// Bytes of one row of `n` elements; n must be a multiple of the block size.
size_t dtype_row_size(DType t, int64_t n);
bool dtype_is_quantized(DType t);

// ---- block layouts (bit-exact with ggml) ----
using fp16_t = uint16_t;

constexpr int QK4_0 = 32;
struct block_q4_0 { fp16_t d; uint8_t qs[QK4_0 / 2]; };
constexpr int QK4_1 = 32;
struct block_q4_1 { fp16_t d; fp16_t m; uint8_t qs[QK4_1 / 2]; };
constexpr int QK5_0 = 32;
struct block_q5_0 { fp16_t d; uint8_t qh[4]; uint8_t qs[QK5_0 / 2]; };
constexpr int QK5_1 = 32;
struct block_q5_1 { fp16_t d; fp16_t m; uint8_t qh[4]; uint8_t qs[QK5_1 / 2]; };
constexpr int QK8_0 = 32;
struct block_q8_0 { fp16_t d; int8_t qs[QK8_0]; };
constexpr int QK8_1 = 32;
struct block_q8_1 { fp16_t d; fp16_t s; int8_t qs[QK8_1]; };  // s = d * sum(qs)

constexpr int QK_K = 256;
constexpr int K_SCALE_SIZE = 12;
struct block_q2_K { uint8_t scales[QK_K / 16]; uint8_t qs[QK_K / 4]; fp16_t d; fp16_t dmin; };
struct block_q3_K { uint8_t hmask[QK_K / 8]; uint8_t qs[QK_K / 4]; uint8_t scales[12]; fp16_t d; };
struct block_q4_K { fp16_t d; fp16_t dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qs[QK_K / 2]; };
struct block_q5_K { fp16_t d; fp16_t dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; };
struct block_q6_K { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; fp16_t d; };
struct block_q8_K { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; };

static_assert(sizeof(block_q4_0) == 18);
static_assert(sizeof(block_q4_1) == 20);
static_assert(sizeof(block_q5_0) == 22);
static_assert(sizeof(block_q5_1) == 24);
static_assert(sizeof(block_q8_0) == 34);
static_assert(sizeof(block_q8_1) == 36);
static_assert(sizeof(block_q2_K) == 84);
static_assert(sizeof(block_q3_K) == 110);
static_assert(sizeof(block_q4_K) == 144);
static_assert(sizeof(block_q5_K) == 176);
static_assert(sizeof(block_q6_K) == 210);
static_assert(sizeof(block_q8_K) == 292);

}  // namespace tessera
