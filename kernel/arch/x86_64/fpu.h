// The FPU, SSE and AVX state of user threads, saved on every switch away
// from a thread and restored on every switch to one, in a save area each
// thread owns (fpu_area_size() bytes, 64-byte aligned, off the kernel
// stack; arch/x86_64/cpu_features.h sizes it):
//   - with XSAVE, an xsave64/xrstor64 image (standard format) of every
//     component in XCR0: x87, SSE, and AVX and AVX-512 where the CPU has
//     them (832 bytes with AVX, 2,688 with AVX-512);
//   - without (qemu64, old CPUs), an fxsave64/fxrstor64 image (512 bytes).
// The kernel itself never touches FPU or vector registers
// (-mgeneral-regs-only), so a thread's image is valid whenever it is not
// running.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/cpu_features.h"

namespace nyanos::arch {

inline constexpr size_t kFpuStateBytes = kFxsaveAreaBytes;

namespace detail {
// Set once at boot by init_fpu_clean_state(), before any thread runs.
extern bool g_fpu_uses_xsave;
}  // namespace detail

// Decides xsave or fxsave from what init_cpu() enabled and builds the image
// every new thread starts from: x87 control word 0x37f, MXCSR 0x1f80
// (MXCSR_MASK as the CPU reports it), every register zero, and with XSAVE a
// header whose XSTATE_BV has only x87 and SSE set, so that xrstor puts
// every other component (the upper YMM halves, AVX-512) in its initial,
// zero state. Nothing of the boot code's registers. Once, at boot, after
// init_cpu().
void init_fpu_clean_state();

// Writes the clean image into `area` (fpu_area_size() bytes, 64-byte
// aligned): all of it, so that an xsave header is never left with stray
// bytes (xrstor faults on reserved header bits).
void fpu_load_clean_image(uint8_t* area);

// The MXCSR bits this CPU supports (MXCSR_MASK, 0xffbf when the CPU
// reports 0): loading an MXCSR with any other bit set faults.
uint32_t fpu_mxcsr_mask();

// EDX:EAX all ones: the requested-feature bitmap is then XCR0 itself, every
// component the kernel enabled.
inline void fpu_save(uint8_t* area) {
    if (detail::g_fpu_uses_xsave)
        asm volatile("xsave64 (%0)" : : "r"(area), "a"(~0u), "d"(~0u) : "memory");
    else
        asm volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}
inline void fpu_restore(const uint8_t* area) {
    if (detail::g_fpu_uses_xsave)
        asm volatile("xrstor64 (%0)" : : "r"(area), "a"(~0u), "d"(~0u) : "memory");
    else
        asm volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

// A switch between two user threads: the save and the load together, with
// one test of which instruction to use. `save` receives the state of the
// thread switched away from and the state in `load` becomes live.
// The areas are memory operands, so an area at a fixed offset in a larger
// block is addressed with that offset instead of a pointer computed first;
// XSAVE (every CPU from 2011 on) is the fall-through.
inline void fpu_switch(uint8_t* save, const uint8_t* load) {
    using Area = char[64];  // the extent the operands name; "memory" covers the rest
    if (__builtin_expect(detail::g_fpu_uses_xsave, 1)) {
        asm volatile("xsave64 %0\n\txrstor64 %1"
                     : "=m"(*reinterpret_cast<Area*>(save))
                     : "m"(*reinterpret_cast<const Area*>(load)), "a"(~0u), "d"(~0u)
                     : "memory");
    } else {
        asm volatile("fxsave64 (%0)\n\tfxrstor64 (%1)" : : "r"(save), "r"(load) : "memory");
    }
}

}  // namespace nyanos::arch
