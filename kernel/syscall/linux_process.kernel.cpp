// Linux calls about the calling process and thread: identity and exit.
#include "nyanos/abi/syscall.h"
#include "proc/cpu.h"
#include "proc/lifecycle.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "syscall/linux_process.h"

namespace nyanos::sys {

namespace {

proc::Thread* self_thread() {
    return proc::this_cpu().current;
}

}  // namespace

// One thread per process for now: the thread id is the process id, as for
// any process's first thread on Linux.
int64_t linux_getpid(SyscallFrame&) {
    return self_thread()->process->pid;
}

int64_t linux_gettid(SyscallFrame&) {
    return self_thread()->process->pid;
}

int64_t linux_getppid(SyscallFrame&) {
    return proc::parent_pid(*self_thread()->process);
}

// set_tid_address(tidptr): remembered for the thread's exit; returns the tid.
int64_t linux_set_tid_address(SyscallFrame& f) {
    self_thread()->clear_child_tid = f.rdi;
    return self_thread()->process->pid;
}

// exit(status) ends the calling thread, exit_group(status) every thread of
// the process; with one thread per process both end the process. The
// status is the low 8 bits, as wait reports them.
int64_t linux_exit(SyscallFrame& f) {
    proc::exit_current(NYAN_W_EXITCODE(int(f.rdi) & 0xff));
}

int64_t linux_exit_group(SyscallFrame& f) {
    proc::exit_current(NYAN_W_EXITCODE(int(f.rdi) & 0xff));
}

}  // namespace nyanos::sys
