#include "arch/x86_64/ipi.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/smp.h"
#include "lib/panic.h"

namespace nyanos::arch {

namespace {
constexpr unsigned kIpiVectorCount = kLastIpiVector - kFirstIpiVector + 1;
IpiHandler g_handlers[kIpiVectorCount] = {};

IpiHandler& handler_slot(uint8_t vector) {
    VERIFY(vector >= kFirstIpiVector && vector <= kLastIpiVector);
    return g_handlers[vector - kFirstIpiVector];
}
}  // namespace

void send_ipi(unsigned cpu, uint8_t vector) {
    CpuEntryArea* area = cpu_entry_area(cpu);
    VERIFY(area);
    apic::send_fixed_ipi(area->apic_id, vector);
}

void send_ipi_to_others(uint8_t vector) {
    apic::send_fixed_ipi_to_others(vector);
}

void set_ipi_handler(uint8_t vector, IpiHandler handler) {
    __atomic_store_n(&handler_slot(vector), handler, __ATOMIC_RELEASE);
}

void handle_ipi(uint8_t vector) {
    apic::send_eoi();
    if (IpiHandler handler = __atomic_load_n(&handler_slot(vector), __ATOMIC_ACQUIRE)) handler();
}

}  // namespace nyanos::arch
