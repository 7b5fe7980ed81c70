// Which speculative-execution weaknesses a CPU has, decided as Linux 6.1's
// cpu_set_bug_bits does: from the vendor, the family and model (a list of
// parts known not to have a given weakness) and what the CPU says of
// itself (IA32_ARCH_CAPABILITIES: RDCL_NO, MDS_NO, ...). Portable and
// host-tested; the kernel reads the CPUID leaves and the MSR (arch/x86_64)
// and prints the result with what it does about each (the boot line
// `mitigations:`).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos {

enum class CpuVendor : uint8_t { kOther, kIntel, kAmd, kHygon, kCentaur, kZhaoxin };

// What the CPU reports, as read on the boot CPU.
struct CpuSpeculationFacts {
    CpuVendor vendor = CpuVendor::kOther;
    uint32_t family = 0, model = 0;  // with the extended fields folded in
    bool md_clear = false;           // CPUID.(7,0):EDX[10]: VERW clears the buffers
    bool rtm = false;                // CPUID.(7,0):EBX[11]: TSX's RTM
    bool amd_ssb_no = false;         // CPUID.0x80000008:EBX[26]
    // IA32_ARCH_CAPABILITIES (0x10a) when CPUID.(7,0):EDX[29] says it
    // exists; 0 otherwise.
    uint64_t arch_capabilities = 0;
};

// IA32_ARCH_CAPABILITIES bits (Intel SDM vol. 4, table 2-2).
namespace arch_capability {
inline constexpr uint64_t kRdclNo = 1ull << 0;   // not affected by Meltdown
inline constexpr uint64_t kIbrsAll = 1ull << 1;  // enhanced IBRS
inline constexpr uint64_t kSsbNo = 1ull << 4;
inline constexpr uint64_t kMdsNo = 1ull << 5;
inline constexpr uint64_t kTsxCtrl = 1ull << 7;
inline constexpr uint64_t kTaaNo = 1ull << 8;
}  // namespace arch_capability

struct CpuVulnerabilities {
    bool meltdown = false;    // CVE-2017-5754: user reads of supervisor pages
    bool spectre_v1 = false;  // bounds-check bypass
    bool spectre_v2 = false;  // branch target injection
    bool swapgs = false;      // CVE-2019-1125: a speculated swapgs (or its skip)
    bool mds = false;         // microarchitectural data sampling
    bool taa = false;         // TSX asynchronous abort
    bool l1tf = false;        // L1 terminal fault
    bool store_bypass = false;
    bool enhanced_ibrs = false;  // a feature, not a weakness: eIBRS covers Spectre v2
};

CpuVulnerabilities find_vulnerabilities(const CpuSpeculationFacts& cpu);

// The command line's say: `kpti=on|off|auto` (auto: on where Meltdown
// applies) and `mitigations=off` (every mitigation off).
enum class KptiSetting : uint8_t { kAuto, kOn, kOff };

// Whether page-table isolation should be on: `kpti=on`, or `auto` on a CPU
// with Meltdown, unless `mitigations=off`.
bool kpti_wanted(const CpuVulnerabilities& v, KptiSetting kpti, bool mitigations_off);

// The boot line's text, e.g. "meltdown=not-affected spectre_v2=vulnerable
// mds=not-affected swapgs=lfence": for each weakness `not-affected`, the
// mitigation in force, or `vulnerable` (MDS counts TAA in). `kpti_available` says whether the
// kernel can isolate its page tables; `swapgs_fenced` whether its entry paths fence their
// conditional swapgs. Returns the length written (truncated to `size` - 1 bytes, NUL-terminated).
size_t describe_mitigations(const CpuVulnerabilities& v, KptiSetting kpti, bool mitigations_off,
                            bool kpti_available, bool swapgs_fenced, char* out, size_t size);

}  // namespace nyanos
