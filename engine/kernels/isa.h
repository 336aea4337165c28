#pragma once
// Runtime CPU ISA selection. Kernels in kernels/cpu are compiled once per ISA; ops ask active_isa()
// which variant to call. TESSERA_FORCE_ISA=scalar|avx2|avx512 forces a path (tests, debugging); a
// forced ISA the CPU lacks falls back to the best supported one below it.
namespace tessera {

enum class Isa { scalar = 0, avx2 = 1, avx512 = 2 };

const char* isa_name(Isa isa);
Isa detected_isa();   // best ISA this CPU (and OS) supports
Isa active_isa();     // detected, or the TESSERA_FORCE_ISA / set_active_isa override
// Override for tests; returns the ISA actually in effect (clamped to what the CPU supports).
Isa set_active_isa(Isa isa);

}  // namespace tessera
