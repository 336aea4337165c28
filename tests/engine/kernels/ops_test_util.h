#pragma once
// Helpers for the ops unit tests (tests/engine/kernels/ops_*.cpp): run a hand-computed check once per
// ISA this CPU supports, restoring the active ISA afterwards.
#include <vector>

#include <gtest/gtest.h>

#include "engine/kernels/isa.h"

namespace tessera::test {

// Every ISA up to the detected one (scalar always).
inline std::vector<Isa> supported_isas() {
    std::vector<Isa> v;
    for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512})
        if (static_cast<int>(isa) <= static_cast<int>(detected_isa())) v.push_back(isa);
    return v;
}

// Calls fn() with each supported ISA active, SCOPED_TRACE naming it.
template <class F>
void for_each_isa(F fn) {
    const Isa saved = active_isa();
    for (Isa isa : supported_isas()) {
        set_active_isa(isa);
        SCOPED_TRACE(std::string("isa=") + isa_name(isa));
        fn();
    }
    set_active_isa(saved);
}

}  // namespace tessera::test
