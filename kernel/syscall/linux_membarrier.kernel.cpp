// membarrier(2), as Linux 6.1 (kernel/sched/membarrier.c) answers it. The
// barriers: the caller's CPU fences, then every other CPU that must take
// part is interrupted and has answered before the call returns (an
// interrupt and its return are serialising on x86, and the answer is an
// atomic write): the TLB shootdown's IPIs do exactly that. The private
// commands interrupt the CPUs running the caller's memory space (its
// threads); the global ones every other CPU.
#include "arch/x86_64/smp.h"
#include "mm/tlb_shootdown.h"
#include "proc/memory_space.h"
#include "proc/scheduler.h"
#include "syscall/linux_system.h"

namespace nyanos::sys {

namespace {

enum : uint32_t {
    kCmdQuery = 0,
    kCmdGlobal = 1 << 0,
    kCmdGlobalExpedited = 1 << 1,
    kCmdRegisterGlobalExpedited = 1 << 2,
    kCmdPrivateExpedited = 1 << 3,
    kCmdRegisterPrivateExpedited = 1 << 4,
    kCmdPrivateExpeditedSyncCore = 1 << 5,
    kCmdRegisterPrivateExpeditedSyncCore = 1 << 6,
    kCmdPrivateExpeditedRseq = 1 << 7,
    kCmdRegisterPrivateExpeditedRseq = 1 << 8,
    // Every command above: what QUERY reports (x86 has SYNC_CORE, and
    // Linux built with rseq has the RSEQ pair; without rseq critical
    // sections to restart, the RSEQ barrier is the plain one).
    kCmdMask = (1 << 9) - 1,
    kFlagCpu = 1,
};

// A kernel address whose translation the global barrier invalidates on
// every other CPU: harmless (it is walked again), and one page is cheap.
uint8_t g_barrier_page;

void barrier_everywhere() {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (arch::cpu_count() > 1) mm::shootdown_kernel_range(uint64_t(&g_barrier_page) & ~0xfffull, 1);
}

void barrier_for_space(proc::MemorySpace& space) {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (arch::cpu_count() > 1) mm::shootdown_user_root(space.root());
}

// A private command: needs its registration, then the barrier.
int64_t private_barrier(proc::MemorySpace& space, uint32_t registration) {
    if (!(space.membarrier_registered() & registration)) return errno_of(Error::kPermission);
    barrier_for_space(space);
    return 0;
}

}  // namespace

// membarrier(cmd, flags, cpu_id): flags must be 0, but for
// PRIVATE_EXPEDITED_RSEQ, which may ask for one CPU (MEMBARRIER_CMD_FLAG_CPU:
// the barrier here covers every CPU of the space anyway, so cpu_id only
// narrows what Linux would do).
int64_t linux_membarrier(SyscallFrame& f) {
    const uint32_t cmd = uint32_t(f.rdi), flags = uint32_t(f.rsi);
    if (cmd == kCmdPrivateExpeditedRseq ? (flags && flags != kFlagCpu) : flags != 0)
        return errno_of(Error::kInvalid);
    proc::MemorySpace& space = *proc::current_process()->mm;
    switch (cmd) {
        case kCmdQuery:
            return kCmdMask;
        case kCmdGlobal:
        case kCmdGlobalExpedited:
            // GLOBAL_EXPEDITED needs no registration of the caller: the
            // registered processes are its targets, and this reaches all.
            barrier_everywhere();
            return 0;
        case kCmdRegisterGlobalExpedited:
        case kCmdRegisterPrivateExpedited:
        case kCmdRegisterPrivateExpeditedSyncCore:
        case kCmdRegisterPrivateExpeditedRseq:
            space.register_membarrier(cmd);
            return 0;
        case kCmdPrivateExpedited:
            return private_barrier(space, kCmdRegisterPrivateExpedited);
        case kCmdPrivateExpeditedSyncCore:
            // The interrupt's return serialises each core: SYNC_CORE too.
            return private_barrier(space, kCmdRegisterPrivateExpeditedSyncCore);
        case kCmdPrivateExpeditedRseq:
            return private_barrier(space, kCmdRegisterPrivateExpeditedRseq);
        default:
            return errno_of(Error::kInvalid);
    }
}

}  // namespace nyanos::sys
