#pragma once
// Cheap argument checks for the ops (O(1) per call, always on). A failed check is a programmer error
// (a shape or parameter no model should produce): it prints the op, the condition and the call site,
// then aborts.

namespace tessera::ops::detail {
[[noreturn]] void op_check_failed(const char* op, const char* condition, const char* file, int line);
}  // namespace tessera::ops::detail

#define TS_OP_CHECK(op, cond)                                                          \
    do {                                                                               \
        if (!(cond)) ::tessera::ops::detail::op_check_failed(op, #cond, __FILE__, __LINE__); \
    } while (0)
