#include "arch/x86_64/fpu.h"

#include <string.h>

namespace nyanos::arch {

namespace {
alignas(16) uint8_t g_clean_fpu_state[kFpuStateBytes];
}  // namespace

void init_fpu_clean_state() {
    asm volatile("fninit; fxsave64 %0" : "=m"(g_clean_fpu_state));
    uint32_t mxcsr = 0x1f80;  // all SSE exceptions masked, round to nearest
    memcpy(g_clean_fpu_state + 24, &mxcsr, sizeof(mxcsr));
}

void fpu_load_clean_image(uint8_t* state) {
    memcpy(state, g_clean_fpu_state, kFpuStateBytes);
}

}  // namespace nyanos::arch
