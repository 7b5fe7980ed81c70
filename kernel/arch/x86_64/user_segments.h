// The segment state of user threads: the data-segment selectors (DS, ES,
// FS, GS) and the FS and GS bases, switched with the thread.
//
// Selectors. In 64-bit mode they carry no base or limit the kernel relies
// on, and neither `syscall` nor an interrupt changes them, so the values one
// thread loaded would still be there when the next thread returns to user
// mode: a channel between processes, and a break of the system-call ABI
// (all registers but rax, rcx and r11 survive) for the thread that loaded
// them.
//
// Bases. Linux programs keep their thread pointer (TLS) in the FS base, set
// with arch_prctl(ARCH_SET_FS); ARCH_SET_GS sets the user GS base, which
// lives in IA32_KERNEL_GS_BASE while the kernel runs (swapgs). CR4.FSGSBASE
// stays off (cpu.cpp), so user code cannot write either base itself
// (wrfsbase raises #UD); the only other way a base changes is loading a
// selector into FS or GS, which replaces the base with the descriptor's (0
// for every descriptor user code may load) or, for a null selector, leaves
// it (AMD) or clears it (Intel). So while a thread runs its live FS base is
// the one the kernel last wrote on that CPU or 0, and likewise GS.
//
// The scheduler saves the selectors when it switches away from a user
// thread and restores selectors and bases when it switches to one
// (switch_user_segments), in the thread's UserSegments (proc::Thread),
// kept apart from its FPU image so that copying an image from user memory
// (signal frames, later) cannot reach them. A new thread's are all zero:
// null selectors, bases 0.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifndef NYANOS_HOST
#include "arch/x86_64/io.h"
#endif

