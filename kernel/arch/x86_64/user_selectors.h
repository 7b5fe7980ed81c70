// The data-segment selectors (DS, ES, FS, GS) of user threads.
//
// In 64-bit mode they carry no base or limit the kernel relies on, and
// neither `syscall` nor an interrupt changes them, so the values one thread
// loaded would still be there when the next thread returns to user mode: a
// channel between processes, and a break of the system-call ABI (all
// registers but rax, rcx and r11 survive) for the thread that loaded them.
// The scheduler saves them when it switches away from a user thread and
// restores them when it switches to one, next to the FPU state, in a word
// of the thread's own (proc::Thread::user_selectors). A zero there (a new
// thread) is four null selectors.
//
// The FS and GS *bases* need no switching: CR4.FSGSBASE is off (wrfsbase
// and wrgsbase raise #UD in user mode), there is no call that sets them, and
// every GDT descriptor user code may load has base 0, so both bases are 0
// in every process.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::arch {

// On every switch, so inline and packed in one word: DS, ES, FS and GS as
// 16-bit fields, low to high, so "all four unchanged" is one compare.
inline uint64_t read_user_selectors() {
    uint16_t ds, es, fs, gs;
    asm volatile("mov %%ds, %0" : "=r"(ds));
    asm volatile("mov %%es, %0" : "=r"(es));
    asm volatile("mov %%fs, %0" : "=r"(fs));
    asm volatile("mov %%gs, %0" : "=r"(gs));
    return uint64_t(ds) | uint64_t(es) << 16 | uint64_t(fs) << 32 | uint64_t(gs) << 48;
}

// Switches the live selectors from the thread switched away from (`prev`,
// a user thread's saved word, or nullptr for an idle thread) to the one
// switched to (`next`, likewise). Kernel code never loads them, so the live
// values are still prev's user values. Each selector is loaded only if it
// differs (segment loads are slow; most threads keep null selectors).
// Interrupts off: GS is loaded between two swapgs, so the load changes the
// user's GS base, not the kernel's per-CPU one.
inline void switch_user_selectors(uint64_t* prev, const uint64_t* next) {
    uint64_t live = read_user_selectors();
    if (prev) *prev = live;
    if (!next) return;
    uint64_t want = *next;
    if (want == live) return;
    auto field = [](uint64_t v, int i) { return uint16_t(v >> (16 * i)); };
    if (field(want, 0) != field(live, 0)) asm volatile("mov %0, %%ds" : : "r"(field(want, 0)));
    if (field(want, 1) != field(live, 1)) asm volatile("mov %0, %%es" : : "r"(field(want, 1)));
    if (field(want, 2) != field(live, 2)) asm volatile("mov %0, %%fs" : : "r"(field(want, 2)));
    if (field(want, 3) != field(live, 3))
        asm volatile("swapgs; mov %0, %%gs; swapgs" : : "r"(field(want, 3)) : "memory");
}

}  // namespace nyanos::arch
