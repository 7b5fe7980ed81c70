// Linux calls about the calling process and thread: identity and exit.
#include "nyanos/abi/syscall.h"
#include "proc/signal_frame.h"
#include "syscall/user_memory.h"
#include "proc/cpu.h"
#include "proc/lifecycle.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "syscall/linux_process.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

namespace {

proc::Thread* self_thread() {
    return proc::current_thread();
}

}  // namespace

// The process ID; a thread's own ID (a process's first thread has the
// pid, as on Linux).
int64_t linux_getpid(SyscallFrame&) {
    return self_thread()->process->pid;
}

int64_t linux_gettid(SyscallFrame&) {
    return self_thread()->tid;
}

int64_t linux_getppid(SyscallFrame&) {
    return proc::parent_pid(*self_thread()->process);
}

// set_tid_address(tidptr): remembered for the thread's exit; returns the tid.
int64_t linux_set_tid_address(SyscallFrame& f) {
    self_thread()->words().clear_child_tid = f.rdi;
    return self_thread()->tid;
}

// exit(status) ends the calling thread (the process, if it was the last),
// exit_group(status) every thread of the process. The status is the low 8
// bits, as wait reports them.
int64_t linux_exit(SyscallFrame& f) {
    proc::exit_thread(NYAN_W_EXITCODE(int(f.rdi) & 0xff));
}

int64_t linux_exit_group(SyscallFrame& f) {
    proc::exit_current(NYAN_W_EXITCODE(int(f.rdi) & 0xff));
}

// arch_prctl(code, addr): the thread's FS base (its TLS pointer) and GS
// base. The code is an int on Linux; codes other than these four (CPUID
// faulting, AMX permissions, ...) are EINVAL, as Linux answers for what it
// does not support. proc::set_user_fs_base says what a base may be.
int64_t linux_arch_prctl(SyscallFrame& f) {
    uint64_t base;
    switch (uint32_t(f.rdi)) {
        case NYAN_ARCH_SET_FS:
            return result_of(proc::set_user_fs_base(f.rsi));
        case NYAN_ARCH_SET_GS:
            return result_of(proc::set_user_gs_base(f.rsi));
        case NYAN_ARCH_GET_FS:
            base = proc::user_fs_base();
            return result_of(copy_to_user(f.rsi, &base, sizeof(base)));
        case NYAN_ARCH_GET_GS:
            base = proc::user_gs_base();
            return result_of(copy_to_user(f.rsi, &base, sizeof(base)));
    }
    return errno_of(Error::kInvalid);
}

namespace {

// wait4's and waitid's option bits (Linux's).
constexpr uint64_t kWNoHang = 1, kWUntraced = 2, kWStopped = 2, kWExited = 4, kWContinued = 8,
                   kWNoWait = 0x01000000, kWNoThread = 0x20000000, kWAll = 0x40000000,
                   kWClone = 0x80000000;
constexpr size_t kRusageBytes = 144;  // struct rusage on x86_64

// Children's resource usage is not accounted yet: a zeroed struct rusage.
Result<void> store_rusage(uint64_t user) {
    if (!user) return {};
    uint8_t zeros[kRusageBytes] = {};
    return copy_to_user(user, zeros, sizeof(zeros));
}

}  // namespace

namespace {

int64_t clone_with(const proc::CloneRequest& request, SyscallFrame& f) {
    auto pid = proc::clone_process(request, f);
    if (!pid.ok()) return errno_of(pid.error());
    // (A thread's was written before it ran: clone_process.)
    if ((request.flags & proc::kCloneParentSettid) && !(request.flags & proc::kCloneThread)) {
        int32_t tid = pid.value();
        auto r = copy_to_user(request.parent_tid, &tid, sizeof(tid));
        (void)r;  // Linux ignores a bad parent_tid pointer too (the child exists)
    }
    return pid.value();
}

}  // namespace

int64_t linux_fork(SyscallFrame& f) {
    return clone_with(proc::CloneRequest{proc::kSigChld, 0, 0, 0, 0}, f);
}

int64_t linux_vfork(SyscallFrame& f) {
    return clone_with(
        proc::CloneRequest{proc::kCloneVm | proc::kCloneVfork | proc::kSigChld, 0, 0, 0, 0}, f);
}

// clone(flags, stack, parent_tid, child_tid, tls): x86_64's argument order.
int64_t linux_clone(SyscallFrame& f) {
    return clone_with(proc::CloneRequest{f.rdi, f.rsi, f.rdx, f.r10, f.r8}, f);
}

