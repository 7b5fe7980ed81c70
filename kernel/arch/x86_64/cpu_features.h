// What the kernel enables of the CPU's extended register state (XSAVE), and
// what it tells user programs about the CPU: the values the Linux loader
// puts in the auxiliary vector.
//
// The aim is what Linux 6.1 exposes on the same CPU, so that a static glibc
// or musl program picks the same code on both kernels: glibc chooses its
// string functions from CPUID and from XCR0 (read with xgetbv, allowed once
// CR4.OSXSAVE is on), so XCR0 must hold the AVX and AVX-512 state wherever
// Linux enables it.
//
// The pure parts (the XCR0 choice, the save-area size) are constexpr and
// host-tested (test/host/cpu_features_test.cpp); the rest is the kernel's
// (cpu.cpp).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::arch {

// XSAVE state components (XCR0 bits; Intel SDM vol. 1, 13.1).
namespace xfeature {
inline constexpr uint64_t kX87 = 1ull << 0;
inline constexpr uint64_t kSse = 1ull << 1;  // XMM0-15 and MXCSR
inline constexpr uint64_t kAvx = 1ull << 2;  // the upper halves of YMM0-15
inline constexpr uint64_t kMpxBndregs = 1ull << 3;
inline constexpr uint64_t kMpxBndcsr = 1ull << 4;
inline constexpr uint64_t kOpmask = 1ull << 5;    // AVX-512 k0-7
inline constexpr uint64_t kZmmHi256 = 1ull << 6;  // the upper halves of ZMM0-15
inline constexpr uint64_t kHi16Zmm = 1ull << 7;   // ZMM16-31
inline constexpr uint64_t kPkru = 1ull << 9;
inline constexpr uint64_t kXtileCfg = 1ull << 17;  // AMX
inline constexpr uint64_t kXtileData = 1ull << 18;
inline constexpr uint64_t kAvx512 = kOpmask | kZmmHi256 | kHi16Zmm;
}  // namespace xfeature

// The CPUID bits the XCR0 choice depends on.
struct XsaveCpuid {
    bool xsave = false;    // CPUID.1:ECX[26]
    bool avx = false;      // CPUID.1:ECX[28]
    bool avx512f = false;  // CPUID.(7,0):EBX[16]
    // The components XCR0 may hold: CPUID.(0xD,0) EDX:EAX.
    uint64_t supported = 0;
};

// The XCR0 the kernel sets on every CPU, 0 when there is no XSAVE (then
// the kernel saves FPU state with fxsave and leaves CR4.OSXSAVE off).
//
// x87 and SSE always; AVX when CPUID reports it; the three AVX-512
// components together (Linux enables them all or none, and only with AVX)
// when CPUID reports AVX512F, as Linux 6.1 does by default. Never AMX: Linux
// enables its state per process, on request (arch_prctl(ARCH_REQ_XCOMP_PERM)),
// and its 8 KiB would be in every thread's save area. Not PKRU: it only
// means something with CR4.PKE (protection keys), which the kernel leaves
// off for now (Linux turns both on where the CPU has PKU); in the standard
// format it also sits at offset 2688 and would make a 832-byte AVX area
// 2,696 bytes. Not MPX (bits 3, 4): Linux 6.1 still sets them where the
// CPU has MPX (for KVM guests; its own MPX support went in 5.6), but no
// compiler or C library uses MPX any more and glibc does not look at them:
// a deliberate difference.
constexpr uint64_t choose_xcr0(const XsaveCpuid& cpu) {
    using namespace xfeature;
    // x87 must be set in XCR0 (writing it clear faults); SSE is needed for
    // AVX and is what every x86_64 program uses.
    if (!cpu.xsave || (cpu.supported & (kX87 | kSse)) != (kX87 | kSse)) return 0;
    uint64_t xcr0 = kX87 | kSse;
    if (cpu.avx && (cpu.supported & kAvx)) xcr0 |= kAvx;
    if ((xcr0 & kAvx) && cpu.avx512f && (cpu.supported & kAvx512) == kAvx512) xcr0 |= kAvx512;
    return xcr0;
}

inline constexpr size_t kFxsaveAreaBytes = 512;
// The legacy region (an fxsave image) plus the 64-byte XSAVE header: the
// least any XSAVE area holds.
inline constexpr size_t kXsaveMinBytes = 512 + 64;
// The save area's alignment: xsave and xrstor need 64 bytes (fxsave 16).
inline constexpr size_t kFpuAreaAlignment = 64;

// The bytes of one thread's FPU save area. With XSAVE (xcr0 != 0):
// `xsave_size` is CPUID.(0xD,0).EBX read after XCR0 was set (the size of a
// standard-format area for the enabled components), rounded up to 64 bytes
// (never below the legacy region and header); without, an fxsave image.
constexpr size_t fpu_area_bytes(uint64_t xcr0, uint32_t xsave_size) {
    if (!xcr0) return kFxsaveAreaBytes;
    size_t bytes = xsave_size < kXsaveMinBytes ? kXsaveMinBytes : xsave_size;
    return (bytes + kFpuAreaAlignment - 1) & ~(kFpuAreaAlignment - 1);
}

// AT_HWCAP2 bits (Linux arch/x86/include/uapi/asm/hwcap2.h).
inline constexpr uint64_t kHwcap2Ring3Mwait = 1ull << 0;
inline constexpr uint64_t kHwcap2Fsgsbase = 1ull << 1;

// AT_HWCAP2 as Linux computes it: FSGSBASE only when CR4.FSGSBASE is on
// (user code may then use rdfsbase/wrfsbase); ring-3 MWAIT is a Xeon Phi
// feature Linux enables only there, and this kernel never.
constexpr uint64_t linux_hwcap2_for(bool cr4_fsgsbase) {
    return cr4_fsgsbase ? kHwcap2Fsgsbase : 0;
}

#ifndef NYANOS_HOST
// What init_cpu() enabled (valid after it; cpu.cpp).
// XCR0 on every CPU; 0 when the CPU has no XSAVE (fxsave is used).
uint64_t xcr0_enabled();
// CPUID.(0xD,0).EBX with that XCR0: an xsave image's size (0 without XSAVE).
size_t xsave_size();
// One thread's FPU save area, in bytes (fpu_area_bytes() of the above).
size_t fpu_area_size();

// For the Linux loader's auxiliary vector (proc/exec_image.kernel.cpp):
// AT_HWCAP: CPUID.1:EDX of the boot CPU, as Linux x86_64 gives it.
uint64_t linux_hwcap();
// AT_HWCAP2: 0, since CR4.FSGSBASE stays off (the FS and GS bases change
// only through the kernel, which switches them per thread).
uint64_t linux_hwcap2();
// AT_PLATFORM: "x86_64" (the loader writes its own copy of the string).
const char* linux_platform();
#endif

}  // namespace nyanos::arch
