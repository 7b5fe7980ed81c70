// TLB shootdown: after a kernel-half mapping is removed or downgraded, every
// other CPU must drop what its TLB (and paging-structure caches) may still
// hold for it before the frame or the address is reused; after a user-half
// change of a space that other CPUs are running (threads of one process),
// those CPUs must, before its frames are reused.
//
// The initiator changes the page tables and invalidates its own TLB first,
// then calls shootdown_kernel_range(), which interrupts every other online
// CPU and returns once each has invalidated. Initiators are serialised; one
// request carries a whole range (a batch), or "everything".
//
// Deadlock rule: the initiator holds no spinlock and has interrupts on, so
// it can itself answer another CPU's request while it waits for the
// initiator's lock, and a CPU that spins on a lock with interrupts off is
// never waiting for the initiator.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::mm {

// Invalidates [va, va + pages * 4 KiB) of the kernel half on every other
// online CPU; pages == 0 means every translation, global ones included.
// Returns once all have. With one CPU online it does nothing.
void shootdown_kernel_range(uint64_t va, size_t pages);

// Drops the user-half translations of the space with this root (its PML4's
// physical address) on every other CPU that has it loaded now, and returns
// once each has. The caller changed the entries first; CPUs that load the
// root later walk the new entries (their PCID was marked stale). Same
// deadlock rule as above: interrupts on, no spinlock held that a target
// may spin on with interrupts off.
void shootdown_user_root(uint64_t root);

// What the shootdowns cost, in TSC ticks (guest instructions under QEMU's
// -icount): the initiators' own work (without the wait for the others) and
// the handlers', with how many of each ran. For the benchmarks.
struct ShootdownStats {
    uint64_t requests = 0;
    uint64_t initiator_ticks = 0;
    uint64_t handled = 0;
    uint64_t handler_ticks = 0;
};
ShootdownStats shootdown_stats();

// Hooks the handler to its IPI vector. Once, at boot, before a second CPU
// starts.
void init_tlb_shootdown();

}  // namespace nyanos::mm
