// The FPU/SSE state of user threads: fxsave64/fxrstor64 images saved on
// every switch away from a thread and restored on every switch to one, in
// an area of fpu_area_size() bytes each thread owns (64-byte aligned, off
// the kernel stack). The kernel itself never touches FPU registers
// (-mgeneral-regs-only), so a thread's image is valid whenever it is not
// running.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/cpu_features.h"

namespace nyanos::arch {

inline constexpr size_t kFpuStateBytes = kFxsaveAreaBytes;

// The bytes of one thread's save area.
inline size_t fpu_area_size() {
    return kFpuStateBytes;
}

// Builds the image every new thread starts from: every register and field
// zero but the x87 control word (0x37f) and MXCSR (0x1f80), MXCSR_MASK as
// the CPU reports it; nothing of the boot code's registers. Once, at boot.
void init_fpu_clean_state();

// Writes the clean image into `state` (fpu_area_size() bytes, 64-byte aligned).
void fpu_load_clean_image(uint8_t* state);

inline void fpu_save(uint8_t* state) {
    asm volatile("fxsave64 (%0)" : : "r"(state) : "memory");
}
inline void fpu_restore(const uint8_t* state) {
    asm volatile("fxrstor64 (%0)" : : "r"(state) : "memory");
}

}  // namespace nyanos::arch
