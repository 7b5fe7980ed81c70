// The user memory that one or more processes run in (Linux's mm_struct): a
// process's own, and after clone(CLONE_VM) without CLONE_THREAD (vfork's
// above all) its child's too, until the child execs or exits. The threads of
// every process that uses it share it; the lock serialises them.
#pragma once

#include <stdint.h>

#include "mm/process_memory.h"
#include "sync/spinlock.h"
#include "sync/thread_annotations.h"

namespace nyanos::proc {

class MemorySpace {
public:
    // A space holding `memory` with one user; nullptr when out of memory
    // (then `memory` is left as it was).
    static MemorySpace* create(mm::ProcessMemory&& memory);

    // One more process uses it (clone with CLONE_VM).
    MemorySpace* share() {
        __atomic_add_fetch(&m_users, 1, __ATOMIC_RELAXED);
        return this;
    }
    // Whether another process uses it too (a CLONE_VM child or parent).
    bool shared() const { return __atomic_load_n(&m_users, __ATOMIC_RELAXED) > 1; }
    // A process lets go of `space` (nullptr: nothing). The last user's
    // release destroys the mappings and frees the space: by then no CPU may
    // have its root loaded (each user loads another root before it lets go).
    static void release(MemorySpace* space);

    // Serialises the users' threads and the fault handler over `memory`: a
    // SpinLock taken with interrupts on (MemoryGuard), because its holder
    // may wait for other CPUs to answer a TLB shootdown, and a CPU spinning
    // for it must still answer. First in the lock order (docs/locking.md):
    // nothing is held when it is taken, and the holder never blocks.
    sync::SpinLock lock;
    mm::ProcessMemory memory GUARDED_BY(lock);

    // The memory of a space no other thread can reach: being built (not
    // shared yet), or being torn down by its last user. The caller says why.
    mm::ProcessMemory& unshared() NO_THREAD_SAFETY_ANALYSIS { return memory; }
    // RLIMIT_STACK changed: ProcessMemory::set_stack_limit, a relaxed
    // atomic store, so without the lock (prlimit on another process holds
    // the table lock, which comes after this one).
    void set_stack_limit(uint64_t bytes) NO_THREAD_SAFETY_ANALYSIS {
        memory.set_stack_limit(bytes);
    }
    // The CR3 value that runs this space (its root and PCID): fixed for the
    // space's life, so read without the lock.
    uint64_t cr3() const NO_THREAD_SAFETY_ANALYSIS { return memory.space().cr3(); }
    // Its root without the PCID (what a shootdown names a space by): fixed
    // too.
    uint64_t root() const NO_THREAD_SAFETY_ANALYSIS { return memory.space().root(); }
    // The root user mode runs on under page-table isolation (0 without).
    uint64_t user_cr3() const NO_THREAD_SAFETY_ANALYSIS { return memory.space().user_cr3(); }
    // For statistics (ps, /proc): read without the lock, so a count may be
    // one page behind a change in flight; never used to decide anything.
    const mm::AddressSpace& space_for_statistics() const NO_THREAD_SAFETY_ANALYSIS {
        return memory.space();
    }

    MemorySpace(const MemorySpace&) = delete;
    MemorySpace& operator=(const MemorySpace&) = delete;

    // membarrier's registrations for this space (the MEMBARRIER_CMD_REGISTER_*
    // bits a process asked for): a fork's copy takes its parent's, an exec's
    // new space starts without, as Linux keeps them with the mm. Atomic.
    uint32_t membarrier_registered() const {
        return __atomic_load_n(&m_membarrier, __ATOMIC_ACQUIRE);
    }
    void register_membarrier(uint32_t bits) {
        __atomic_or_fetch(&m_membarrier, bits, __ATOMIC_RELEASE);
    }

private:
    MemorySpace() = default;
    uint32_t m_users = 1;  // atomic
    uint32_t m_membarrier = 0;
};

// Holds a space's lock for a scope. Interrupts must be on (see
// MemorySpace::lock).
class SCOPED_CAPABILITY MemoryGuard {
public:
    explicit MemoryGuard(MemorySpace& space) ACQUIRE(space.lock) : m_lock(space.lock) {
#ifndef NYANOS_HOST
        VERIFY(arch::read_rflags() & arch::kRflagsInterrupt);
#endif
        m_lock.lock();
    }
    ~MemoryGuard() RELEASE() {
        m_lock.unlock();
    }
    MemoryGuard(const MemoryGuard&) = delete;
    MemoryGuard& operator=(const MemoryGuard&) = delete;

private:
    sync::SpinLock& m_lock;
};

}  // namespace nyanos::proc
