#include "arch/x86_64/speculation.h"

#include <stddef.h>

#include "arch/x86_64/switch_extras.h"
#include "boot_info.h"
#include "lib/panic.h"

// retpoline.S and the linker script's patch-site lists.
extern "C" const uint64_t speculation_thunks[16];
extern "C" const uint64_t __verw_sites_start[], __verw_sites_end[];
extern "C" const uint64_t __rsb_sites_start[], __rsb_sites_end[];
// Every five-byte call or jump to a thunk (scripts/gen-retpoline-sites.py).
extern "C" const uint64_t retpoline_sites[], retpoline_sites_end[];

namespace nyanos::arch {

bool g_ibpb_on_switch = false;

namespace {

constexpr uint32_t kMsrSpecCtrl = 0x48;
constexpr uint64_t kSpecCtrlIbrs = 1;

// Set on the boot CPU, read by each AP as it starts.
bool g_enhanced_ibrs = false;

constexpr uint8_t kJmpRel32 = 0xe9;
constexpr uint8_t kNop5[5] = {0x0f, 0x1f, 0x44, 0x00, 0x00};  // `nopl 0(%rax,%rax)`
constexpr uint8_t kInt3 = 0xcc;

// The kernel text is mapped read-only (with CR0.WP on); the loader put the
// image in one physically contiguous block, so its writable alias in the
// direct map is a fixed offset away.
uint8_t* writable_alias(uint64_t text, size_t size) {
    const boot::BootInfo& info = boot_info();
    VERIFY(text >= info.kernel_virt_base &&
           text + size <= info.kernel_virt_base + info.kernel_virt_size);
    return phys_to_virt<uint8_t>(text - info.kernel_virt_base + info.kernel_phys_base);
}

void patch_text(uint64_t at, const uint8_t* bytes, size_t size) {
    uint8_t* alias = writable_alias(at, size);
    for (size_t i = 0; i < size; ++i) alias[i] = bytes[i];
}

const uint8_t* text(uint64_t at) {
    return reinterpret_cast<const uint8_t*>(at);
}

// A retpoline thunk becomes `jmp *%REG; int3` (the int3 stops straight-line
// speculation past the jump).
void make_thunk_plain(unsigned reg) {
    uint8_t code[4];
    size_t n = 0;
    if (reg >= 8) code[n++] = 0x41;  // REX.B: r8..r15
    code[n++] = 0xff;                // jmp r/m64 (/4), mod=11
    code[n++] = uint8_t(0xe0 + (reg & 7));
    code[n++] = kInt3;
    patch_text(speculation_thunks[reg], code, n);
}

constexpr uint8_t kCallRel32 = 0xe8;
constexpr uint8_t kCsPrefix = 0x2e;  // ignored in 64-bit mode: pads an instruction

// Which thunk a call or jump at `site` goes to: its register number, or -1.
int thunk_register(uint64_t site) {
    const uint8_t* p = text(site);
    if (p[0] != kCallRel32 && p[0] != kJmpRel32) return -1;
    int32_t rel;
    __builtin_memcpy(&rel, p + 1, sizeof rel);
    uint64_t target = site + 5 + int64_t(rel);
    for (unsigned reg = 0; reg < 16; ++reg)
        if (speculation_thunks[reg] && speculation_thunks[reg] == target) return int(reg);
    return -1;
}

// `call __x86_indirect_thunk_REG` becomes `call *%REG`, and `jmp` the same,
// padded with CS prefixes to the same five bytes: one instruction, so an
// unaffected CPU pays nothing for the thunk.
void make_call_sites_plain() {
    for (const uint64_t* site = retpoline_sites; site != retpoline_sites_end; ++site) {
        int reg = thunk_register(*site);
        VERIFY(reg >= 0);  // a stale list would rewrite the wrong bytes
        const bool call = text(*site)[0] == kCallRel32;
        uint8_t code[5];
        const size_t length = reg >= 8 ? 3 : 2;
        size_t i = 0;
        while (i < sizeof code - length) code[i++] = kCsPrefix;
        if (reg >= 8) code[i++] = 0x41;  // REX.B: r8..r15
        code[i++] = 0xff;                // call r/m64 (/2) or jmp r/m64 (/4), mod=11
        code[i++] = uint8_t((call ? 0xd0 : 0xe0) + (reg & 7));
        patch_text(*site, code, sizeof code);
    }
}

// Every site starts as a jump over its body (speculation.inc).
void check_sites(const uint64_t* begin, const uint64_t* end) {
    for (const uint64_t* site = begin; site != end; ++site) VERIFY(text(*site)[0] == kJmpRel32);
}

// Each site's jump over its body becomes a nop, so the body runs.
void enable_sites(const uint64_t* begin, const uint64_t* end) {
    for (const uint64_t* site = begin; site != end; ++site) patch_text(*site, kNop5, sizeof kNop5);
}

unsigned count_enabled(const uint64_t* begin, const uint64_t* end) {
    unsigned n = 0;
    for (const uint64_t* site = begin; site != end; ++site) n += text(*site)[0] != kJmpRel32;
    return n;
}

void set_ibrs_if_enhanced() {
    if (g_enhanced_ibrs) wrmsr(kMsrSpecCtrl, rdmsr(kMsrSpecCtrl) | kSpecCtrlIbrs);
}

}  // namespace

void apply_speculation_mitigations(const SpeculationMitigations& m) {
    check_sites(__verw_sites_start, __verw_sites_end);
    check_sites(__rsb_sites_start, __rsb_sites_end);
    if (m.spectre_v2 != SpectreV2Mode::kRetpoline) {
        // The thunks too: hand-written and conditional branches to them
        // are not in the list.
        for (unsigned reg = 0; reg < 16; ++reg)
            if (speculation_thunks[reg]) make_thunk_plain(reg);
        make_call_sites_plain();
    }
    if (m.clear_cpu_buffers) enable_sites(__verw_sites_start, __verw_sites_end);
    if (m.fill_return_buffer) enable_sites(__rsb_sites_start, __rsb_sites_end);
    // Code written through another linear address: a serializing
    // instruction before any of it runs (Intel SDM vol. 3, 8.1.3).
    cpuid(0);
    g_enhanced_ibrs = m.spectre_v2 == SpectreV2Mode::kEnhancedIbrs;
    g_ibpb_on_switch = m.ibpb_on_switch;
    if (g_ibpb_on_switch) add_switch_extra(kSwitchIbpb);
    set_ibrs_if_enhanced();
}

void apply_speculation_mitigations_on_ap() {
    set_ibrs_if_enhanced();
}

SpeculationPatchState speculation_patch_state() {
    SpeculationPatchState s;
    // A retpoline starts with `call rel32`.
    s.retpolines = text(speculation_thunks[0])[0] == kCallRel32;
    s.call_sites = unsigned(retpoline_sites_end - retpoline_sites);
    s.call_sites_plain = 0;
    for (const uint64_t* site = retpoline_sites; site != retpoline_sites_end; ++site)
        s.call_sites_plain += thunk_register(*site) < 0;
    s.verw_sites_on = count_enabled(__verw_sites_start, __verw_sites_end);
    s.verw_sites = unsigned(__verw_sites_end - __verw_sites_start);
    s.rsb_sites_on = count_enabled(__rsb_sites_start, __rsb_sites_end);
    s.rsb_sites = unsigned(__rsb_sites_end - __rsb_sites_start);
    return s;
}

}  // namespace nyanos::arch
