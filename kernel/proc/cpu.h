// The scheduler's per-CPU state. Each CPU reaches its own through GS (the
// entry area's `owner`), so none of it lives in a plain global.
#pragma once

#include <stdint.h>

#include "proc/thread.h"

#ifndef NYANOS_HOST
#include "arch/x86_64/cpu_local.h"
#endif

namespace nyanos::proc {

inline constexpr unsigned kMaxCpus = 64;

struct CpuTickCounts {
    uint64_t user = 0;
    uint64_t system = 0;
    uint64_t idle = 0;
};
inline constexpr uint32_t kQuantumMs = 10;

struct Cpu {
    // Runs the CPU's boot stack when no other thread can run.
    Thread idle;
    // The thread on this CPU is in the entry area (current_thread(),
    // scheduler.h), written only by this CPU, in switches.
    uint32_t index = 0;
    // This CPU's own: its timer counts the quantum down and sets
    // need_resched() (in the CPU's entry area) when it expires while the
    // kernel is busy.
    uint32_t quantum_left = kQuantumMs;
    // The user FS and GS bases this CPU last loaded (switch_to, and
    // set_user_fs_base / set_user_gs_base).
    arch::LoadedUserBases user_bases;
    // Timer ticks this CPU spent running user code, the kernel, and idle
    // (/proc/stat). Written by this CPU's tick only, read by any (relaxed).
    CpuTickCounts ticks;
    // Switches from one thread to another on this CPU (/proc/stat's ctxt):
    // written only by this CPU, in switches; read with relaxed loads.
    uint64_t switches = 0;
};

#ifndef NYANOS_HOST
inline Cpu& this_cpu() {
    Cpu* cpu;
    asm volatile("movq %%gs:32, %0" : "=r"(cpu));
    return *cpu;
}
static_assert(__builtin_offsetof(arch::CpuEntryArea, owner) == 32);

// Whether this CPU should switch threads at its next chance (nonzero:
// yes). In the entry area, so that the check on every return from a
// system call is one load; a whole word, 0 or 1, so that it can be or-ed
// into that check as it is.
inline uint64_t need_resched() {
    uint64_t pending;
    asm volatile("movq %%gs:104, %0" : "=r"(pending));
    return pending;
}
inline void set_need_resched(bool pending) {
    // "e": a constant (every caller's) is stored as an immediate.
    asm volatile("movq %0, %%gs:104" : : "er"(uint64_t(pending)) : "memory");
}
static_assert(__builtin_offsetof(arch::CpuEntryArea, need_resched) == 104);
#endif

}  // namespace nyanos::proc
