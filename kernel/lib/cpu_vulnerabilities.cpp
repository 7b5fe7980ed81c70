#include "lib/cpu_vulnerabilities.h"

#include "lib/format.h"

namespace nyanos {

namespace {

// Linux's cpu_vuln_whitelist flags: what a listed part does not have.
enum : uint16_t {
    kNoSpeculation = 1 << 0,  // in-order: none of it
    kNoMeltdown = 1 << 1,
    kNoSsb = 1 << 2,
    kNoL1tf = 1 << 3,
    kNoMds = 1 << 4,
    kNoSwapgs = 1 << 5,
    kNoSpectreV2 = 1 << 6,
};

constexpr uint32_t kAnyFamily = ~0u, kAnyModel = ~0u;

struct Exemption {
    CpuVendor vendor;
    uint32_t family, model;
    uint16_t flags;
};

// Intel's family-6 model numbers (Linux's intel-family.h names).
constexpr uint32_t kAtomSaltwell = 0x36, kAtomSaltwellTablet = 0x35, kAtomSaltwellMid = 0x27,
                   kAtomBonnell = 0x1c, kAtomBonnellMid = 0x26, kAtomSilvermont = 0x37,
                   kAtomSilvermontD = 0x4d, kAtomSilvermontMid = 0x4a, kAtomAirmont = 0x4c,
                   kXeonPhiKnl = 0x57, kXeonPhiKnm = 0x85, kCoreYonah = 0x0e,
                   kAtomAirmontMid = 0x5a, kAtomGoldmont = 0x5c, kAtomGoldmontD = 0x5f,
                   kAtomGoldmontPlus = 0x7a, kAtomTremontD = 0x86;

constexpr uint16_t kSilvermontLike = kNoSsb | kNoL1tf | kNoSwapgs;
constexpr uint16_t kGoldmontLike = kNoMds | kNoL1tf | kNoSwapgs;
constexpr uint16_t kAmdLike = kNoMeltdown | kNoL1tf | kNoMds | kNoSwapgs;

// Linux 6.1's cpu_vuln_whitelist, for the weaknesses decided here.
constexpr Exemption kExemptions[] = {
    {CpuVendor::kOther, 4, kAnyModel, kNoSpeculation},
    {CpuVendor::kIntel, 5, kAnyModel, kNoSpeculation},
    {CpuVendor::kCentaur, 5, kAnyModel, kNoSpeculation},
    {CpuVendor::kIntel, 6, kAtomSaltwell, kNoSpeculation},
    {CpuVendor::kIntel, 6, kAtomSaltwellTablet, kNoSpeculation},
    {CpuVendor::kIntel, 6, kAtomSaltwellMid, kNoSpeculation},
    {CpuVendor::kIntel, 6, kAtomBonnell, kNoSpeculation},
    {CpuVendor::kIntel, 6, kAtomBonnellMid, kNoSpeculation},
    {CpuVendor::kIntel, 6, kAtomSilvermont, kSilvermontLike},
    {CpuVendor::kIntel, 6, kAtomSilvermontD, kSilvermontLike},
    {CpuVendor::kIntel, 6, kAtomSilvermontMid, kSilvermontLike},
    {CpuVendor::kIntel, 6, kAtomAirmont, kSilvermontLike},
    {CpuVendor::kIntel, 6, kXeonPhiKnl, kSilvermontLike},
    {CpuVendor::kIntel, 6, kXeonPhiKnm, kSilvermontLike},
    {CpuVendor::kIntel, 6, kCoreYonah, kNoSsb},
    {CpuVendor::kIntel, 6, kAtomAirmontMid, kNoL1tf | kNoSwapgs},
    {CpuVendor::kIntel, 6, kAtomGoldmont, kGoldmontLike},
    {CpuVendor::kIntel, 6, kAtomGoldmontD, kGoldmontLike},
    {CpuVendor::kIntel, 6, kAtomGoldmontPlus, kGoldmontLike},
    {CpuVendor::kIntel, 6, kAtomTremontD, kNoSwapgs},
    {CpuVendor::kAmd, 0x0f, kAnyModel, kAmdLike | kNoSsb},
    {CpuVendor::kAmd, 0x10, kAnyModel, kAmdLike | kNoSsb},
    {CpuVendor::kAmd, 0x11, kAnyModel, kAmdLike | kNoSsb},
    {CpuVendor::kAmd, 0x12, kAnyModel, kAmdLike | kNoSsb},
    {CpuVendor::kAmd, kAnyFamily, kAnyModel, kAmdLike},
    {CpuVendor::kHygon, kAnyFamily, kAnyModel, kAmdLike},
    {CpuVendor::kCentaur, 7, kAnyModel, kNoSpectreV2 | kNoSwapgs},
    {CpuVendor::kZhaoxin, 7, kAnyModel, kNoSpectreV2 | kNoSwapgs},
};

bool exempt(const CpuSpeculationFacts& cpu, uint16_t flag) {
    for (const Exemption& e : kExemptions) {
        // Family 4 parts of any vendor speculate nothing.
        bool vendor = e.vendor == cpu.vendor || (e.vendor == CpuVendor::kOther && e.family == 4);
        if (vendor && (e.family == kAnyFamily || e.family == cpu.family) &&
            (e.model == kAnyModel || e.model == cpu.model) && (e.flags & flag))
            return true;
    }
    return false;
}

}  // namespace

CpuVulnerabilities find_vulnerabilities(const CpuSpeculationFacts& cpu) {
    using namespace arch_capability;
    CpuVulnerabilities v;
    const uint64_t caps = cpu.arch_capabilities;
    v.enhanced_ibrs = caps & kIbrsAll;
    if (exempt(cpu, kNoSpeculation)) return v;
    v.spectre_v1 = true;
    v.spectre_v2 = !exempt(cpu, kNoSpectreV2);
    v.store_bypass = !exempt(cpu, kNoSsb) && !(caps & kSsbNo) && !cpu.amd_ssb_no;
    v.mds = !exempt(cpu, kNoMds) && !(caps & kMdsNo);
    v.swapgs = !exempt(cpu, kNoSwapgs);
    // TSX Async Abort: a CPU with TSX that does not say it is immune
    // (MDS_NO parts with TSX may still have it).
    v.taa = !(caps & kTaaNo) && (cpu.rtm || (caps & kTsxCtrl));
    if (exempt(cpu, kNoMeltdown) || (caps & kRdclNo)) return v;
    v.meltdown = true;
    v.l1tf = !exempt(cpu, kNoL1tf);
    return v;
}

bool kpti_wanted(const CpuVulnerabilities& v, KptiSetting kpti, bool mitigations_off) {
    return !mitigations_off &&
           (kpti == KptiSetting::kOn || (kpti == KptiSetting::kAuto && v.meltdown));
}

SpeculationMitigations choose_mitigations(const CpuSpeculationFacts& cpu,
                                          const CpuVulnerabilities& v, bool mitigations_off,
                                          SpectreV2Setting spectre_v2, bool mds_off) {
    SpeculationMitigations m;
    if (mitigations_off) return m;
    const bool want_v2 = spectre_v2 == SpectreV2Setting::kOn ||
                         spectre_v2 == SpectreV2Setting::kRetpoline ||
                         (spectre_v2 == SpectreV2Setting::kAuto && v.spectre_v2);
    if (want_v2) {
        // Enhanced IBRS is IBRS_ALL with the IBRS control to set.
        const bool eibrs = v.enhanced_ibrs && cpu.ibrs;
        m.spectre_v2 = eibrs && spectre_v2 != SpectreV2Setting::kRetpoline
                           ? SpectreV2Mode::kEnhancedIbrs
                           : SpectreV2Mode::kRetpoline;
        m.ibpb_on_switch = cpu.ibpb;
        m.fill_return_buffer = true;
    }
    m.clear_cpu_buffers = !mds_off && (v.mds || v.taa);
    return m;
}

namespace {

// "retpoline,ibpb,rsb" and the like, into `out` (at least 32 bytes).
const char* describe_spectre_v2(const CpuVulnerabilities& v, const SpeculationMitigations& m,
                                char* out, size_t size) {
    if (m.spectre_v2 == SpectreV2Mode::kNone) return v.spectre_v2 ? "vulnerable" : "not-affected";
    format(out, size, "%s%s%s", m.spectre_v2 == SpectreV2Mode::kRetpoline ? "retpoline" : "eibrs",
           m.ibpb_on_switch ? ",ibpb" : "", m.fill_return_buffer ? ",rsb" : "");
    return out;
}

}  // namespace

size_t describe_mitigations(const CpuVulnerabilities& v, const SpeculationMitigations& in_force,
                            bool md_clear, KptiSetting kpti, bool mitigations_off,
                            bool kpti_available, bool swapgs_fenced, char* out, size_t size) {
    // Isolation forced on where the CPU needs none is still in force, and
    // said so (QEMU's TCG CPUs, in the tests).
    const char* meltdown = kpti_wanted(v, kpti, mitigations_off) && kpti_available ? "kpti"
                           : !v.meltdown                                           ? "not-affected"
                                                                                   : "vulnerable";
    char spectre_v2[32];
    const char* mds = !v.mds && !v.taa              ? "not-affected"
                      : !in_force.clear_cpu_buffers ? "vulnerable"
                      : md_clear                    ? "verw"
                                                    : "verw-no-microcode";
    // The fences cost one lfence per interrupt: kept even with
    // mitigations=off (they are in the entry code, not switched).
    const char* swapgs = !v.swapgs ? "not-affected" : swapgs_fenced ? "lfence" : "vulnerable";
    size_t n = format(out, size, "meltdown=%s spectre_v2=%s mds=%s swapgs=%s", meltdown,
                      describe_spectre_v2(v, in_force, spectre_v2, sizeof spectre_v2), mds, swapgs);
    return size && n >= size ? size - 1 : n;
}

}  // namespace nyanos
