#include "arch/x86_64/gdt.h"

#include <stddef.h>

#include "arch/x86_64/entry_data.h"
#include "lib/panic.h"

namespace nyanos::arch {

namespace {

// A 64-bit TSS: only the stack pointers matter in long mode.
struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];  // rsp[0]: the kernel stack for interrupts from ring 3
    uint64_t reserved1;
    uint64_t ist[7];  // ist[n - 1] is IST slot n
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;  // past the limit: no I/O permission bitmap, so ring 3 has no ports
};
static_assert(sizeof(Tss) == 104);

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

// Code/data descriptor bits (base and limit are ignored in long mode).
constexpr uint64_t kPresent = 1ull << 47;
constexpr uint64_t kCodeOrData = 1ull << 44;  // S: not a system descriptor
constexpr uint64_t kExecutable = 1ull << 43;
constexpr uint64_t kReadWrite = 1ull << 41;  // readable code / writable data
constexpr uint64_t kAccessed = 1ull << 40;   // set in advance: no write to a read-only GDT
constexpr uint64_t kLongMode = 1ull << 53;
constexpr uint64_t kLimitAndGranularity = 0x000f00000000ffffull | (1ull << 55);
constexpr uint64_t dpl(unsigned level) {
    return uint64_t(level) << 45;
}

constexpr uint64_t kCode = kPresent | kCodeOrData | kExecutable | kReadWrite | kAccessed |
                           kLongMode | kLimitAndGranularity;
// Data: the "big" bit (D/B, bit 54) keeps SS usable for SYSRET's flat SS.
constexpr uint64_t kData =
    kPresent | kCodeOrData | kReadWrite | kAccessed | (1ull << 54) | kLimitAndGranularity;

constexpr size_t kGdtEntries = 7;  // null, 4 segments, TSS (two slots)

// One CPU's GDT with its TSS right behind it: GDTR's base is the address of
// the whole block, which is how the functions below find the calling CPU's
// TSS. The task switch does not search: it writes RSP0 through the pointer
// install_cpu_local() keeps in the per-CPU entry area.
struct alignas(64) CpuTables {
    uint64_t gdt[kGdtEntries];
    Tss tss;
    // The top of the stack TSS.RSP0 starts at: the entry stack under
    // page-table isolation (kpti.h), where it stays.
    uint64_t entry_stack_top;
};
static_assert(offsetof(CpuTables, gdt) == 0);

NYANOS_ENTRY_DATA CpuTables g_tables[kMaxCpus];

// The boot CPU's TSS stacks, in .bss (application processors bring their
// own). No guard pages: a double fault on these stacks would triple fault,
// which QEMU reports with -d cpu_reset.
NYANOS_ENTRY_DATA alignas(16) uint8_t g_boot_cpu_stacks[kCpuTssStacksBytes];

// The calling CPU's tables, or nullptr while it still runs on a GDT that
// is not one of ours (the loader's, or an AP's start-up GDT).
CpuTables* find_this_cpu_tables() {
    DescriptorPointer gdtr;
    asm volatile("sgdt %0" : "=m"(gdtr));
    // A range check only: GDTR is only ever loaded with &g_tables[i] or a
    // GDT outside the array.
    uint64_t offset = gdtr.base - reinterpret_cast<uint64_t>(&g_tables[0]);
    if (offset >= sizeof(g_tables)) return nullptr;
    return reinterpret_cast<CpuTables*>(gdtr.base);
}

CpuTables& this_cpu_tables() {
    CpuTables* tables = find_this_cpu_tables();
    VERIFY(tables);
    return *tables;
}

void fill_tss_descriptor(CpuTables& t) {
    uint64_t base = reinterpret_cast<uint64_t>(&t.tss);
    uint64_t limit = sizeof(Tss) - 1;
    constexpr uint64_t kTypeAvailableTss = 0x9ull << 40;  // 64-bit TSS, not busy
    uint64_t low = (limit & 0xffff) | ((base & 0xffffff) << 16) | kTypeAvailableTss | kPresent |
                   (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    t.gdt[5] = low;
    t.gdt[6] = base >> 32;
}

// Fills CPU `index`'s tables (stacks: the IST slots, then RSP0, each
// kIstStackSize bytes) and loads them on the calling CPU.
void build_and_load(unsigned index, uint8_t* stacks) {
    VERIFY(index < kMaxCpus);
    VERIFY((reinterpret_cast<uint64_t>(stacks) & 15) == 0);
    CpuTables& t = g_tables[index];
    t.gdt[0] = 0;
    t.gdt[1] = kCode | dpl(0);  // 0x08
    t.gdt[2] = kData | dpl(0);  // 0x10
    t.gdt[3] = kData | dpl(3);  // 0x18
    t.gdt[4] = kCode | dpl(3);  // 0x20
    auto top = [&](unsigned n) {
        return reinterpret_cast<uint64_t>(stacks + (n + 1) * kIstStackSize);
    };
    t.tss = Tss{};
    t.tss.ist[kIstDoubleFault - 1] = top(0);
    t.tss.ist[kIstNmi - 1] = top(1);
    t.tss.ist[kIstMachineCheck - 1] = top(2);
    t.tss.rsp[0] = top(3);
    t.entry_stack_top = top(3);
    t.tss.iomap_base = sizeof(Tss);
    fill_tss_descriptor(t);

    DescriptorPointer gdtr{uint16_t(sizeof(t.gdt) - 1), reinterpret_cast<uint64_t>(&t)};
    // CS can only be reloaded by a far transfer: push the selector and the
    // target and return "far" to the next instruction.
    asm volatile(
        "lgdt %0\n\t"
        "pushq %1\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movw %w2, %%ax\n\t"
        "movw %%ax, %%ds\n\t"
        "movw %%ax, %%es\n\t"
        "movw %%ax, %%ss\n\t"
        "xorl %%eax, %%eax\n\t"
        "movw %%ax, %%fs\n\t"
        "movw %%ax, %%gs\n\t"
        "ltr %w3"
        :
        : "m"(gdtr), "i"(uint64_t(kKernelCodeSelector)), "r"(uint32_t(kKernelDataSelector)),
          "r"(uint32_t(kTssSelector))
        : "rax", "memory");
}

}  // namespace

void init_gdt() {
    build_and_load(0, g_boot_cpu_stacks);
}

void init_gdt_for_ap(unsigned index, uint8_t* stacks) {
    VERIFY(index != 0);
    build_and_load(index, stacks);
}

void* this_cpu_tss_rsp0() {
    return reinterpret_cast<uint8_t*>(&this_cpu_tables().tss) + offsetof(Tss, rsp);
}
uint64_t this_cpu_entry_stack_top() {
    return this_cpu_tables().entry_stack_top;
}

uint64_t kernel_stack() {
    return this_cpu_tables().tss.rsp[0];
}

bool is_on_ist_stack(uint64_t address) {
    // Also asked from fault reports, possibly before init_gdt(): no VERIFY.
    const CpuTables* tables = find_this_cpu_tables();
    if (!tables) return false;
    constexpr uint8_t kSlots[] = {kIstDoubleFault, kIstNmi, kIstMachineCheck};
    for (uint8_t slot : kSlots) {
        uint64_t top = tables->tss.ist[slot - 1];
        if (address < top && address >= top - kIstStackSize) return true;
    }
    return false;
}

}  // namespace nyanos::arch
