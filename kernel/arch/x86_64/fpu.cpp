#include "arch/x86_64/fpu.h"

#include <string.h>

#include "lib/panic.h"

namespace nyanos::arch {

namespace detail {
bool g_fpu_uses_xsave = false;
}  // namespace detail

namespace {

// Room for the largest area the kernel enables: AVX-512 in the standard
// format ends at 2,688 bytes (choose_xcr0 never enables AMX).
constexpr size_t kCleanImageMax = 4096;
alignas(kFpuAreaAlignment) uint8_t g_clean_fpu_state[kCleanImageMax];
size_t g_area_bytes = kFpuStateBytes;

// Field offsets in the legacy region, the same in an fxsave64 and an
// xsave64 image (Intel SDM vol. 1, tables 10-2 and 13-1).
constexpr size_t kFcwOffset = 0;
constexpr size_t kMxcsrOffset = 24;
constexpr size_t kMxcsrMaskOffset = 28;
// The XSAVE header follows the legacy region: XSTATE_BV, XCOMP_BV (0: the
// standard format), then reserved bytes that must be zero.
constexpr size_t kXstateBvOffset = 512;

}  // namespace

void init_fpu_clean_state() {
    g_area_bytes = fpu_area_size();
    VERIFY(g_area_bytes <= kCleanImageMax);
    VERIFY(g_area_bytes % kFpuAreaAlignment == 0);
    // The image is built field by field, not saved after `fninit`: fninit
    // only tags the x87 registers empty (fxsave still stores their old
    // contents) and leaves the XMM registers alone, so a saved image would
    // hand the boot code's register contents to every process. Only
    // MXCSR_MASK comes from the CPU (which bits of MXCSR it supports; the
    // restore instructions ignore the field, but an image should say what
    // this CPU reports).
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
    if (xcr0_enabled()) {
        // x87 and SSE from the legacy region above (the values just
        // written); every other component absent from XSTATE_BV, so xrstor
        // loads its initial state (zero) and ignores the bytes in the image.
        uint64_t xstate_bv = xfeature::kX87 | xfeature::kSse;
        memcpy(g_clean_fpu_state + kXstateBvOffset, &xstate_bv, sizeof(xstate_bv));
        detail::g_fpu_uses_xsave = true;
    }
}

uint32_t fpu_mxcsr_mask() {
    uint32_t mask;
    memcpy(&mask, g_clean_fpu_state + kMxcsrMaskOffset, sizeof(mask));
    return mask ? mask : 0xffbf;
}

void fpu_load_clean_image(uint8_t* area) {
    memcpy(area, g_clean_fpu_state, g_area_bytes);
}

}  // namespace nyanos::arch