namespace {

// clone3's struct clone_args (Linux's uapi/linux/sched.h): 64 bytes in its
// first version, 80 with set_tid, 88 with cgroup.
struct CloneArgs {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};
static_assert(sizeof(CloneArgs) == 88);
constexpr size_t kCloneArgsSizeVer0 = 64;
constexpr size_t kPageSize = 4096;
constexpr uint64_t kCloneClearSighand = 1ull << 32, kCloneIntoCgroup = 1ull << 33;
constexpr uint64_t kCloneNewTime = 0x80;  // shares the low byte clone's signal has

// Reads a struct clone_args of `size` bytes as Linux's copy_struct_from_user:
// a shorter one is zero-extended, a longer one must be zero past what this
// kernel knows (else E2BIG).
Result<CloneArgs> read_clone_args(uint64_t user, size_t size) {
    if (size > kPageSize) return Error::kArgListTooBig;
    if (size < kCloneArgsSizeVer0) return Error::kInvalid;
    CloneArgs args{};
    TRY(copy_from_user(&args, user, size < sizeof(args) ? size : sizeof(args)));
    for (size_t at = sizeof(args); at < size;) {
        uint8_t rest[64];
        size_t n = size - at < sizeof(rest) ? size - at : sizeof(rest);
        TRY(copy_from_user(rest, user + at, n));
        for (size_t i = 0; i < n; ++i)
            if (rest[i]) return Error::kArgListTooBig;
        at += n;
    }
    return args;
}

}  // namespace

// clone3(args, size): clone with its arguments in a struct, checked in
// Linux's order (clone3's copy, then clone3_args_valid): the exit signal
// apart from the flags (whose low byte must be 0), a stack as its base and
// size (the child starts at their end). What this kernel's clone refuses it
// refuses alike (EINVAL); so do CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP
// (no cgroups) and set_tid (a chosen pid, for checkpoint/restore), which
// it does not do.
int64_t linux_clone3(SyscallFrame& f) {
    auto read = read_clone_args(f.rdi, f.rsi);
    if (!read.ok()) return errno_of(read.error());
    CloneArgs a = read.value();
    if (a.set_tid_size > 32) return errno_of(Error::kInvalid);  // MAX_PID_NS_LEVEL
    if (!a.set_tid != !a.set_tid_size) return errno_of(Error::kInvalid);
    if (a.exit_signal & ~proc::kCloneSignalMask) return errno_of(Error::kInvalid);
    if (a.exit_signal > uint64_t(proc::kSignalCount)) return errno_of(Error::kInvalid);
    if ((a.flags & kCloneIntoCgroup) && (a.cgroup > 0x7fffffff || f.rsi < sizeof(CloneArgs)))
        return errno_of(Error::kInvalid);
    if (a.flags & ~(0xffffffffull | kCloneClearSighand | kCloneIntoCgroup))
        return errno_of(Error::kInvalid);
    if (a.flags & (proc::kCloneDetached | (proc::kCloneSignalMask & ~kCloneNewTime)))
        return errno_of(Error::kInvalid);
    if ((a.flags & proc::kCloneSighand) && (a.flags & kCloneClearSighand))
        return errno_of(Error::kInvalid);
    if ((a.flags & (proc::kCloneThread | proc::kCloneParent)) && a.exit_signal)
        return errno_of(Error::kInvalid);
    uint64_t stack = 0;
    if (!a.stack) {
        if (a.stack_size) return errno_of(Error::kInvalid);
    } else {
        if (!a.stack_size || !is_user_range(a.stack, a.stack_size))
            return errno_of(Error::kInvalid);
        stack = a.stack + a.stack_size;
    }
    if (a.set_tid || (a.flags & (kCloneClearSighand | kCloneIntoCgroup)))
        return errno_of(Error::kInvalid);
    // CLONE_PIDFD's descriptor would go to a.pidfd: clone_process refuses
    // the flag (as it does for clone).
    return clone_with(proc::CloneRequest{a.flags | a.exit_signal, stack, a.parent_tid, a.child_tid,
                                         a.tls},
                      f);
}

