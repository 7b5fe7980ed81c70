#include "arch/x86_64/exceptions.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/symbols.h"
#include "lib/console.h"
#include "lib/panic.h"

namespace nyanos::arch {

namespace {

struct ExceptionInfo {
    const char* mnemonic;
    const char* name;
};

constexpr ExceptionInfo kExceptions[32] = {
    {"#DE", "divide error"},
    {"#DB", "debug"},
    {"NMI", "non-maskable interrupt"},
    {"#BP", "breakpoint"},
    {"#OF", "overflow"},
    {"#BR", "bound range exceeded"},
    {"#UD", "invalid opcode"},
    {"#NM", "device not available"},
    {"#DF", "double fault"},
    {"#CSO", "coprocessor segment overrun"},
    {"#TS", "invalid TSS"},
    {"#NP", "segment not present"},
    {"#SS", "stack-segment fault"},
    {"#GP", "general protection fault"},
    {"#PF", "page fault"},
    {"#15", "reserved"},
    {"#MF", "x87 floating-point error"},
    {"#AC", "alignment check"},
    {"#MC", "machine check"},
    {"#XM", "SIMD floating-point error"},
    {"#VE", "virtualization exception"},
    {"#CP", "control protection"},
    {"#22", "reserved"},
    {"#23", "reserved"},
    {"#24", "reserved"},
    {"#25", "reserved"},
    {"#26", "reserved"},
    {"#27", "reserved"},
    {"#HV", "hypervisor injection"},
    {"#VC", "VMM communication"},
    {"#SX", "security exception"},
    {"#31", "reserved"},
};

constexpr uint64_t kVectorPageFault = 14;
constexpr uint64_t kVectorGeneralProtection = 13;

struct FaultFixup {
    uint64_t begin, end, fixup;
};
FaultFixup g_fixups[kMaxFaultFixups];
unsigned g_fixup_count = 0;

UserFaultHandler g_user_fault_handler = nullptr;
bool g_reporting = false;

bool try_fixup(InterruptFrame& frame) {
    if (frame.vector != kVectorPageFault && frame.vector != kVectorGeneralProtection) return false;
    for (unsigned i = 0; i < g_fixup_count; ++i) {
        const FaultFixup& f = g_fixups[i];
        if (frame.rip >= f.begin && frame.rip < f.end) {
            frame.rip = f.fixup;
            frame.rax = frame.vector;
            return true;
        }
    }
    return false;
}

// "present, write, user, ..." for a page-fault error code.
void print_page_fault_cause(uint64_t error) {
    kprintf("  cause: %s, %s, %s mode%s%s%s\n",
            error & 1 ? "protection violation" : "page not present", error & 2 ? "write" : "read",
            error & 4 ? "user" : "kernel", error & 8 ? ", reserved bit set" : "",
            error & 16 ? ", instruction fetch" : "", error & 32 ? ", protection key" : "");
}

void print_registers(const InterruptFrame& f) {
    kprintf("  rip=%016lx cs=%04lx rflags=%016lx\n", f.rip, f.cs, f.rflags);
    kprintf("  rsp=%016lx ss=%04lx\n", f.rsp, f.ss);
    kprintf("  rax=%016lx rbx=%016lx rcx=%016lx\n", f.rax, f.rbx, f.rcx);
    kprintf("  rdx=%016lx rsi=%016lx rdi=%016lx\n", f.rdx, f.rsi, f.rdi);
    kprintf("  rbp=%016lx r8 =%016lx r9 =%016lx\n", f.rbp, f.r8, f.r9);
    kprintf("  r10=%016lx r11=%016lx r12=%016lx\n", f.r10, f.r11, f.r12);
    kprintf("  r13=%016lx r14=%016lx r15=%016lx\n", f.r13, f.r14, f.r15);
    kprintf("  cr0=%016lx cr3=%016lx cr4=%016lx\n", read_cr0(), read_cr3(), read_cr4());
}

}  // namespace

const char* exception_mnemonic(uint64_t vector) {
    return vector < 32 ? kExceptions[vector].mnemonic : "?";
}
const char* exception_name(uint64_t vector) {
    return vector < 32 ? kExceptions[vector].name : "?";
}

void set_user_fault_handler(UserFaultHandler handler) {
    g_user_fault_handler = handler;
}

bool register_fault_fixup(uint64_t begin, uint64_t end, uint64_t fixup) {
    if (begin >= end || g_fixup_count == kMaxFaultFixups) return false;
    g_fixups[g_fixup_count++] = FaultFixup{begin, end, fixup};
    return true;
}

void handle_exception(InterruptFrame& frame) {
    if (frame.from_user()) {
        if (UserFaultHandler handler = g_user_fault_handler) {
            handler(frame);
            return;
        }
        // No process layer to hand it to: nothing sensible can run next.
        kernel_fault(frame);
    }
    if (try_fixup(frame)) return;
    kernel_fault(frame);
}

void kernel_fault(const InterruptFrame& frame) {
    disable_interrupts();
    uint64_t cr2 = read_cr2();
    if (g_reporting) {
        // A fault while printing the report: say so in one line and stop.
        kprintf("\nPANIC: nested %s at rip=0x%lx while reporting a fault\n",
                exception_mnemonic(frame.vector), frame.rip);
        stop_after_panic_report();
    }
    g_reporting = true;

    const char* mode = frame.from_user() ? "user mode (no user fault handler)" : "kernel mode";
    // The contract: the first line is `PANIC: <reason>`.
    if (frame.vector == kVectorPageFault) {
        kprintf("\nPANIC: %s %s in %s at rip=0x%lx addr=0x%lx\n", exception_mnemonic(frame.vector),
                exception_name(frame.vector), mode, frame.rip, cr2);
    } else {
        kprintf("\nPANIC: %s %s in %s at rip=0x%lx\n", exception_mnemonic(frame.vector),
                exception_name(frame.vector), mode, frame.rip);
    }
    kprintf("fault: vector %lu (%s, %s) error_code=0x%lx\n", frame.vector,
            exception_mnemonic(frame.vector), exception_name(frame.vector), frame.error_code);
    if (frame.vector == kVectorPageFault) {
        kprintf("  cr2=0x%016lx (the faulting address)\n", cr2);
        print_page_fault_cause(frame.error_code);
    }
    SymbolLookup at = lookup_symbol(frame.rip);
    if (at.name) kprintf("  in %s+0x%lx\n", at.name, at.offset);
    print_registers(frame);
    if (is_on_ist_stack(reinterpret_cast<uint64_t>(&frame)))
        kprintf("  (reported on an IST stack)\n");
    print_backtrace(frame.rip, frame.rbp);
    kprintf("fault: end of report\n");
    stop_after_panic_report();
}

}  // namespace nyanos::arch
