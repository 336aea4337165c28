#include "engine/kernels/isa.h"

#include <atomic>
#include <cpuid.h>
#include <cstdlib>
#include <cstring>

namespace tessera {
namespace {

uint64_t read_xcr0() {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (static_cast<uint64_t>(edx) << 32) | eax;
}

Isa probe() {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return Isa::scalar;
    const bool osxsave = c & (1u << 27), fma = c & (1u << 12), f16c = c & (1u << 29);
    if (!osxsave) return Isa::scalar;
    const uint64_t xcr0 = read_xcr0();
    const bool ymm_ok = (xcr0 & 0x6) == 0x6;
    const bool zmm_ok = (xcr0 & 0xE6) == 0xE6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return Isa::scalar;
    const bool avx2 = b & (1u << 5), bmi2 = b & (1u << 8);
    const bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512bw = b & (1u << 30),
               avx512vl = b & (1u << 31);
    const bool avx512vnni = c & (1u << 11);
    if (!(ymm_ok && avx2 && fma && f16c && bmi2)) return Isa::scalar;
    if (zmm_ok && avx512f && avx512dq && avx512bw && avx512vl && avx512vnni) return Isa::avx512;
    return Isa::avx2;
}

Isa from_env(Isa detected) {
    const char* env = std::getenv("TESSERA_FORCE_ISA");
    if (!env || !*env) return detected;
    Isa want = detected;
    if (!std::strcmp(env, "scalar")) want = Isa::scalar;
    else if (!std::strcmp(env, "avx2")) want = Isa::avx2;
    else if (!std::strcmp(env, "avx512")) want = Isa::avx512;
    return static_cast<int>(want) <= static_cast<int>(detected) ? want : detected;
}

std::atomic<int>& active_slot() {
    static std::atomic<int> slot{static_cast<int>(from_env(detected_isa()))};
    return slot;
}

}  // namespace

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::scalar: return "scalar";
        case Isa::avx2: return "avx2";
        case Isa::avx512: return "avx512";
    }
    return "?";
}

Isa detected_isa() {
    static const Isa isa = probe();
    return isa;
}

Isa active_isa() { return static_cast<Isa>(active_slot().load(std::memory_order_relaxed)); }

Isa set_active_isa(Isa isa) {
    const Isa detected = detected_isa();
    const Isa eff = static_cast<int>(isa) <= static_cast<int>(detected) ? isa : detected;
    active_slot().store(static_cast<int>(eff));
    return eff;
}

}  // namespace tessera
