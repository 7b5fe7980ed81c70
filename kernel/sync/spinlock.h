// Spinlocks: the kernel's only locks. A CPU that finds the lock taken spins
// until the holder releases it, so a holder must never block, switch
// threads or wait for another CPU while holding one (docs/locking.md).
//
// SpinLock leaves interrupts alone: for state no interrupt handler touches,
// or for callers that already run with interrupts off. IrqSpinLock turns
// interrupts off before it spins and restores them after it releases: for
// state an interrupt handler also takes (a handler spinning on a lock its
// own CPU holds would spin forever).
//
// Both record the holding CPU and panic on a recursive lock, the one
// deadlock a single CPU can make alone. Portable: on the host the "CPU" is
// the thread and interrupts do not exist.
#pragma once

#include <stdint.h>

#include "lib/panic.h"
#include "sync/thread_annotations.h"

#ifndef NYANOS_HOST
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_local.h"
#endif

namespace nyanos::sync {

// A number for "this CPU" (1-based, so 0 means "nobody"). In the kernel,
// the CPU index from the per-CPU area (installed before anything locks); on
// the host, one per thread.
#ifndef NYANOS_HOST
inline uint32_t current_cpu_tag() {
    return arch::this_cpu_index() + 1;
}
#else
uint32_t current_cpu_tag();
#endif

class CAPABILITY("spinlock") SpinLock {
public:
    constexpr SpinLock() = default;
    SpinLock(const SpinLock&) = delete;
    SpinLock& operator=(const SpinLock&) = delete;

    // The uncontended case is one compare-and-swap. A lock this CPU already
    // holds is never free, so the recursion check costs nothing there: it
    // runs only once the first attempt has failed.
    void lock() ACQUIRE() {
        uint32_t me = current_cpu_tag();
        uint32_t expected = 0;
        if (__builtin_expect(__atomic_compare_exchange_n(&m_holder, &expected, me, false,
                                                         __ATOMIC_ACQUIRE, __ATOMIC_RELAXED),
                             1))
            return;
        lock_contended(me);
    }

    bool try_lock() TRY_ACQUIRE(true) {
        uint32_t expected = 0;
        return __atomic_compare_exchange_n(&m_holder, &expected, current_cpu_tag(), false,
                                           __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
    }

    void unlock() RELEASE() {
        VERIFY(__atomic_load_n(&m_holder, __ATOMIC_RELAXED) == current_cpu_tag());
        __atomic_store_n(&m_holder, 0, __ATOMIC_RELEASE);
    }

    // True if this CPU holds the lock (for assertions).
    bool held_here() const {
        return __atomic_load_n(&m_holder, __ATOMIC_RELAXED) == current_cpu_tag();
    }

    // Tells the analysis the lock is held; panics if this CPU does not hold it.
    void assert_held() const ASSERT_CAPABILITY(this) { VERIFY(held_here()); }

    // For code that passes a held lock to another thread (a context switch):
    // the new thread on this CPU becomes the holder as far as the checks go.
    // The CPU stays the same, so there is nothing to do but say so.
    void handed_over() const ASSERT_CAPABILITY(this) {}

private:
    // The first compare-and-swap failed: panics if this CPU is the holder,
    // else spins until the lock is taken.
    __attribute__((noinline, cold)) void lock_contended(uint32_t me) {
        if (__atomic_load_n(&m_holder, __ATOMIC_RELAXED) == me)
            panic("spinlock: recursive lock on cpu %u", me - 1);
        for (;;) {
            // Spin on a plain load (the line stays shared) until it looks free.
            while (__atomic_load_n(&m_holder, __ATOMIC_RELAXED) != 0) __builtin_ia32_pause();
            uint32_t expected = 0;
            if (__atomic_compare_exchange_n(&m_holder, &expected, me, false, __ATOMIC_ACQUIRE,
                                            __ATOMIC_RELAXED))
                return;
        }
    }

    uint32_t m_holder = 0;  // current_cpu_tag() of the holder, 0 when free
};

// Turns interrupts off; returns whether they were on. (No interrupts on the host.)
inline bool interrupts_off() {
#ifndef NYANOS_HOST
    bool were = arch::read_rflags() & arch::kRflagsInterrupt;
    asm volatile("cli" ::: "memory");
    return were;
#else
    return false;
#endif
}
inline void interrupts_on() {
#ifndef NYANOS_HOST
    asm volatile("sti" ::: "memory");
#endif
}

class CAPABILITY("spinlock") IrqSpinLock {
public:
    constexpr IrqSpinLock() = default;
    IrqSpinLock(const IrqSpinLock&) = delete;
    IrqSpinLock& operator=(const IrqSpinLock&) = delete;

    void lock() ACQUIRE() {
        bool were_enabled = interrupts_off();
        m_lock.lock();
        m_interrupts_were_enabled = were_enabled;
    }

    void unlock() RELEASE() {
        bool restore = m_interrupts_were_enabled;
        m_lock.unlock();
        if (restore) interrupts_on();
    }

    bool held_here() const { return m_lock.held_here(); }
    void assert_held() const ASSERT_CAPABILITY(this) { VERIFY(m_lock.held_here()); }

private:
    SpinLock m_lock;
    bool m_interrupts_were_enabled = false;  // written only by the holder
};

// Interrupts off, then `lock` held, for a scope; interrupts back as they were
// after the unlock. For a plain SpinLock that interrupt handlers take too
// but that cannot keep the interrupt state itself: one held across a
// context switch, where the thread that unlocks is not the one that locked.
template <typename Lock>
class SCOPED_CAPABILITY NoInterruptsGuard {
public:
    explicit NoInterruptsGuard(Lock& lock) ACQUIRE(lock)
        : m_lock(lock), m_were_enabled(interrupts_off()) {
        m_lock.lock();
    }
    ~NoInterruptsGuard() RELEASE() {
        m_lock.unlock();
        if (m_were_enabled) interrupts_on();
    }
    NoInterruptsGuard(const NoInterruptsGuard&) = delete;
    NoInterruptsGuard& operator=(const NoInterruptsGuard&) = delete;

private:
    Lock& m_lock;
    bool m_were_enabled;
};

// Holds `lock` for a scope.
template <typename Lock>
class SCOPED_CAPABILITY Guard {
public:
    explicit Guard(Lock& lock) ACQUIRE(lock) : m_lock(lock) { m_lock.lock(); }
    ~Guard() RELEASE() { m_lock.unlock(); }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

private:
    Lock& m_lock;
};

}  // namespace nyanos::sync
