// The XCR0 choice and the FPU save-area size (kernel/arch/x86_64/cpu_features.h).
#include <doctest/doctest.h>

#include "arch/x86_64/cpu_features.h"

using namespace nyanos::arch;
using namespace nyanos::arch::xfeature;

namespace {

// CPUID.(0xD,0) EDX:EAX of some real CPUs (what XCR0 may hold).
constexpr uint64_t kSandyBridge = kX87 | kSse | kAvx;                          // 0x7
constexpr uint64_t kSkylakeClient = kSandyBridge | kMpxBndregs | kMpxBndcsr;   // 0x1f
constexpr uint64_t kSkylakeServer = kSkylakeClient | kAvx512 | kPkru;          // 0x2ff
constexpr uint64_t kSapphireRapids = kSkylakeServer | kXtileCfg | kXtileData;  // 0x602ff

XsaveCpuid cpu(uint64_t supported, bool avx, bool avx512f) {
    return XsaveCpuid{.xsave = true, .avx = avx, .avx512f = avx512f, .supported = supported};
}

}  // namespace

TEST_CASE("xcr0: no XSAVE means no XCR0 (fxsave is used)") {
    CHECK(choose_xcr0(XsaveCpuid{}) == 0);
    XsaveCpuid no_xsave = cpu(kSandyBridge, true, false);
    no_xsave.xsave = false;
    CHECK(choose_xcr0(no_xsave) == 0);
    // A CPUID that does not even offer x87 and SSE: do not touch XCR0.
    CHECK(choose_xcr0(cpu(kX87, false, false)) == 0);
}

TEST_CASE("xcr0: x87 and SSE, plus AVX where CPUID reports it") {
    CHECK(choose_xcr0(cpu(kX87 | kSse, false, false)) == (kX87 | kSse));
    CHECK(choose_xcr0(cpu(kSandyBridge, true, false)) == 0x7);
    // The component without the CPUID feature bit (or the reverse) is not enough.
    CHECK(choose_xcr0(cpu(kSandyBridge, false, false)) == 0x3);
    CHECK(choose_xcr0(cpu(kX87 | kSse, true, false)) == 0x3);
}

TEST_CASE("xcr0: AVX-512 all three components or none, and only with AVX") {
    CHECK(choose_xcr0(cpu(kSkylakeServer, true, true)) == (0x7 | kAvx512));  // 0xe7
    CHECK(choose_xcr0(cpu(kSkylakeServer, true, false)) == 0x7);
    CHECK(choose_xcr0(cpu(kSkylakeServer, false, true)) == 0x3);
    CHECK(choose_xcr0(cpu(kSandyBridge | kOpmask | kZmmHi256, true, true)) == 0x7);
}

TEST_CASE("xcr0: never MPX, PKRU or AMX") {
    CHECK(choose_xcr0(cpu(kSkylakeClient, true, false)) == 0x7);
    uint64_t spr = choose_xcr0(cpu(kSapphireRapids, true, true));
    CHECK(spr == 0xe7);
    CHECK((spr & (kMpxBndregs | kMpxBndcsr | kPkru | kXtileCfg | kXtileData)) == 0);
}

TEST_CASE("fpu area: an fxsave image without XSAVE, else CPUID's size in 64-byte units") {
    CHECK(fpu_area_bytes(0, 0) == 512);
    CHECK(fpu_area_bytes(0, 832) == 512);  // the size means nothing without XCR0
    CHECK(fpu_area_bytes(0x3, 576) == 576);
    CHECK(fpu_area_bytes(0x7, 832) == 832);     // AVX: 576 + 256
    CHECK(fpu_area_bytes(0xe7, 2688) == 2688);  // AVX-512
    CHECK(fpu_area_bytes(0x7, 833) == 896);
    CHECK(fpu_area_bytes(0x7, 100) == 576);  // never below the legacy region and header
    for (uint32_t size = 0; size < 4096; size += 7) {
        size_t bytes = fpu_area_bytes(0x7, size);
        CHECK(bytes % kFpuAreaAlignment == 0);
        CHECK(bytes >= size);
        CHECK(bytes < (size < 576 ? 576 : size) + kFpuAreaAlignment);
    }
}

TEST_CASE("AT_HWCAP2: FSGSBASE only when CR4.FSGSBASE is on") {
    CHECK(linux_hwcap2_for(false) == 0);
    CHECK(linux_hwcap2_for(true) == 2);
}
