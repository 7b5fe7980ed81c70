// Interrupt vectors for devices that signal by message (MSI, MSI-X): a
// driver asks for a vector, which comes bound to its handler and aimed at
// the CPU that asked, programs its device with it, and the interrupt
// dispatcher calls the handler when the vector arrives, then sends the end
// of interrupt. The bookkeeping is lib/device_vector_table.h's; this layer
// owns the one table, its lock and the dispatch. It knows nothing of the
// devices: drivers register from above.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::arch {

// The vectors handed to devices: above the ISA IRQs (48..63), below the
// IPIs (0xf0..0xf3), LAPIC error and spurious vectors (254, 255); 0xe0..0xef
// are left for the kernel's own later needs. Handlers run with interrupts
// off, so the LAPIC's priority classes (vector >> 4) only decide which of
// several pending vectors comes first: a device's before the timer's (32).
inline constexpr uint8_t kFirstDeviceVector = 0x40;
inline constexpr uint8_t kLastDeviceVector = 0xdf;

// Runs in interrupt context, interrupts off, on the CPU the vector is aimed
// at, on the kernel stack of whatever that CPU was running (a driver with
// deep work switches stacks itself). It must not block or switch tasks; it
// may take IRQ-saving locks (docs/locking.md). The end of interrupt follows
// its return.
using DeviceInterruptHandler = void (*)(void* context);

struct DeviceVector {
    uint8_t vector = 0;
    uint32_t cpu = 0;      // the CPU index it is aimed at: the caller's
    uint32_t apic_id = 0;  // that CPU's local APIC id, for the MSI address
};

// Binds a free device vector to handler(context), for the calling CPU, and
// records `name` (a string that outlives the binding: a literal) for
// /proc/interrupts. The caller then programs its device's message (MSI or
// MSI-X) with the result; an interrupt that arrives from then on finds the
// handler. kBusy when every device vector is taken, kInvalid for a null
// handler or name. Any context (takes an IRQ-saving leaf lock).
Result<DeviceVector> allocate_device_vector(DeviceInterruptHandler handler, void* context,
                                            const char* name);

// Unbinds `vector` and waits until no CPU is still running its handler, so
// the caller may free the handler's context afterwards. The device must
// already have stopped sending it (MSI off, or never programmed). Not from
// the vector's own handler (it would wait for itself). False if `vector`
// was not bound.
bool free_device_vector(uint8_t vector);

// One bound vector, for listings.
struct DeviceVectorInfo {
    uint8_t vector = 0;
    uint32_t cpu = 0;
    uint64_t count = 0;  // interrupts handled
    const char* name = nullptr;
};

// The `n`-th bound vector in vector order (0 for the first), copied to
// `out`; false when fewer are bound. A snapshot: counts keep moving, and a
// vector bound or freed between two calls shifts the others.
bool device_vector_at(size_t n, DeviceVectorInfo& out);

// Device vectors that arrived with no handler bound (a device left aimed
// at a freed vector, or a stray `int`): counted, acknowledged, ignored.
uint64_t stray_device_interrupts();

// For arch_interrupt_dispatch: true if `vector` is a device vector, which it
// then handled (handler, if bound, then the end of interrupt).
bool handle_device_vector(uint64_t vector);

}  // namespace nyanos::arch
