// Which speculative-execution weaknesses a CPU has (lib/cpu_vulnerabilities.h),
// for parts whose Linux 6.1 verdicts are known, and the boot line's text.
#include <doctest/doctest.h>

#include <string>

#include "lib/cpu_vulnerabilities.h"

using namespace nyanos;

namespace {

CpuSpeculationFacts intel(uint32_t model, uint64_t caps = 0) {
    CpuSpeculationFacts f;
    f.vendor = CpuVendor::kIntel;
    f.family = 6;
    f.model = model;
    f.arch_capabilities = caps;
    return f;
}

std::string line(const CpuVulnerabilities& v, KptiSetting kpti = KptiSetting::kAuto,
                 bool off = false, bool kpti_available = false, bool fenced = true,
                 const SpeculationMitigations& in_force = {}, bool md_clear = false) {
    char buf[160];
    size_t n = describe_mitigations(v, in_force, md_clear, kpti, off, kpti_available, fenced, buf,
                                    sizeof buf);
    CHECK(n == std::string(buf).size());
    return buf;
}

}  // namespace

TEST_CASE("cpu vulnerabilities: a Skylake client has them all") {
    CpuVulnerabilities v = find_vulnerabilities(intel(0x5e));  // no ARCH_CAPABILITIES
    CHECK(v.meltdown);
    CHECK(v.spectre_v1);
    CHECK(v.spectre_v2);
    CHECK(v.swapgs);
    CHECK(v.mds);
    CHECK(v.l1tf);
    CHECK(v.store_bypass);
    CHECK(!v.taa);  // no TSX reported
    CHECK(line(v) == "meltdown=vulnerable spectre_v2=vulnerable mds=vulnerable swapgs=lfence");
    CHECK(line(v, KptiSetting::kAuto, false, true) ==
          "meltdown=kpti spectre_v2=vulnerable mds=vulnerable swapgs=lfence");
    CHECK(line(v, KptiSetting::kOff, false, true).rfind("meltdown=vulnerable", 0) == 0);
    CHECK(line(v, KptiSetting::kOn, true, true).rfind("meltdown=vulnerable", 0) == 0);
    CHECK(kpti_wanted(v, KptiSetting::kAuto, false));
    CHECK(!kpti_wanted(v, KptiSetting::kOff, false));
    CHECK(!kpti_wanted(v, KptiSetting::kOn, true));
}

TEST_CASE("cpu vulnerabilities: kpti=on where the CPU needs none is said so") {
    using namespace arch_capability;
    CpuVulnerabilities v = find_vulnerabilities(intel(0x6a, kRdclNo | kMdsNo | kTaaNo));
    REQUIRE(!v.meltdown);
    CHECK(!kpti_wanted(v, KptiSetting::kAuto, false));
    CHECK(kpti_wanted(v, KptiSetting::kOn, false));
    CHECK(line(v, KptiSetting::kAuto, false, true).rfind("meltdown=not-affected", 0) == 0);
    CHECK(line(v, KptiSetting::kOn, false, true).rfind("meltdown=kpti", 0) == 0);
    CHECK(line(v, KptiSetting::kOn, false, false).rfind("meltdown=not-affected", 0) == 0);
}

TEST_CASE("cpu vulnerabilities: what the CPU says of itself clears them") {
    using namespace arch_capability;
    // An Ice Lake server: RDCL_NO, IBRS_ALL, MDS_NO, TAA_NO, SSB not.
    CpuSpeculationFacts f = intel(0x6a, kRdclNo | kIbrsAll | kMdsNo | kTaaNo);
    f.rtm = true;
    CpuVulnerabilities v = find_vulnerabilities(f);
    CHECK(!v.meltdown);
    CHECK(!v.l1tf);
    CHECK(!v.mds);
    CHECK(!v.taa);
    CHECK(v.enhanced_ibrs);
    CHECK(v.spectre_v2);
    CHECK(v.swapgs);
    CHECK(line(v) == "meltdown=not-affected spectre_v2=vulnerable mds=not-affected swapgs=lfence");
    // TSX without TAA_NO: TAA, reported under mds.
    f.arch_capabilities = kRdclNo | kMdsNo;
    v = find_vulnerabilities(f);
    CHECK(v.taa);
    CHECK(!v.mds);
    CHECK(line(v).find("mds=vulnerable") != std::string::npos);
}

