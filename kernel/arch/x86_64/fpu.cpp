#include "arch/x86_64/fpu.h"

#include <string.h>

namespace nyanos::arch {

namespace {

alignas(16) uint8_t g_clean_fpu_state[kFpuStateBytes];

// Field offsets in an fxsave64 image (Intel SDM vol. 1, table 10-2).
constexpr size_t kFcwOffset = 0;
constexpr size_t kMxcsrOffset = 24;
constexpr size_t kMxcsrMaskOffset = 28;

}  // namespace

void init_fpu_clean_state() {
    // The image is built field by field, not saved after `fninit`: fninit
    // only tags the x87 registers empty (fxsave still stores their old
    // contents) and leaves the XMM registers alone, so a saved image would
    // hand the boot code's register contents to every process. Only
    // MXCSR_MASK comes from the CPU (which bits of MXCSR it supports; fxrstor
    // ignores the field, but an image should say what this CPU reports).
    asm volatile("fxsave64 %0" : "=m"(g_clean_fpu_state));
    uint32_t mxcsr_mask;
    memcpy(&mxcsr_mask, g_clean_fpu_state + kMxcsrMaskOffset, sizeof(mxcsr_mask));
    memset(g_clean_fpu_state, 0, sizeof(g_clean_fpu_state));
    // x87: every exception masked, 64-bit precision, round to nearest (the
    // fninit state); FSW, the tags (0 = all empty in the abridged form) and
    // the last-instruction fields stay zero.
    uint16_t fcw = 0x037f;
    memcpy(g_clean_fpu_state + kFcwOffset, &fcw, sizeof(fcw));
    uint32_t mxcsr = 0x1f80;  // all SSE exceptions masked, round to nearest
    memcpy(g_clean_fpu_state + kMxcsrOffset, &mxcsr, sizeof(mxcsr));
    memcpy(g_clean_fpu_state + kMxcsrMaskOffset, &mxcsr_mask, sizeof(mxcsr_mask));
}

uint32_t fpu_mxcsr_mask() {
    uint32_t mask;
    memcpy(&mask, g_clean_fpu_state + kMxcsrMaskOffset, sizeof(mask));
    return mask ? mask : 0xffbf;
}

void fpu_load_clean_image(uint8_t* state) {
    memcpy(state, g_clean_fpu_state, kFpuStateBytes);
}

}  // namespace nyanos::arch