// wait4(pid, wstatus, options, rusage). As on Linux, the child is reaped
// before the status is written: a bad pointer gives EFAULT with the child
// gone.
int64_t linux_wait4(SyscallFrame& f) {
    int pid = int(f.rdi);
    uint64_t options = f.rdx;
    if (options & ~(kWNoHang | kWUntraced | kWContinued | kWNoThread | kWAll | kWClone))
        return errno_of(Error::kInvalid);
    if (pid == INT32_MIN) return errno_of(Error::kNoProcess);
    int status = 0;
    auto which = proc::ChildSelector::from_waitpid(pid, proc::current_process_group());
    uint8_t events = proc::wait_event::kExited;
    if (options & kWUntraced) events |= proc::wait_event::kStopped;
    if (options & kWContinued) events |= proc::wait_event::kContinued;
    auto r = proc::wait_for_child(which, events, options & kWNoHang, true, status);
    if (!r.ok()) return errno_of(r.error());
    if (r.value() > 0) {
        if (f.rsi) {
            auto c = copy_to_user(f.rsi, &status, sizeof(status));
            if (!c.ok()) return errno_of(c.error());
        }
        auto u = store_rusage(f.r10);
        if (!u.ok()) return errno_of(u.error());
    }
    return r.value();
}

// waitid(idtype, id, infop, options, rusage): P_ALL, P_PID, P_PGID.
int64_t linux_waitid(SyscallFrame& f) {
    constexpr int kPAll = 0, kPPid = 1, kPPgid = 2;
    int idtype = int(f.rdi);
    int id = int(f.rsi);
    uint64_t options = f.r10;
    if (options &
        ~(kWNoHang | kWStopped | kWExited | kWContinued | kWNoWait | kWNoThread | kWAll | kWClone))
        return errno_of(Error::kInvalid);
    if (!(options & (kWExited | kWStopped | kWContinued))) return errno_of(Error::kInvalid);
    using Kind = proc::ChildSelector::Kind;
    proc::ChildSelector which;
    switch (idtype) {
        case kPAll:
            which = {Kind::kAny, 0};
            break;
        case kPPid:
            if (id <= 0) return errno_of(Error::kInvalid);
            which = {Kind::kPid, id};
            break;
        case kPPgid:
            if (id < 0) return errno_of(Error::kInvalid);
            which = {Kind::kGroup, id == 0 ? proc::current_process_group() : id};
            break;
        default:
            return errno_of(Error::kInvalid);
    }
    uint8_t events = 0;
    if (options & kWExited) events |= proc::wait_event::kExited;
    if (options & kWStopped) events |= proc::wait_event::kStopped;
    if (options & kWContinued) events |= proc::wait_event::kContinued;
    int status = 0;
    auto r = proc::wait_for_child(which, events, options & kWNoHang, !(options & kWNoWait), status);
    if (!r.ok()) return errno_of(r.error());
    if (f.rdx) {
        proc::LinuxSiginfo info{};
        if (r.value() > 0) {
            info.signo = proc::kSigChld;
            info.fields.child.pid = r.value();
            if (status == proc::kContinuedStatus) {
                info.code = proc::kCldContinued;
                info.fields.child.status = proc::kSigCont;
            } else if ((status & 0xff) == 0x7f) {
                info.code = proc::kCldStopped;
                info.fields.child.status = (status >> 8) & 0xff;
            } else {
                bool exited = NYAN_WIFEXITED(status);
                info.code = exited ? proc::kCldExited : proc::kCldKilled;
                info.fields.child.status =
                    exited ? NYAN_WEXITSTATUS(status) : NYAN_WTERMSIG(status);
            }
        }
        auto c = copy_to_user(f.rdx, &info, sizeof(info));
        if (!c.ok()) return errno_of(c.error());
    }
    if (r.value() > 0) {
        auto u = store_rusage(f.r8);
        if (!u.ok()) return errno_of(u.error());
    }
    return 0;
}

int64_t linux_setpgid(SyscallFrame& f) {
    return result_of(proc::set_process_group(int(f.rdi), int(f.rsi)));
}
int64_t linux_getpgid(SyscallFrame& f) {
    return result_of(proc::process_group(int(f.rdi)));
}
int64_t linux_getpgrp(SyscallFrame&) {
    return result_of(proc::process_group(0));
}
int64_t linux_setsid(SyscallFrame&) {
    return result_of(proc::start_session());
}
int64_t linux_getsid(SyscallFrame& f) {
    return result_of(proc::session_of(int(f.rdi)));
}

}  // namespace nyanos::sys