TEST_CASE("cpu vulnerabilities: the parts Linux lists as exempt") {
    // An in-order Atom (Bonnell) speculates nothing.
    CpuVulnerabilities v = find_vulnerabilities(intel(0x1c));
    CHECK(!v.spectre_v1);
    CHECK(!v.spectre_v2);
    CHECK(!v.meltdown);
    CHECK(line(v, KptiSetting::kAuto, false, false, false) ==
          "meltdown=not-affected spectre_v2=not-affected mds=not-affected swapgs=not-affected");
    // Silvermont: Meltdown and MDS, but no L1TF, SSB or SWAPGS.
    v = find_vulnerabilities(intel(0x37));
    CHECK(v.meltdown);
    CHECK(!v.l1tf);
    CHECK(!v.store_bypass);
    CHECK(!v.swapgs);
    CHECK(v.mds);
    // Goldmont: no MDS.
    CHECK(!find_vulnerabilities(intel(0x5c)).mds);
    // Any AMD: Spectre yes, Meltdown, MDS, L1TF and SWAPGS no; family
    // 0x17 has store bypass unless it says otherwise.
    CpuSpeculationFacts zen;
    zen.vendor = CpuVendor::kAmd;
    zen.family = 0x17;
    v = find_vulnerabilities(zen);
    CHECK(v.spectre_v2);
    CHECK(!v.meltdown);
    CHECK(!v.mds);
    CHECK(!v.swapgs);
    CHECK(v.store_bypass);
    zen.amd_ssb_no = true;
    CHECK(!find_vulnerabilities(zen).store_bypass);
    // Zhaoxin family 7: no Spectre v2, no SWAPGS.
    CpuSpeculationFacts zx;
    zx.vendor = CpuVendor::kZhaoxin;
    zx.family = 7;
    v = find_vulnerabilities(zx);
    CHECK(!v.spectre_v2);
    CHECK(!v.swapgs);
    CHECK(v.spectre_v1);
    // Family 4 of any vendor: nothing.
    CpuSpeculationFacts old;
    old.vendor = CpuVendor::kAmd;
    old.family = 4;
    CHECK(!find_vulnerabilities(old).spectre_v1);
}

TEST_CASE("cpu vulnerabilities: the line is cut to the buffer") {
    char small[12];
    size_t n = describe_mitigations(find_vulnerabilities(intel(0x5e)), {}, false,
                                    KptiSetting::kAuto, false, false, true, small, sizeof small);
    CHECK(n == sizeof small - 1);
    CHECK(std::string(small) == "meltdown=vu");
}

namespace {

// The boot line for what choose_mitigations() decides on `f`.
std::string chosen_line(const CpuSpeculationFacts& f, bool off = false,
                        SpectreV2Setting v2 = SpectreV2Setting::kAuto, bool mds_off = false) {
    CpuVulnerabilities v = find_vulnerabilities(f);
    return line(v, KptiSetting::kAuto, off, false, true, choose_mitigations(f, v, off, v2, mds_off),
                f.md_clear);
}

}  // namespace

TEST_CASE("speculation mitigations: a Skylake gets retpolines, the RSB fill and VERW") {
    CpuSpeculationFacts f = intel(0x5e);
    f.md_clear = true;
    f.ibrs = f.ibpb = f.stibp = true;
    CpuVulnerabilities v = find_vulnerabilities(f);
    SpeculationMitigations m = choose_mitigations(f, v, false, SpectreV2Setting::kAuto, false);
    CHECK(m.spectre_v2 == SpectreV2Mode::kRetpoline);  // IBRS, but not enhanced
    CHECK(m.ibpb_on_switch);
    CHECK(m.fill_return_buffer);
    CHECK(m.clear_cpu_buffers);
    CHECK(chosen_line(f) ==
          "meltdown=vulnerable spectre_v2=retpoline,ibpb,rsb mds=verw swapgs=lfence");
    // Without the microcode's IBPB and MD_CLEAR (TCG's Skylake): retpolines
    // and the RSB fill need nothing from the CPU, VERW is tried anyway.
    CpuSpeculationFacts tcg = intel(0x5e);
    CHECK(chosen_line(tcg) ==
          "meltdown=vulnerable spectre_v2=retpoline,rsb mds=verw-no-microcode swapgs=lfence");
}

