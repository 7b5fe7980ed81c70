// A CPU exception in user mode: the process's memory decides what a page
// fault means (a page to map, a copy-on-write break: mm/process_memory.h);
// otherwise the task dies alone, with a reason its waiter can read.
#include "proc/user_faults.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/interrupts.h"
#include "lib/console.h"
#include "lib/format.h"
#include "nyanos/abi/syscall.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"

namespace nyanos::proc {

namespace {

constexpr uint64_t kVectorPageFault = 14;
// Page-fault error code bits.
constexpr uint64_t kPageFaultPresent = 1;  // a protection fault, not an absent page
constexpr uint64_t kPageFaultWrite = 2;
constexpr uint64_t kPageFaultUser = 4;      // the access was a user-mode one
constexpr uint64_t kPageFaultReserved = 8;  // a reserved bit set in an entry
constexpr uint64_t kPageFaultFetch = 16;    // an instruction fetch
constexpr uint64_t kPageFaultProtKey = 32;  // a protection-key violation

const char* signal_for(uint64_t vector, int& signal) {
    switch (vector) {
        case 0:
            signal = NYAN_SIGFPE;
            return "divide error";
        case 1:
            signal = NYAN_SIGTRAP;
            return "debug";
        case 3:
            signal = NYAN_SIGTRAP;
            return "breakpoint";
        case 6:
            signal = NYAN_SIGILL;
            return "invalid opcode";
        case 13:
            signal = NYAN_SIGSEGV;
            return "general protection";
        case 14:
            signal = NYAN_SIGSEGV;
            return "page fault";
        case 16:
        case 19:
            signal = NYAN_SIGFPE;
            return "floating point";
        default:
            signal = NYAN_SIGSEGV;
            return arch::exception_name(vector);
    }
}

// si_code for the fault's siginfo, as Linux reports it.
int32_t fault_code(const arch::InterruptFrame& frame, int signal, Process& p, uint64_t cr2) {
    switch (frame.vector) {
        case 0:
            return kFpeIntDiv;
        case 6:
            return kIllIllOpn;
        case 3:
            return kSiKernel;  // int3: Linux sends SIGTRAP with SI_KERNEL
        case 14:
            if (signal == NYAN_SIGBUS) return kBusAdrErr;
            // A mapping is there but forbids the access, or there is none.
            {
                MemoryGuard lock(*p.mm);
                return p.mm->memory.regions().find(cr2) ? kSegvAccErr : kSegvMapErr;
            }
        case 13:
            return kSiKernel;  // #GP: no address to report
        default:
            return signal == NYAN_SIGTRAP ? kTrapBrkpt : kSiKernel;
    }
}

// si_addr for a fault that is not a page fault: the faulting instruction
// for SIGILL and SIGFPE, nothing for #GP and int3.
uint64_t fault_address(const arch::InterruptFrame& frame) {
    return (frame.vector == 0 || frame.vector == 6 || frame.vector == 16 || frame.vector == 19)
               ? frame.rip
               : 0;
}

void on_user_fault(arch::InterruptFrame& frame) {
    bool page_fault = frame.vector == kVectorPageFault;
    uint64_t cr2 = page_fault ? arch::read_cr2() : 0;
    // From user mode, where interrupts were on: on again (CR2 is read), as
    // the memory lock is taken with them on and a copy-on-write break may
    // wait for other CPUs (a TLB shootdown). The user return turns them off.
    if (page_fault) arch::enable_interrupts();
    Process* t = current_process();
    mm::FaultResult result = mm::FaultResult::kSegv;
    // Only a user-mode access to a user page is the process's memory to
    // resolve. An implicit supervisor access from user code (a descriptor
    // table read; QEMU's iretq reads its frame that way once the new CS says
    // ring 0, and SMAP refuses it), a reserved bit or a protection key would
    // fault again on a page that already allows the access: killed.
    if (page_fault && (frame.error_code & kPageFaultUser) &&
        !(frame.error_code & (kPageFaultReserved | kPageFaultProtKey))) {
        mm::Access access = (frame.error_code & kPageFaultWrite)   ? mm::Access::kWrite
                            : (frame.error_code & kPageFaultFetch) ? mm::Access::kExecute
                                                                   : mm::Access::kRead;
        {
            MemoryGuard lock(*t->mm);
            result = t->mm->memory.resolve_fault(cr2, access, frame.error_code & kPageFaultPresent);
        }
        if (result == mm::FaultResult::kHandled) return;
    }
    int signal;
    const char* what = signal_for(frame.vector, signal);
    // No memory for the page: SIGSEGV, as before (Linux's OOM killer would
    // send SIGKILL); a file page past the file's end: SIGBUS.
    if (result == mm::FaultResult::kBus) {
        signal = NYAN_SIGBUS;
        what = "bus error";
    }
    // A Linux program may handle the fault: the handler runs on this
    // interrupt's way back to user mode.
    if (signal_fault(signal, fault_code(frame, signal, *t, cr2),
                     page_fault ? cr2 : fault_address(frame)))
        return;
    if (page_fault) {
        format(t->kill_reason, sizeof(t->kill_reason), "killed: %s (%s) at 0x%lx (addr 0x%lx)",
               arch::exception_mnemonic(frame.vector), what, frame.rip, cr2);
    } else {
        format(t->kill_reason, sizeof(t->kill_reason), "killed: %s (%s) at 0x%lx",
               arch::exception_mnemonic(frame.vector), what, frame.rip);
    }
    kprintf("[pid %d %s] %s\n", t->pid, t->name, t->kill_reason);
    exit_current(signal);
}

}  // namespace

void init_user_faults() {
    arch::set_user_fault_handler(on_user_fault);
}

bool prefault_user_page(uint64_t address, bool write) {
    Process* t = current_process();
    if (!t) return false;
    MemoryGuard lock(*t->mm);
    return t->mm->memory.prefault(address, write ? mm::Access::kWrite : mm::Access::kRead) ==
           mm::FaultResult::kHandled;
}

}  // namespace nyanos::proc
