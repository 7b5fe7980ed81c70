#include "arch/x86_64/cpu.h"

#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/cpu_local.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/speculation.h"
#include "lib/console.h"

namespace nyanos::arch {

namespace {

constexpr uint32_t kMsrEfer = 0xc0000080;
constexpr uint64_t kEferNxe = 1ull << 11;
constexpr uint32_t kMsrPat = 0x277;

constexpr uint64_t kCr0MonitorCoprocessor = 1ull << 1;
constexpr uint64_t kCr0Emulation = 1ull << 2;
constexpr uint64_t kCr0TaskSwitched = 1ull << 3;
constexpr uint64_t kCr0NumericError = 1ull << 5;
constexpr uint64_t kCr0WriteProtect = 1ull << 16;
constexpr uint64_t kCr0NotWriteThrough = 1ull << 29;
constexpr uint64_t kCr0CacheDisable = 1ull << 30;

constexpr uint64_t kCr4De = 1ull << 3;
constexpr uint64_t kCr4Mce = 1ull << 6;
constexpr uint64_t kCr4Pge = 1ull << 7;
constexpr uint64_t kCr4Osfxsr = 1ull << 9;
constexpr uint64_t kCr4Osxmmexcpt = 1ull << 10;
constexpr uint64_t kCr4Umip = 1ull << 11;
constexpr uint64_t kCr4Fsgsbase = 1ull << 16;
constexpr uint64_t kCr4Osxsave = 1ull << 18;
constexpr uint64_t kCr4Smep = 1ull << 20;
constexpr uint64_t kCr4Smap = 1ull << 21;
// CR4 bits the boot CPU was handed by the loader or firmware that every
// other CPU must share: global pages (the kernel maps its stacks global),
// machine checks delivered to #MC rather than shutting the CPU down, and
// debugging extensions (DR4/DR5 undefined), all as the boot CPU has them.
// (OSXSAVE is the kernel's own decision: see program_this_cpu.)
constexpr uint64_t kCr4Inherited = kCr4De | kCr4Mce | kCr4Pge;

struct Features {
    bool nx = false;
    bool smep = false;
    bool smap = false;
    bool umip = false;
    bool invariant_tsc = false;
    bool rdrand = false;
    bool rdseed = false;
    unsigned phys_bits = 36;
    bool pat = false;
    // Taken from the boot CPU as it was entered, for the other CPUs.
    uint64_t cr4_inherited = 0;
    uint64_t pat_value = 0;
    // XSAVE components every CPU enables (choose_xcr0); 0: no XSAVE, CR4.OSXSAVE off.
    uint64_t xcr0 = 0;
    // CPUID.(0xD,0).EBX once XCR0 is set: the standard-format area size.
    uint32_t xsave_size = 0;
    uint32_t leaf1_edx = 0;  // CPUID.1:EDX, AT_HWCAP
};
Features g_features;

void xsetbv0(uint64_t value) {
    asm volatile("xsetbv" : : "c"(0), "a"(uint32_t(value)), "d"(uint32_t(value >> 32)));
}

Features detect_features() {
    Features f;
    uint32_t max_leaf = cpuid(0).eax;
    CpuidResult leaf1 = cpuid(1);
    XsaveCpuid xsave{.xsave = bool(leaf1.ecx & (1u << 26)), .avx = bool(leaf1.ecx & (1u << 28))};
    if (max_leaf >= 7) {
        CpuidResult leaf7 = cpuid(7, 0);
        f.smep = leaf7.ebx & (1u << 7);
        f.smap = leaf7.ebx & (1u << 20);
        f.umip = leaf7.ecx & (1u << 2);
        f.rdseed = leaf7.ebx & (1u << 18);
        xsave.avx512f = leaf7.ebx & (1u << 16);
    }
    if (xsave.xsave && max_leaf >= 0xd) {
        CpuidResult leaf_d = cpuid(0xd, 0);
        xsave.supported = leaf_d.eax | uint64_t(leaf_d.edx) << 32;
    }
    f.xcr0 = choose_xcr0(xsave);
    f.leaf1_edx = leaf1.edx;
    uint32_t max_ext = cpuid(0x80000000).eax;
    if (max_ext >= 0x80000001) f.nx = cpuid(0x80000001).edx & (1u << 20);
    if (max_ext >= 0x80000007) f.invariant_tsc = cpuid(0x80000007).edx & (1u << 8);
    if (max_ext >= 0x80000008) {
        unsigned bits = cpuid(0x80000008).eax & 0xff;
        if (bits >= 32 && bits <= 52) f.phys_bits = bits;
    }
    f.pat = leaf1.edx & (1u << 16);
    f.rdrand = leaf1.ecx & (1u << 30);
    f.cr4_inherited = read_cr4() & kCr4Inherited;
    if (f.pat) f.pat_value = rdmsr(kMsrPat);
    return f;
}

// Programs the calling CPU's control registers and feature MSRs from `f`:
// the one place that decides how every CPU is set up, the boot CPU and the
// application processors alike. Interrupts off.
void program_this_cpu(const Features& f) {
    // NXE: the loaders set it (their page tables use NX bits); keep it on.
    if (f.nx) wrmsr(kMsrEfer, rdmsr(kMsrEfer) | kEferNxe);

    // WP: read-only pages are read-only for the kernel too. The x87/SSE
    // bits make user code that uses SSE work (the kernel itself is built
    // with general registers only). CD and NW clear: caches on (an
    // application processor comes out of INIT with them set).
    uint64_t cr0 = read_cr0();
    cr0 |= kCr0WriteProtect | kCr0MonitorCoprocessor | kCr0NumericError;
    cr0 &= ~(kCr0Emulation | kCr0TaskSwitched | kCr0CacheDisable | kCr0NotWriteThrough);
    write_cr0(cr0);

    // OSXSAVE with XSAVE: user code may then use AVX (and sees OSXSAVE in
    // CPUID, and XCR0 through xgetbv, as glibc checks). FSGSBASE off,
    // whatever the firmware left: with it, user code could change its FS
    // and GS bases behind the kernel's back (rdfsbase/wrfsbase), and the
    // scheduler switches them only as the kernel set them (user_segments.h);
    // AT_HWCAP2 tells user code it is off.
    uint64_t cr4 = read_cr4() | kCr4Osfxsr | kCr4Osxmmexcpt | f.cr4_inherited;
    cr4 &= ~(kCr4Fsgsbase | kCr4Osxsave);
    if (f.xcr0) cr4 |= kCr4Osxsave;
    if (f.smep) cr4 |= kCr4Smep;
    if (f.umip) cr4 |= kCr4Umip;
    if (f.smap) {
        // RFLAGS.AC must be clear when SMAP goes on, or user access is open.
        asm volatile("clac" ::: "memory");
        cr4 |= kCr4Smap;
    }
    write_cr4(cr4);
    // The same XSAVE components and memory types as the boot CPU: XCR0
    // tells user code which registers it may use (and sizes every thread's
    // save area), and every CPU that walks the shared page tables must read
    // their PAT bits the same way.
    if (f.xcr0) xsetbv0(f.xcr0);
    if (f.pat) wrmsr(kMsrPat, f.pat_value);
}

}  // namespace

bool cpu_has_nx() {
    return g_features.nx;
}
bool cpu_has_smep() {
    return g_features.smep;
}
bool cpu_has_smap() {
    return g_features.smap;
}
bool cpu_has_umip() {
    return g_features.umip;
}
bool cpu_has_invariant_tsc() {
    return g_features.invariant_tsc;
}
bool cpu_has_rdrand() {
    return g_features.rdrand;
}
bool cpu_has_rdseed() {
    return g_features.rdseed;
}
unsigned phys_address_bits() {
    return g_features.phys_bits;
}

uint64_t xcr0_enabled() {
    return g_features.xcr0;
}
size_t xsave_size() {
    return g_features.xsave_size;
}
size_t fpu_area_size() {
    return fpu_area_bytes(g_features.xcr0, g_features.xsave_size);
}
uint64_t linux_hwcap() {
    return g_features.leaf1_edx;
}
uint64_t linux_hwcap2() {
    return linux_hwcap2_for(read_cr4() & kCr4Fsgsbase);
}
const char* linux_platform() {
    return "x86_64";
}

CpuSpeculationFacts read_speculation_facts() {
    CpuSpeculationFacts f;
    CpuidResult vendor = cpuid(0);
    char name[13];
    __builtin_memcpy(name, &vendor.ebx, 4);
    __builtin_memcpy(name + 4, &vendor.edx, 4);
    __builtin_memcpy(name + 8, &vendor.ecx, 4);
    name[12] = '\0';
    auto is = [&](const char* s) { return __builtin_memcmp(name, s, 12) == 0; };
    f.vendor = is("GenuineIntel")   ? CpuVendor::kIntel
               : is("AuthenticAMD") ? CpuVendor::kAmd
               : is("HygonGenuine") ? CpuVendor::kHygon
               : is("CentaurHauls") ? CpuVendor::kCentaur
               : is("  Shanghai  ") ? CpuVendor::kZhaoxin
                                    : CpuVendor::kOther;
    // The display family and model (SDM vol. 2, CPUID leaf 1).
    uint32_t signature = cpuid(1).eax;
    f.family = (signature >> 8) & 0xf;
    f.model = (signature >> 4) & 0xf;
    if (f.family == 0xf) f.family += (signature >> 20) & 0xff;
    if (f.family >= 6) f.model |= ((signature >> 16) & 0xf) << 4;
    if (vendor.eax >= 7) {
        CpuidResult leaf7 = cpuid(7, 0);
        f.md_clear = leaf7.edx & (1u << 10);
        f.rtm = leaf7.ebx & (1u << 11);
        f.ibrs = f.ibpb = leaf7.edx & (1u << 26);
        f.stibp = leaf7.edx & (1u << 27);
        constexpr uint32_t kMsrArchCapabilities = 0x10a;
        if (leaf7.edx & (1u << 29)) f.arch_capabilities = rdmsr(kMsrArchCapabilities);
    }
    if (cpuid(0x80000000).eax >= 0x80000008) {
        uint32_t ebx = cpuid(0x80000008).ebx;
        f.amd_ssb_no = ebx & (1u << 26);
        f.ibpb |= bool(ebx & (1u << 12));
        f.ibrs |= bool(ebx & (1u << 14));
        f.stibp |= bool(ebx & (1u << 15));
    }
    return f;
}

void init_cpu() {
    init_gdt();  // reloads GS, so the per-CPU area goes in after it
    install_cpu_local(boot_cpu_entry());
    init_idt();
    // The 8259s power up sending IRQ 0..7 to vectors 8..15, the exception
    // vectors: move them out of the way and mask every line, whichever
    // controller ends up routing IRQs.
    pic::remap_and_mask_all();

    Features f = detect_features();
    program_this_cpu(f);
    // With XCR0 set, CPUID reports the save area for exactly its components.
    if (f.xcr0) f.xsave_size = cpuid(0xd, 0).ebx;
    // Publish only now: UserAccessGuard uses stac/clac only once SMAP is on.
    g_features = f;

    kprintf("cpu: gdt+tss+idt loaded; nx=%d wp=1 smep=%d smap=%d umip=%d invariant_tsc=%d\n",
            int(f.nx), int(f.smep), int(f.smap), int(f.umip), int(f.invariant_tsc));
    if (f.xcr0)
        kprintf("cpu: xsave xcr0=0x%lx, fpu area %lu bytes\n", f.xcr0, fpu_area_size());
    else
        kprintf("cpu: no xsave: fxsave, fpu area %lu bytes\n", fpu_area_size());
}

void init_ap_cpu(unsigned index, uint8_t* tss_stacks) {
    init_gdt_for_ap(index, tss_stacks);
    load_idt();
    program_this_cpu(g_features);
    apply_speculation_mitigations_on_ap();
}

}  // namespace nyanos::arch
