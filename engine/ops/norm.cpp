// ops::rms_norm, ops::layer_norm: validate, then dispatch by active ISA.
#include "engine/kernels/cpu/cpu_norm.h"
#include "engine/kernels/isa.h"
#include "engine/kernels/ref/norm.h"
#include "engine/ops/op_check.h"
#include "engine/ops/ops.h"

namespace tessera::ops {

void rms_norm(const float* x, const float* weight, int64_t n_rows, int64_t n, float eps, float* y) {
    TS_OP_CHECK("rms_norm", n_rows >= 0 && n > 0 && eps >= 0.0f);
    if (n_rows == 0) return;
    TS_OP_CHECK("rms_norm", x && y);
    switch (active_isa()) {
        case Isa::avx512: cpu::avx512::rms_norm(x, weight, n_rows, n, eps, y); return;
        case Isa::avx2: cpu::avx2::rms_norm(x, weight, n_rows, n, eps, y); return;
        case Isa::scalar: break;
    }
    ref::rms_norm(x, weight, n_rows, n, eps, y);
}

void layer_norm(const float* x, const float* weight, const float* bias, int64_t n_rows, int64_t n, float eps,
                float* y) {
    TS_OP_CHECK("layer_norm", n_rows >= 0 && n > 0 && eps >= 0.0f);
    if (n_rows == 0) return;
    TS_OP_CHECK("layer_norm", x && y);
    switch (active_isa()) {
        case Isa::avx512: cpu::avx512::layer_norm(x, weight, bias, n_rows, n, eps, y); return;
        case Isa::avx2: cpu::avx2::layer_norm(x, weight, bias, n_rows, n, eps, y); return;
        case Isa::scalar: break;
    }
    ref::layer_norm(x, weight, bias, n_rows, n, eps, y);
}

}  // namespace tessera::ops