namespace nyanos::arch {

// The four data-segment selectors, as the CPU stores them (16 bits each).
struct UserSelectors {
    uint16_t ds = 0;
    uint16_t es = 0;
    uint16_t fs = 0;
    uint16_t gs = 0;
};
static_assert(sizeof(UserSelectors) == 8);

// All four as one word, so that "all unchanged" is one compare.
inline uint64_t packed(const UserSelectors& s) {
    uint64_t word;
    __builtin_memcpy(&word, &s, sizeof(word));
    return word;
}

// FS and GS as one word: nonzero if either is.
inline uint32_t packed_fs_gs(const UserSelectors& s) {
    uint32_t word;
    __builtin_memcpy(&word,
                     reinterpret_cast<const char*>(&s) + __builtin_offsetof(UserSelectors, fs),
                     sizeof(word));
    return word;
}

// An FS and a GS base, with their or kept beside them: nonzero if either
// base may be, so that every switch tests one word and only then looks at
// the bases one by one.
class UserBases {
public:
    uint64_t fs() const { return m_fs; }
    uint64_t gs() const { return m_gs; }
    uint64_t any() const { return m_any; }
    void set_fs(uint64_t base) {
        m_fs = base;
        m_any = m_fs | m_gs;
    }
    void set_gs(uint64_t base) {
        m_gs = base;
        m_any = m_fs | m_gs;
    }

private:
    uint64_t m_fs = 0;
    uint64_t m_gs = 0;
    uint64_t m_any = 0;
};

struct UserSegments {
    // Valid while the thread is not running (saved at each switch away).
    UserSelectors selectors;
    // The bases the thread runs with (IA32_FS_BASE, and the user GS base).
    UserBases bases;
};

// The first address a base may not hold, as Linux's arch_prctl: its
// TASK_SIZE_MAX with 4-level paging (the last user page is excluded, as
// Linux does against the SYSRET non-canonical-RIP erratum). Every value
// below is a canonical user address; a kernel or non-canonical one would
// make the MSR write fault (#GP) or give user code a kernel pointer.
inline constexpr uint64_t kUserBaseLimit = (1ull << 47) - 4096;

// Per CPU: the bases this CPU's kernel last wrote to IA32_FS_BASE and
// IA32_KERNEL_GS_BASE, 0 at first (install_cpu_local writes 0 to both).
using LoadedUserBases = UserBases;

// Whether arch_prctl may set a base to `value` (else Linux says EPERM).
constexpr bool is_settable_user_base(uint64_t value) {
    return value < kUserBaseLimit;
}

#ifndef NYANOS_HOST

inline constexpr uint32_t kMsrFsBase = 0xc0000100;
inline constexpr uint32_t kMsrKernelGsBase = 0xc0000102;  // the user's GS base, in the kernel

// Stores the live selectors in `out`: one store each, straight from the
// segment register (a 16-bit store), on every switch.
inline void store_user_selectors(UserSelectors& out) {
    asm volatile(
        "mov %%ds, %0\n\t"
        "mov %%es, %1\n\t"
        "mov %%fs, %2\n\t"
        "mov %%gs, %3"
        : "=m"(out.ds), "=m"(out.es), "=m"(out.fs), "=m"(out.gs));
}

// Switches from the thread switched away from (`prev`, nullptr for an idle
// thread) to the one switched to (`next`, likewise) on the CPU whose
// LoadedUserBases is `cpu`. Interrupts off.
//
// Selectors: kernel code never loads them, so the live values are still
// prev's user values; each is loaded only if it differs (segment loads are
// slow; most threads keep null selectors). GS is loaded between two swapgs,
// so the load changes the user's GS base, not the kernel's per-CPU one.
//
// Bases, after the selectors (a selector load replaces the base). The live
// base is the one this CPU's kernel last wrote (cpu.fs()) or 0 (a
// selector load by user code): the MSR write can be skipped only when both
// are 0 and so is next's, not merely when next's equals the last written
// one. A WRMSR costs 100+ cycles, so threads without TLS (every NyanOS
// program) switch without one; Linux without FSGSBASE does the same.
// When prev holds a non-null FS or GS selector its base is that
// descriptor's, 0, and is saved as 0 (as Linux does), so it stays 0 after
// the switch back. (A null selector load on Intel clears the base without a
// trace; the thread gets its saved base back at its next switch, as on
// Linux.)
//
// The two halves are separate so that a switch between two user threads
// (the common case) calls them without a null test each.
inline void save_user_selectors(UserSegments& prev) {
    store_user_selectors(prev.selectors);
    if (packed_fs_gs(prev.selectors)) {
        if (prev.selectors.fs) prev.bases.set_fs(0);
        if (prev.selectors.gs) prev.bases.set_gs(0);
    }
}
// `live`: the selectors loaded now (prev's, just saved).
inline void load_user_segments(LoadedUserBases& cpu, const UserSegments& next,
                               const UserSelectors& live) {
    const UserSelectors& want = next.selectors;
    if (packed(want) != packed(live)) {
        if (want.ds != live.ds) asm volatile("mov %0, %%ds" : : "r"(want.ds));
        if (want.es != live.es) asm volatile("mov %0, %%es" : : "r"(want.es));
        if (want.fs != live.fs) asm volatile("mov %0, %%fs" : : "r"(want.fs));
        if (want.gs != live.gs)
            asm volatile("swapgs; mov %0, %%gs; swapgs" : : "r"(want.gs) : "memory");
    }
    // All zero (every NyanOS program, and a Linux one without TLS): one
    // test.
    const UserBases& want_bases = next.bases;
    if (!(want_bases.any() | cpu.any())) return;
    if (want_bases.fs() | cpu.fs()) {
        wrmsr(kMsrFsBase, want_bases.fs());
        cpu.set_fs(want_bases.fs());
    }
    if (want_bases.gs() | cpu.gs()) {
        wrmsr(kMsrKernelGsBase, want_bases.gs());
        cpu.set_gs(want_bases.gs());
    }
}
inline void switch_user_segments(LoadedUserBases& cpu, UserSegments* prev,
                                 const UserSegments* next) {
    UserSelectors live;
    store_user_selectors(live);
    if (prev) save_user_selectors(*prev);
    if (next) load_user_segments(cpu, *next, live);
}

// Sets the running thread's FS base (its UserSegments already hold `base`):
// a null FS selector first, as Linux's ARCH_SET_FS (the base of a non-null
// one would be the descriptor's), then the MSR. Interrupts off.
inline void load_user_fs_base(LoadedUserBases& cpu, uint64_t base) {
    uint16_t fs;
    asm volatile("mov %%fs, %0" : "=r"(fs));
    if (fs) asm volatile("mov %0, %%fs" : : "r"(uint16_t(0)));
    wrmsr(kMsrFsBase, base);
    cpu.set_fs(base);
}

// The same for the user GS base (ARCH_SET_GS): the null selector is loaded
// between two swapgs, then the base goes where swapgs will take it from.
inline void load_user_gs_base(LoadedUserBases& cpu, uint64_t base) {
    uint16_t gs;
    asm volatile("mov %%gs, %0" : "=r"(gs));
    if (gs) asm volatile("swapgs; mov %0, %%gs; swapgs" : : "r"(uint16_t(0)) : "memory");
    wrmsr(kMsrKernelGsBase, base);
    cpu.set_gs(base);
}

// Puts the running thread's segment state back to a new thread's (execve,
// as Linux's start_thread): null DS, ES, FS and GS (GS between two swapgs),
// both bases 0, whatever the selector loads left. Interrupts off; the
// caller resets the thread's UserSegments.
inline void reset_live_user_segments(LoadedUserBases& cpu) {
    uint16_t null = 0;
    asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%fs" : : "r"(null));
    asm volatile("swapgs; mov %0, %%gs; swapgs" : : "r"(null) : "memory");
    wrmsr(kMsrFsBase, 0);
    wrmsr(kMsrKernelGsBase, 0);
    cpu = LoadedUserBases{};
}

// The running thread's live bases (ARCH_GET_FS, ARCH_GET_GS read these, as
// Linux reads the MSR for the current thread). Interrupts off.
inline uint64_t read_user_fs_base() {
    return rdmsr(kMsrFsBase);
}
inline uint64_t read_user_gs_base() {
    return rdmsr(kMsrKernelGsBase);
}

#endif  // NYANOS_HOST

}  // namespace nyanos::arch
