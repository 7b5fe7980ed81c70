// The C++ side of interrupt entry: arch_interrupt_dispatch() and the IRQ
// handler table.
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/ipi.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/device_vectors.h"
#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/timer.h"
#include "lib/console.h"

namespace nyanos::arch {

namespace {

enum class Router : uint8_t { kNone, kPic, kIoApic };

void (*g_irq_handlers[kIsaIrqCount])() = {};
uint16_t g_irq_unmasked = 0;  // what the drivers asked for, bit per IRQ
Router g_router = Router::kNone;
uint64_t g_unexpected_vectors = 0;
UserReturnHook g_user_return_hook = nullptr;

void apply_mask(unsigned irq) {
    bool masked = !(g_irq_unmasked & (1u << irq));
    switch (g_router) {
        case Router::kNone:
            break;
        case Router::kPic:
            masked ? pic::mask(irq) : pic::unmask(irq);
            break;
        case Router::kIoApic:
            apic::ioapic_route(irq, uint8_t(kIrqVectorBase + irq), masked);
            break;
    }
}

void handle_irq(unsigned irq) {
    if (g_router == Router::kPic && pic::is_spurious(irq)) return;
    if (auto handler = g_irq_handlers[irq]) handler();
    if (g_router == Router::kPic) {
        pic::send_eoi(irq);
    } else {
        apic::send_eoi();
    }
}

}  // namespace

// Called by init_timer() once the LAPIC and the IOAPIC (if any) are set up.
void activate_irq_routing(bool use_ioapic) {
    g_router = use_ioapic ? Router::kIoApic : Router::kPic;
    if (!use_ioapic) apic::enable_legacy_pic_delivery();
    for (unsigned irq = 0; irq < kIsaIrqCount; ++irq) apply_mask(irq);
}

void set_user_return_hook(UserReturnHook hook) {
    g_user_return_hook = hook;
}

bool set_irq_handler(unsigned irq, void (*handler)()) {
    if (irq >= kIsaIrqCount) return false;
    g_irq_handlers[irq] = handler;
    return true;
}

bool unmask_irq(unsigned irq) {
    if (irq >= kIsaIrqCount) return false;
    InterruptDisabler guard;
    g_irq_unmasked |= uint16_t(1u << irq);
    apply_mask(irq);
    return true;
}

bool mask_irq(unsigned irq) {
    if (irq >= kIsaIrqCount) return false;
    InterruptDisabler guard;
    g_irq_unmasked &= uint16_t(~(1u << irq));
    apply_mask(irq);
    return true;
}

}  // namespace nyanos::arch

using namespace nyanos::arch;

extern "C" void arch_interrupt_dispatch(InterruptFrame* frame) {
    // User code may set RFLAGS.AC, which an interrupt keeps: close SMAP
    // again so the handler cannot touch user memory by accident. (iretq
    // restores the user's flags.)
    if (frame->from_user() && cpu_has_smap()) asm volatile("clac" ::: "memory");
    uint64_t vector = frame->vector;
    if (vector < 32) {
        handle_exception(*frame);
    } else if (vector == kTimerVector) {
        handle_timer_interrupt(*frame);
    } else if (vector >= kIrqVectorBase && vector < kIrqVectorBase + kIsaIrqCount) {
        handle_irq(unsigned(vector - kIrqVectorBase));
    } else if (handle_device_vector(vector)) {
        // A device's message-signalled interrupt (device_vectors.h).
    } else if (vector >= kFirstIpiVector && vector <= kLastIpiVector) {
        handle_ipi(uint8_t(vector));
    } else if (vector == kSpuriousVector) {
        // A spurious LAPIC interrupt gets no EOI.
    } else {
        // The LAPIC error vector or a stray `int N`: note it, acknowledge it.
        if (g_unexpected_vectors++ < 4)
            nyanos::kprintf("interrupt: unexpected vector %lu\n", vector);
        if (vector == kApicErrorVector) apic::send_eoi();
    }
    // Whatever the handler did (a Ctrl-C, a kill from another CPU, a switch
    // away and back), the way back to user mode goes past the hook.
    if (frame->from_user()) {
        if (UserReturnHook hook = g_user_return_hook) hook(*frame);
    }
}
