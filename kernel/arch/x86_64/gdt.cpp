#include "arch/x86_64/gdt.h"

#include <stddef.h>

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
alignas(16) uint64_t g_gdt[kGdtEntries] = {
    0,
    kCode | dpl(0),  // 0x08
    kData | dpl(0),  // 0x10
    kData | dpl(3),  // 0x18
    kCode | dpl(3),  // 0x20
    0,               // 0x28: TSS low, filled at init
    0,               // TSS high
};

alignas(16) Tss g_tss;

// IST stacks, in .bss. No guard pages: a double fault on these stacks would
// triple fault, which QEMU reports with -d cpu_reset.
alignas(16) uint8_t g_ist_stacks[3][kIstStackSize];
// The stack for interrupts from ring 3 until the scheduler sets a task's.
alignas(16) uint8_t g_initial_rsp0_stack[16 * 1024];

uint64_t stack_top(uint8_t* stack, size_t size) {
    return reinterpret_cast<uint64_t>(stack + size);
}

void fill_tss_descriptor() {
    uint64_t base = reinterpret_cast<uint64_t>(&g_tss);
    uint64_t limit = sizeof(Tss) - 1;
    constexpr uint64_t kTypeAvailableTss = 0x9ull << 40;  // 64-bit TSS, not busy
    uint64_t low = (limit & 0xffff) | ((base & 0xffffff) << 16) | kTypeAvailableTss | kPresent |
                   (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    g_gdt[5] = low;
    g_gdt[6] = base >> 32;
}

}  // namespace

void init_gdt() {
    g_tss.rsp[0] = stack_top(g_initial_rsp0_stack, sizeof(g_initial_rsp0_stack));
    g_tss.ist[kIstDoubleFault - 1] = stack_top(g_ist_stacks[0], kIstStackSize);
    g_tss.ist[kIstNmi - 1] = stack_top(g_ist_stacks[1], kIstStackSize);
    g_tss.ist[kIstMachineCheck - 1] = stack_top(g_ist_stacks[2], kIstStackSize);
    g_tss.iomap_base = sizeof(Tss);
    fill_tss_descriptor();

    DescriptorPointer gdtr{uint16_t(sizeof(g_gdt) - 1), reinterpret_cast<uint64_t>(g_gdt)};
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

void set_kernel_stack(uint64_t rsp0) {
    g_tss.rsp[0] = rsp0;
}
uint64_t kernel_stack() {
    return g_tss.rsp[0];
}

bool is_on_ist_stack(uint64_t address) {
    uint64_t lo = reinterpret_cast<uint64_t>(&g_ist_stacks[0][0]);
    return address >= lo && address < lo + sizeof(g_ist_stacks);
}

}  // namespace nyanos::arch
