#include "engine/ops/op_check.h"

#include <cstdio>
#include <cstdlib>

namespace tessera::ops::detail {

void op_check_failed(const char* op, const char* condition, const char* file, int line) {
    std::fprintf(stderr, "tessera: ops::%s: check failed: %s (%s:%d)\n", op, condition, file, line);
    std::abort();
}

}  // namespace tessera::ops::detail
