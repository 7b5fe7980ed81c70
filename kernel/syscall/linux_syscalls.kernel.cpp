// The Linux system-call table, and the report of the calls that are
// missing. The handlers live with their subject (linux_*.kernel.cpp in this
// directory); this file only maps numbers to them.
#include "syscall/linux_syscalls.h"

#include <stdint.h>

#include "lib/console.h"
#include "lib/nospec.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "syscall/linux_events.h"
#include "syscall/linux_exec.h"
#include "syscall/linux_fs.h"
#include "syscall/linux_memory.h"
#include "syscall/linux_process.h"
#include "syscall/linux_random.h"
#include "syscall/linux_signal.h"
#include "syscall/linux_socket.h"
#include "syscall/linux_system.h"
#include "syscall/linux_threads.h"
#include "syscall/linux_time.h"

namespace nyanos::sys {

namespace {

// The table's handler for a number without a call: the frame still holds
// the number in rax (the dispatcher writes the result there afterwards).
int64_t linux_missing(SyscallFrame& frame) {
    return linux_syscall_missing(frame.rax);
}

constexpr SyscallTable<linux_nr::kCount> make_table() {
    SyscallTable<linux_nr::kCount> t{};
    // Processes (linux_process.h).
    t.entries[linux_nr::getpid] = linux_getpid;
    t.entries[linux_nr::gettid] = linux_gettid;
    t.entries[linux_nr::getppid] = linux_getppid;
    t.entries[linux_nr::set_tid_address] = linux_set_tid_address;
    t.entries[linux_nr::exit] = linux_exit;
    t.entries[linux_nr::exit_group] = linux_exit_group;
    t.entries[linux_nr::arch_prctl] = linux_arch_prctl;
    t.entries[linux_nr::execve] = linux_execve;
    t.entries[linux_nr::getrandom] = linux_getrandom;
    t.entries[linux_nr::mmap] = linux_mmap;
    t.entries[linux_nr::munmap] = linux_munmap;
    t.entries[linux_nr::mremap] = linux_mremap;
    t.entries[linux_nr::mprotect] = linux_mprotect;
    t.entries[linux_nr::madvise] = linux_madvise;
    t.entries[linux_nr::msync] = linux_msync;
    t.entries[linux_nr::brk] = linux_brk;
    t.entries[linux_nr::mincore] = linux_mincore;
    t.entries[linux_nr::mlock] = linux_mlock;
    t.entries[linux_nr::mlock2] = linux_mlock2;
    t.entries[linux_nr::munlock] = linux_munlock;
    t.entries[linux_nr::mlockall] = linux_mlockall;
    t.entries[linux_nr::munlockall] = linux_munlockall;
    t.entries[linux_nr::personality] = linux_personality;
    t.entries[linux_nr::fork] = linux_fork;
    t.entries[linux_nr::vfork] = linux_vfork;
    t.entries[linux_nr::clone] = linux_clone;
    t.entries[linux_nr::clone3] = linux_clone3;
    t.entries[linux_nr::wait4] = linux_wait4;
    t.entries[linux_nr::waitid] = linux_waitid;
    t.entries[linux_nr::setpgid] = linux_setpgid;
    t.entries[linux_nr::getpgid] = linux_getpgid;
    t.entries[linux_nr::getpgrp] = linux_getpgrp;
    t.entries[linux_nr::setsid] = linux_setsid;
    t.entries[linux_nr::getsid] = linux_getsid;
    // Signals (linux_signal.h).
    t.entries[linux_nr::rt_sigaction] = linux_rt_sigaction;
    t.entries[linux_nr::rt_sigprocmask] = linux_rt_sigprocmask;
    t.entries[linux_nr::rt_sigpending] = linux_rt_sigpending;
    t.entries[linux_nr::rt_sigsuspend] = linux_rt_sigsuspend;
    t.entries[linux_nr::rt_sigtimedwait] = linux_rt_sigtimedwait;
    t.entries[linux_nr::rt_sigreturn] = linux_rt_sigreturn;
    t.entries[linux_nr::sigaltstack] = linux_sigaltstack;
    t.entries[linux_nr::pause] = linux_pause;
    t.entries[linux_nr::kill] = linux_kill;
    t.entries[linux_nr::tkill] = linux_tkill;
    t.entries[linux_nr::futex] = linux_futex;
    t.entries[linux_nr::set_robust_list] = linux_set_robust_list;
    t.entries[linux_nr::get_robust_list] = linux_get_robust_list;
    t.entries[linux_nr::tgkill] = linux_tgkill;
    t.entries[linux_nr::rt_sigqueueinfo] = linux_rt_sigqueueinfo;
    t.entries[linux_nr::rt_tgsigqueueinfo] = linux_rt_tgsigqueueinfo;
    // Time (linux_time.h).
    t.entries[linux_nr::nanosleep] = linux_nanosleep;
    t.entries[linux_nr::getitimer] = linux_getitimer;
    t.entries[linux_nr::alarm] = linux_alarm;
    t.entries[linux_nr::setitimer] = linux_setitimer;
    t.entries[linux_nr::gettimeofday] = linux_gettimeofday;
    t.entries[linux_nr::getrusage] = linux_getrusage;
    t.entries[linux_nr::times] = linux_times;
    t.entries[linux_nr::settimeofday] = linux_settimeofday;
    t.entries[linux_nr::time] = linux_time;
    t.entries[linux_nr::clock_settime] = linux_clock_settime;
    t.entries[linux_nr::clock_gettime] = linux_clock_gettime;
    t.entries[linux_nr::clock_getres] = linux_clock_getres;
    t.entries[linux_nr::clock_nanosleep] = linux_clock_nanosleep;
    // System information and process settings (linux_system.h).
    t.entries[linux_nr::sched_yield] = linux_sched_yield;
    t.entries[linux_nr::uname] = linux_uname;
    t.entries[linux_nr::sethostname] = linux_sethostname;
    t.entries[linux_nr::setdomainname] = linux_setdomainname;
    t.entries[linux_nr::umask] = linux_umask;
    t.entries[linux_nr::getrlimit] = linux_getrlimit;
    t.entries[linux_nr::sysinfo] = linux_sysinfo;
    t.entries[linux_nr::getuid] = linux_getuid;
    t.entries[linux_nr::getgid] = linux_getgid;
    t.entries[linux_nr::setuid] = linux_setuid;
    t.entries[linux_nr::setgid] = linux_setgid;
    t.entries[linux_nr::geteuid] = linux_geteuid;
    t.entries[linux_nr::getegid] = linux_getegid;
    t.entries[linux_nr::setreuid] = linux_setreuid;
    t.entries[linux_nr::setregid] = linux_setregid;
    t.entries[linux_nr::getgroups] = linux_getgroups;
    t.entries[linux_nr::setresuid] = linux_setresuid;
    t.entries[linux_nr::getresuid] = linux_getresuid;
    t.entries[linux_nr::setresgid] = linux_setresgid;
    t.entries[linux_nr::getresgid] = linux_getresgid;
    t.entries[linux_nr::setfsuid] = linux_setfsuid;
    t.entries[linux_nr::setfsgid] = linux_setfsgid;
    t.entries[linux_nr::setrlimit] = linux_setrlimit;
    t.entries[linux_nr::sched_setaffinity] = linux_sched_setaffinity;
    t.entries[linux_nr::sched_getaffinity] = linux_sched_getaffinity;
    t.entries[linux_nr::prlimit64] = linux_prlimit64;
    t.entries[linux_nr::getcpu] = linux_getcpu;
    t.entries[linux_nr::prctl] = linux_prctl;
    t.entries[linux_nr::capget] = linux_capget;
    t.entries[linux_nr::capset] = linux_capset;
    t.entries[linux_nr::syslog] = linux_syslog;
    t.entries[linux_nr::getpriority] = linux_getpriority;
    t.entries[linux_nr::setpriority] = linux_setpriority;
    t.entries[linux_nr::sched_getparam] = linux_sched_getparam;
    t.entries[linux_nr::sched_getscheduler] = linux_sched_getscheduler;
    t.entries[linux_nr::sched_get_priority_max] = linux_sched_get_priority_max;
    t.entries[linux_nr::sched_get_priority_min] = linux_sched_get_priority_min;
    t.entries[linux_nr::reboot] = linux_reboot;
    // Files (syscall/linux_fs.h).
    t.entries[linux_nr::read] = linux_fs::read;
    t.entries[linux_nr::write] = linux_fs::write;
    t.entries[linux_nr::readv] = linux_fs::readv;
    t.entries[linux_nr::writev] = linux_fs::writev;
    t.entries[linux_nr::pread64] = linux_fs::pread64;
    t.entries[linux_nr::pwrite64] = linux_fs::pwrite64;
    t.entries[linux_nr::lseek] = linux_fs::lseek;
    t.entries[linux_nr::ioctl] = linux_fs::ioctl;
    t.entries[linux_nr::sendfile] = linux_fs::sendfile;
    t.entries[linux_nr::close] = linux_fs::close;
    t.entries[linux_nr::close_range] = linux_fs::close_range;
    t.entries[linux_nr::dup] = linux_fs::dup;
    t.entries[linux_nr::dup2] = linux_fs::dup2;
    t.entries[linux_nr::dup3] = linux_fs::dup3;
    t.entries[linux_nr::fcntl] = linux_fs::fcntl;
    t.entries[linux_nr::pipe] = linux_fs::pipe;
    t.entries[linux_nr::pipe2] = linux_fs::pipe2;
    t.entries[linux_nr::open] = linux_fs::open;
    t.entries[linux_nr::openat] = linux_fs::openat;
    t.entries[linux_nr::creat] = linux_fs::creat;
    t.entries[linux_nr::stat] = linux_fs::stat;
    t.entries[linux_nr::fstat] = linux_fs::fstat;
    t.entries[linux_nr::lstat] = linux_fs::lstat;
    t.entries[linux_nr::newfstatat] = linux_fs::newfstatat;
    t.entries[linux_nr::statx] = linux_fs::statx;
    t.entries[linux_nr::getdents64] = linux_fs::getdents64;
    t.entries[linux_nr::getcwd] = linux_fs::getcwd;
    t.entries[linux_nr::chdir] = linux_fs::chdir;
    t.entries[linux_nr::fchdir] = linux_fs::fchdir;
    t.entries[linux_nr::readlink] = linux_fs::readlink;
    t.entries[linux_nr::statfs] = linux_fs::statfs;
    t.entries[linux_nr::fstatfs] = linux_fs::fstatfs;
    t.entries[linux_nr::readlinkat] = linux_fs::readlinkat;
    t.entries[linux_nr::access] = linux_fs::access;
    t.entries[linux_nr::flock] = linux_fs::flock;
    t.entries[linux_nr::mkdir] = linux_fs::mkdir;
    t.entries[linux_nr::mkdirat] = linux_fs::mkdirat;
    t.entries[linux_nr::mknod] = linux_fs::mknod;
    t.entries[linux_nr::mknodat] = linux_fs::mknodat;
    t.entries[linux_nr::unlink] = linux_fs::unlink;
    t.entries[linux_nr::rmdir] = linux_fs::rmdir;
    t.entries[linux_nr::unlinkat] = linux_fs::unlinkat;
    t.entries[linux_nr::rename] = linux_fs::rename;
    t.entries[linux_nr::renameat] = linux_fs::renameat;
    t.entries[linux_nr::renameat2] = linux_fs::renameat2;
    t.entries[linux_nr::link] = linux_fs::link;
    t.entries[linux_nr::linkat] = linux_fs::linkat;
    t.entries[linux_nr::symlink] = linux_fs::symlink;
    t.entries[linux_nr::symlinkat] = linux_fs::symlinkat;
    t.entries[linux_nr::chmod] = linux_fs::chmod;
    t.entries[linux_nr::fchmodat] = linux_fs::fchmodat;
    t.entries[linux_nr::fchmod] = linux_fs::fchmod;
    t.entries[linux_nr::chown] = linux_fs::chown;
    t.entries[linux_nr::lchown] = linux_fs::lchown;
    t.entries[linux_nr::fchown] = linux_fs::fchown;
    t.entries[linux_nr::fchownat] = linux_fs::fchownat;
    t.entries[linux_nr::utimensat] = linux_fs::utimensat;
    t.entries[linux_nr::utimes] = linux_fs::utimes;
    t.entries[linux_nr::futimesat] = linux_fs::futimesat;
    t.entries[linux_nr::utime] = linux_fs::utime;
    t.entries[linux_nr::truncate] = linux_fs::truncate;
    t.entries[linux_nr::ftruncate] = linux_fs::ftruncate;
    t.entries[linux_nr::fsync] = linux_fs::fsync;
    t.entries[linux_nr::sync] = linux_fs::sync;
    t.entries[linux_nr::syncfs] = linux_fs::syncfs;
    t.entries[linux_nr::fdatasync] = linux_fs::fsync;
    t.entries[linux_nr::faccessat] = linux_fs::faccessat;
    t.entries[linux_nr::faccessat2] = linux_fs::faccessat2;
    t.entries[linux_nr::preadv] = linux_fs::preadv;
    t.entries[linux_nr::pwritev] = linux_fs::pwritev;
    t.entries[linux_nr::preadv2] = linux_fs::preadv2;
    t.entries[linux_nr::pwritev2] = linux_fs::pwritev2;
    t.entries[linux_nr::memfd_create] = linux_fs::memfd_create;
    t.entries[linux_nr::fallocate] = linux_fs::fallocate;
    // Event files (linux_events.h).
    t.entries[linux_nr::eventfd] = linux_events::eventfd;
    t.entries[linux_nr::eventfd2] = linux_events::eventfd2;
    t.entries[linux_nr::timerfd_create] = linux_events::timerfd_create;
    t.entries[linux_nr::timerfd_settime] = linux_events::timerfd_settime;
    t.entries[linux_nr::timerfd_gettime] = linux_events::timerfd_gettime;
    t.entries[linux_nr::signalfd] = linux_events::signalfd;
    t.entries[linux_nr::signalfd4] = linux_events::signalfd4;
    t.entries[linux_nr::epoll_create] = linux_events::epoll_create;
    t.entries[linux_nr::epoll_create1] = linux_events::epoll_create1;
    t.entries[linux_nr::epoll_ctl] = linux_events::epoll_ctl;
    t.entries[linux_nr::epoll_wait] = linux_events::epoll_wait;
    t.entries[linux_nr::epoll_pwait] = linux_events::epoll_pwait;
    t.entries[linux_nr::epoll_pwait2] = linux_events::epoll_pwait2;
    t.entries[linux_nr::poll] = linux_fs::poll;
    t.entries[linux_nr::ppoll] = linux_fs::ppoll;
    t.entries[linux_nr::select] = linux_fs::select;
    t.entries[linux_nr::pselect6] = linux_fs::pselect6;
    // Sockets (linux_socket.h).
    t.entries[linux_nr::socket] = linux_net::socket;
    t.entries[linux_nr::socketpair] = linux_net::socketpair;
    t.entries[linux_nr::bind] = linux_net::bind;
    t.entries[linux_nr::listen] = linux_net::listen;
    t.entries[linux_nr::connect] = linux_net::connect;
    t.entries[linux_nr::accept] = linux_net::accept;
    t.entries[linux_nr::accept4] = linux_net::accept4;
    t.entries[linux_nr::getsockname] = linux_net::getsockname;
    t.entries[linux_nr::getpeername] = linux_net::getpeername;
    t.entries[linux_nr::sendto] = linux_net::sendto;
    t.entries[linux_nr::recvfrom] = linux_net::recvfrom;
    t.entries[linux_nr::sendmsg] = linux_net::sendmsg;
    t.entries[linux_nr::recvmsg] = linux_net::recvmsg;
    t.entries[linux_nr::shutdown] = linux_net::shutdown;
    t.entries[linux_nr::getsockopt] = linux_net::getsockopt;
    t.entries[linux_nr::setsockopt] = linux_net::setsockopt;
    // POSIX timers (linux_time.h).
    t.entries[linux_nr::timer_create] = linux_timer_create;
    t.entries[linux_nr::timer_settime] = linux_timer_settime;
    t.entries[linux_nr::timer_gettime] = linux_timer_gettime;
    t.entries[linux_nr::timer_getoverrun] = linux_timer_getoverrun;
    t.entries[linux_nr::timer_delete] = linux_timer_delete;
    // Groups and I/O priority (linux_system.h).
    t.entries[linux_nr::setgroups] = linux_setgroups;
    t.entries[linux_nr::ioprio_set] = linux_ioprio_set;
    t.entries[linux_nr::ioprio_get] = linux_ioprio_get;
    t.entries[linux_nr::membarrier] = linux_membarrier;
    t.entries[linux_nr::chroot] = linux_fs::chroot;
    t.complete(linux_missing);
    return t;
}

// One bit per number already reported, plus one for every number past the
// table: a program probing for new calls logs each once, never a flood.
constexpr size_t kReportedWords = (linux_nr::kCount + 1 + 63) / 64;
uint64_t g_reported[kReportedWords];  // set with atomic or: any CPU may report

}  // namespace

constinit const SyscallTable<linux_nr::kCount> g_linux_syscalls = make_table();

int64_t linux_syscall_missing(uint64_t number) {
    size_t bit = number < linux_nr::kCount ? size_t(number) : linux_nr::kCount;
    uint64_t mask = 1ull << (bit % 64);
    if (!(__atomic_fetch_or(&g_reported[bit / 64], mask, __ATOMIC_RELAXED) & mask)) {
        // The number is the caller's: clamped under speculation too.
        const char* name = number < linux_nr::kCount
                               ? linux_nr::kNames[array_index_nospec(number, linux_nr::kCount)]
                               : nullptr;
        kprintf("nyanos: linux syscall %lu (%s) not implemented, pid %d\n", number,
                name ? name : "unknown", proc::current_process()->pid);
    }
    return errno_of(Error::kNoSys);
}

}  // namespace nyanos::sys
