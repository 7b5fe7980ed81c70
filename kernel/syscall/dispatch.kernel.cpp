// The one entry from syscall_entry.S into C++: picks the calling process's
// table, runs the handler, and passes the scheduler's exit point.
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "lib/nospec.h"
#include "proc/cpu.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "syscall/linux_syscalls.h"
#include "syscall/nyanos_syscalls.h"
#include "syscall/syscall_frame.h"

namespace nyanos::sys {

void request_full_return() {
    proc::current_thread()->full_return = true;
}

namespace {

// Every system call passes here, so the call is inline: the number clamped
// to the table's "no such call" slot (lib/nospec.h; every slot holds a
// handler), then one indirect call.
template <size_t N>
int64_t call(const SyscallTable<N>& table, uint64_t number, SyscallFrame& frame) {
    return table.entries[array_index_clamp_nospec(number, N)](frame);
}

}  // namespace

}  // namespace nyanos::sys

// What syscall_dispatch hands back to syscall_entry.S: a two-word struct
// comes back in RAX and RDX. `rax` is the result for the user; `work` is
// nonzero when the way back may have work (proc::user_return_work), and the
// entry then calls syscall_return_work.
struct SyscallReturn {
    uint64_t rax;
    uint64_t work;
};

// Called by syscall_entry.S with interrupts on; returns with them off. The
// common case stores nothing in the frame: the entry returns the result
// in RAX by SYSRET.
extern "C" SyscallReturn syscall_dispatch(nyanos::sys::SyscallFrame* frame) {
    using namespace nyanos;
    uint64_t number = frame->rax;
    int64_t result;
    if (proc::current_process()->personality == proc::Personality::kLinux)
        result = sys::call(sys::g_linux_syscalls, number, *frame);
    else
        result = sys::call(sys::g_nyanos_syscalls, number, *frame);
    // An expired quantum is honoured on the way back (the kernel is not
    // preempted inside a call, see scheduler.h), and a kill that arrived
    // during the call ends the thread before user mode: checked with
    // interrupts off, which stay off until the return. (The thread may be
    // on another CPU by now; current_thread() is still this thread.)
    arch::disable_interrupts();
    return {uint64_t(result), proc::user_return_work(proc::current_thread())};
}

// The way back when syscall_dispatch saw possible work, with interrupts
// off; returns with them off. Nonzero means "the frame was rewritten:
// return through IRET"; zero, SYSRET with the frame's rax.
extern "C" uint64_t syscall_return_work(nyanos::sys::SyscallFrame* frame, uint64_t result) {
    using namespace nyanos;
    frame->rax = result;
    bool rewritten = proc::return_to_user(*frame);
    proc::Thread* thread = proc::current_thread();  // the same thread, maybe on another CPU
    if (!thread->full_return) return rewritten;
    thread->full_return = false;
    return true;
}
