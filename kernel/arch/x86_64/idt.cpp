// The IDT: 256 interrupt gates pointing at the stubs in interrupts.S.
#include "arch/x86_64/entry_data.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupts.h"

namespace nyanos::arch {

namespace {

struct [[gnu::packed]] Gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;    // bits 0..2: IST slot, 0 = none
    uint8_t flags;  // P, DPL, type
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(Gate) == 16);

struct [[gnu::packed]] IdtPointer {
    uint16_t limit;
    uint64_t base;
};

constexpr uint8_t kPresent = 0x80;
constexpr uint8_t kInterruptGate = 0x0e;  // clears IF on entry
constexpr uint8_t dpl(unsigned level) {
    return uint8_t(level << 5);
}

NYANOS_ENTRY_DATA alignas(16) Gate g_idt[256];

Gate make_gate(uint64_t handler, uint8_t ist, unsigned gate_dpl) {
    return Gate{uint16_t(handler),
                kKernelCodeSelector,
                ist,
                uint8_t(kPresent | dpl(gate_dpl) | kInterruptGate),
                uint16_t(handler >> 16),
                uint32_t(handler >> 32),
                0};
}

}  // namespace

extern "C" char arch_interrupt_stubs[];
extern "C" char arch_interrupt_stubs_kpti[];

namespace {

// Points every gate at its stub in `stubs` (interrupts.S: 16 bytes each).
void fill_gates(const char* stubs) {
    constexpr unsigned kStubSize = 16;  // checked in interrupts.S
    for (unsigned v = 0; v < 256; ++v) {
        uint64_t stub = reinterpret_cast<uint64_t>(stubs) + v * kStubSize;
        uint8_t ist = 0;
        if (v == 2) ist = kIstNmi;
        if (v == 8) ist = kIstDoubleFault;
        if (v == 18) ist = kIstMachineCheck;
        // int3 and into may be executed by user code (DPL 3) and then
        // raise #BP/#OF rather than #GP; every other gate is kernel-only, so
        // `int N` from user mode raises #GP.
        unsigned gate_dpl = (v == 3 || v == 4) ? 3 : 0;
        g_idt[v] = make_gate(stub, ist, gate_dpl);
    }
}

}  // namespace

void init_idt() {
    fill_gates(arch_interrupt_stubs);
    load_idt();
}

void use_kpti_interrupt_paths() {
    fill_gates(arch_interrupt_stubs_kpti);
}

void load_idt() {
    IdtPointer idtr{uint16_t(sizeof(g_idt) - 1), reinterpret_cast<uint64_t>(g_idt)};
    asm volatile("lidt %0" : : "m"(idtr) : "memory");
}

}  // namespace nyanos::arch
