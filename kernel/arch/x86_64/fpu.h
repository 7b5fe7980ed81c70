// The FPU/SSE state of user threads: fxsave64/fxrstor64 images (512 bytes,
// 16-byte aligned) saved on every switch away from a thread and restored on
// every switch to one. The kernel itself never touches FPU registers
// (-mgeneral-regs-only), so a thread's image is valid whenever it is not
// running.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::arch {

inline constexpr size_t kFpuStateBytes = 512;

// Builds the image every new thread starts from: every register and field
// zero but the x87 control word (0x37f) and MXCSR (0x1f80), MXCSR_MASK as
// the CPU reports it; nothing of the boot code's registers. Once, at boot.
void init_fpu_clean_state();

// Writes the clean image into `state` (kFpuStateBytes, 16-byte aligned).
void fpu_load_clean_image(uint8_t* state);

// The MXCSR bits this CPU supports (MXCSR_MASK, 0xffbf when the CPU
// reports 0): loading an MXCSR with any other bit set faults.
uint32_t fpu_mxcsr_mask();

inline void fpu_save(uint8_t* state) {
    asm volatile("fxsave64 (%0)" : : "r"(state) : "memory");
}
inline void fpu_restore(const uint8_t* state) {
    asm volatile("fxrstor64 (%0)" : : "r"(state) : "memory");
}

}  // namespace nyanos::arch
