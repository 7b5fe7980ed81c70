#include "mm/tlb_shootdown.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_local.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/ipi.h"
#include "arch/x86_64/smp.h"
#include "lib/panic.h"
#include "mm/pcid.h"
#include "mm/vmm.h"
#include "sync/spinlock.h"

namespace nyanos::mm {

namespace {

// Above this many pages one full flush is cheaper than page-by-page.
constexpr size_t kFullFlushPages = 32;

// Serialises initiators. Taken with interrupts on (see the header).
sync::SpinLock g_initiator_lock;

// The request in flight: written by the initiator (holding the lock) before
// it publishes g_pending with release order; read by the handlers after
// they see their bit with acquire order, and before they clear it.
struct Request {
    uint64_t va;
    size_t pages;
    uint64_t user_root;  // nonzero: a user-half change of the space with this root
};
Request g_request GUARDED_BY(g_initiator_lock);
uint64_t g_pending = 0;  // CPUs (bit per index) that have not answered yet

// Statistics, updated with atomic adds.
ShootdownStats g_stats;

void invalidate_here(uint64_t va, size_t pages) {
    if (pages == 0 || pages > kFullFlushPages) {
        flush_kernel_tlb();
        return;
    }
    for (size_t i = 0; i < pages; ++i) invalidate_kernel_page(va + i * paging::kPageSize);
}

// The IPI handler (interrupts off). The initiator waits until every target
// has cleared its bit, so the request cannot change under us.
void on_shootdown() NO_THREAD_SAFETY_ANALYSIS {
    uint64_t start = arch::rdtsc();
    uint64_t me = uint64_t(1) << arch::this_cpu_index();
    if (!(__atomic_load_n(&g_pending, __ATOMIC_ACQUIRE) & me)) return;  // not for us
    if (g_request.user_root) {
        // Still running that space (it may have switched away since the
        // initiator looked: then its next load of the root flushes, as the
        // PCID was marked stale). Reloading CR3 without the no-flush bit
        // drops the current PCID's translations, paging-structure caches
        // included.
        uint64_t cr3 = arch::read_cr3();
        if ((cr3 & paging::PageTableEntry::kAddressMask) == g_request.user_root) {
            arch::write_cr3(cr3);
            // With PCID pairs the user root's PCID caches the user half
            // too, and the exit path loads it without flushing.
            flush_user_pcid_here(uint16_t(cr3 & 0xfff));
            mark_pcid_flushed(uint16_t(cr3 & 0xfff));
        }
    } else {
        invalidate_here(g_request.va, g_request.pages);
    }
    __atomic_add_fetch(&g_stats.handled, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&g_stats.handler_ticks, arch::rdtsc() - start, __ATOMIC_RELAXED);
    __atomic_and_fetch(&g_pending, ~me, __ATOMIC_RELEASE);
}

}  // namespace

void init_tlb_shootdown() {
    arch::set_ipi_handler(arch::kTlbShootdownVector, on_shootdown);
}

namespace {

// Sends `request` to the CPUs in `targets` (never this one) and returns once
// each has answered.
void send_and_wait(const Request& request, uint64_t targets) {
    VERIFY(arch::read_rflags() & arch::kRflagsInterrupt);
    uint64_t start = arch::rdtsc();
    sync::Guard lock(g_initiator_lock);
    g_request = request;
    __atomic_store_n(&g_pending, targets, __ATOMIC_RELEASE);
    for (uint64_t left = targets; left; left &= left - 1)
        arch::send_ipi(unsigned(__builtin_ctzll(left)), arch::kTlbShootdownVector);
    uint64_t sent = arch::rdtsc();
    while (__atomic_load_n(&g_pending, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
    uint64_t answered = arch::rdtsc();
    __atomic_add_fetch(&g_stats.requests, 1, __ATOMIC_RELAXED);
    // The initiator's own work: up to the last IPI sent, and after the wait.
    __atomic_add_fetch(&g_stats.initiator_ticks, (sent - start) + (arch::rdtsc() - answered),
                       __ATOMIC_RELAXED);
}

}  // namespace

void shootdown_kernel_range(uint64_t va, size_t pages) {
    unsigned cpus = arch::cpu_count();
    if (cpus <= 1) return;
    unsigned self = arch::this_cpu_index();
    uint64_t targets = 0;
    for (unsigned cpu = 0; cpu < cpus; ++cpu)
        if (cpu != self) targets |= uint64_t(1) << cpu;
    send_and_wait(Request{va, pages, 0}, targets);
}

void shootdown_user_root(uint64_t root) {
    if (arch::cpu_count() <= 1) return;
    uint64_t targets = cpus_with_root_live_elsewhere(root);
    if (targets) send_and_wait(Request{0, 0, root}, targets);
}

ShootdownStats shootdown_stats() {
    ShootdownStats s;
    s.requests = __atomic_load_n(&g_stats.requests, __ATOMIC_RELAXED);
    s.initiator_ticks = __atomic_load_n(&g_stats.initiator_ticks, __ATOMIC_RELAXED);
    s.handled = __atomic_load_n(&g_stats.handled, __ATOMIC_RELAXED);
    s.handler_ticks = __atomic_load_n(&g_stats.handler_ticks, __ATOMIC_RELAXED);
    return s;
}

}  // namespace nyanos::mm