TEST_CASE("speculation mitigations: enhanced IBRS is preferred where the CPU has it") {
    using namespace arch_capability;
    CpuSpeculationFacts f = intel(0x6a, kRdclNo | kIbrsAll | kMdsNo | kTaaNo);
    f.ibrs = f.ibpb = true;
    CpuVulnerabilities v = find_vulnerabilities(f);
    SpeculationMitigations m = choose_mitigations(f, v, false, SpectreV2Setting::kAuto, false);
    CHECK(m.spectre_v2 == SpectreV2Mode::kEnhancedIbrs);
    CHECK(!m.clear_cpu_buffers);
    CHECK(chosen_line(f) ==
          "meltdown=not-affected spectre_v2=eibrs,ibpb,rsb mds=not-affected swapgs=lfence");
    // spectre_v2=retpoline asks for retpolines anyway.
    CHECK(choose_mitigations(f, v, false, SpectreV2Setting::kRetpoline, false).spectre_v2 ==
          SpectreV2Mode::kRetpoline);
    // IBRS_ALL without the IBRS control to set is no enhanced IBRS.
    f.ibrs = false;
    CHECK(choose_mitigations(f, find_vulnerabilities(f), false, SpectreV2Setting::kAuto, false)
              .spectre_v2 == SpectreV2Mode::kRetpoline);
}

TEST_CASE("speculation mitigations: the command line turns them off or on") {
    CpuSpeculationFacts f = intel(0x5e);
    f.md_clear = f.ibpb = f.ibrs = true;
    CpuVulnerabilities v = find_vulnerabilities(f);
    // mitigations=off: nothing, whatever else is said.
    SpeculationMitigations none = choose_mitigations(f, v, true, SpectreV2Setting::kOn, false);
    CHECK(none.spectre_v2 == SpectreV2Mode::kNone);
    CHECK(!none.ibpb_on_switch);
    CHECK(!none.fill_return_buffer);
    CHECK(!none.clear_cpu_buffers);
    CHECK(chosen_line(f, true) ==
          "meltdown=vulnerable spectre_v2=vulnerable mds=vulnerable swapgs=lfence");
    // spectre_v2=off and mds=off each turn off their own.
    CHECK(chosen_line(f, false, SpectreV2Setting::kOff) ==
          "meltdown=vulnerable spectre_v2=vulnerable mds=verw swapgs=lfence");
    CHECK(chosen_line(f, false, SpectreV2Setting::kAuto, true) ==
          "meltdown=vulnerable spectre_v2=retpoline,ibpb,rsb mds=vulnerable swapgs=lfence");
    // spectre_v2=on on a CPU that is not affected: retpolines anyway, named
    // on the line; MDS stays not-affected.
    CpuSpeculationFacts atom = intel(0x1c);
    CHECK(chosen_line(atom, false, SpectreV2Setting::kOn) ==
          "meltdown=not-affected spectre_v2=retpoline,rsb mds=not-affected swapgs=not-affected");
    CHECK(chosen_line(atom) ==
          "meltdown=not-affected spectre_v2=not-affected mds=not-affected swapgs=not-affected");
}

TEST_CASE("speculation mitigations: an AMD part gets IBPB from its own CPUID leaf") {
    CpuSpeculationFacts zen;
    zen.vendor = CpuVendor::kAmd;
    zen.family = 0x17;
    zen.ibpb = true;
    CHECK(chosen_line(zen) ==
          "meltdown=not-affected spectre_v2=retpoline,ibpb,rsb mds=not-affected "
          "swapgs=not-affected");
}

TEST_CASE("speculation mitigations: TAA alone is answered with VERW too") {
    using namespace arch_capability;
    CpuSpeculationFacts f = intel(0x6a, kRdclNo | kMdsNo);
    f.rtm = true;
    f.md_clear = true;
    CpuVulnerabilities v = find_vulnerabilities(f);
    CHECK(!v.mds);
    CHECK(v.taa);
    CHECK(choose_mitigations(f, v, false, SpectreV2Setting::kAuto, false).clear_cpu_buffers);
}
