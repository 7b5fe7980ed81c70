#include "arch/x86_64/device_vectors.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu_local.h"
#include "lib/device_vector_table.h"
#include "sync/spinlock.h"
#include "sync/thread_annotations.h"

namespace nyanos::arch {

namespace {

// A leaf lock: dispatch takes it for a copy of the binding and nothing else
// (docs/locking.md).
sync::IrqSpinLock g_vectors_lock;
constinit DeviceVectorTable g_table GUARDED_BY(g_vectors_lock){kFirstDeviceVector,
                                                               kLastDeviceVector};
// Handlers running now, per vector: raised under the lock with the binding
// taken, lowered (atomically) once the handler returned, so that
// free_device_vector can wait for the last one to finish.
uint32_t g_running[256] = {};
uint64_t g_strays = 0;  // relaxed atomic

}  // namespace

Result<DeviceVector> allocate_device_vector(DeviceInterruptHandler handler, void* context,
                                            const char* name) {
    CpuEntryArea& self = this_cpu_entry();
    sync::Guard lock(g_vectors_lock);
    uint8_t vector = TRY(g_table.allocate(handler, context, name, self.index));
    return DeviceVector{vector, self.index, self.apic_id};
}

bool free_device_vector(uint8_t vector) {
    {
        sync::Guard lock(g_vectors_lock);
        if (!g_table.release(vector).ok()) return false;
    }
    // Whoever took the binding before the release has raised the count
    // under the same lock: once it reads zero, no handler of the old
    // binding runs or will run.
    while (__atomic_load_n(&g_running[vector], __ATOMIC_ACQUIRE) != 0) __builtin_ia32_pause();
    return true;
}

bool device_vector_at(size_t n, DeviceVectorInfo& out) {
    sync::Guard lock(g_vectors_lock);
    auto vector = g_table.nth_bound(n);
    if (!vector.ok()) return false;
    DeviceVectorTable::Binding b = g_table.binding(vector.value());
    out = DeviceVectorInfo{vector.value(), b.cpu, b.count, b.name};
    return true;
}

uint64_t stray_device_interrupts() {
    return __atomic_load_n(&g_strays, __ATOMIC_RELAXED);
}

bool handle_device_vector(uint64_t vector) {
    if (vector < kFirstDeviceVector || vector > kLastDeviceVector) return false;
    DeviceVectorTable::Binding binding;
    {
        sync::Guard lock(g_vectors_lock);
        binding = g_table.take(vector);
        if (binding.handler) __atomic_add_fetch(&g_running[vector], 1, __ATOMIC_RELAXED);
    }
    if (binding.handler) {
        binding.handler(binding.context);
        __atomic_sub_fetch(&g_running[vector], 1, __ATOMIC_RELEASE);
    } else {
        __atomic_add_fetch(&g_strays, 1, __ATOMIC_RELAXED);
    }
    // After the handler, as for the ISA IRQs: a message that arrives
    // meanwhile waits in the LAPIC's request register and comes after the
    // return (MSI is edge-triggered: nothing is lost, repeats merge).
    apic::send_eoi();
    return true;
}

}  // namespace nyanos::arch
