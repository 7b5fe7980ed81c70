// The Linux system-information and process-settings calls. Linux 6.1's
// kernel/sys.c, kernel/sched/core.c and kernel/groups.c are the spec, down
// to the order of the checks (which error wins).
#include "syscall/linux_system.h"

#include <new>
#include <string.h>

#include "arch/x86_64/timer.h"
#include "dev/power.h"
#include "lib/console.h"
#include "lib/credentials.h"
#include "lib/load_average.h"
#include "lib/resource_limits.h"
#include "mm/heap.h"
#include "mm/physical_memory.h"
#include "mm/vmm.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "proc/signals.h"
#include "syscall/linux_system_abi.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

namespace {

using namespace linux_abi;

proc::ProcessResources& mine() {
    return proc::current_process()->resources;
}

// What uname() reports: kUtsname, with the host and domain names that
// sethostname and setdomainname change (one system, no UTS namespaces).
sync::SpinLock g_uts_lock;
Utsname g_uts GUARDED_BY(g_uts_lock) = kUtsname;

// sethostname/setdomainname: privileged (CAP_SYS_ADMIN) and at most 64
// bytes, not NUL terminated (the rest of the field becomes zeros).
Result<void> set_uts_name(char (Utsname::*field)[kUtsLength], uint64_t user_name, int64_t length) {
    if (!creds::privileged(mine().credentials())) return Error::kPermission;
    if (length < 0 || length > int64_t(kUtsLength - 1)) return Error::kInvalid;
    char name[kUtsLength] = {};
    TRY(copy_from_user(name, user_name, size_t(length)));
    sync::NoInterruptsGuard lock(g_uts_lock);
    memcpy(g_uts.*field, name, sizeof(name));
    return {};
}

creds::Credentials my_credentials() {
    return mine().credentials();
}

// The ID arguments are uid_t/gid_t: the low 32 bits of the register.
uint32_t id_arg(uint64_t reg) {
    return uint32_t(reg);
}

enum class Ids { kUser, kGroup };

creds::IdSet& ids_of(creds::Credentials& c, Ids which) {
    return which == Ids::kUser ? c.uid : c.gid;
}

// Runs one of the creds:: setters on the caller's user or group IDs.
// CAP_SETUID and CAP_SETGID are both held while the effective uid is 0.
template <typename Setter>
int64_t change_ids(Ids which, Setter&& setter) {
    return result_of(mine().change_credentials(
        [&](creds::Credentials& c) { return setter(ids_of(c, which), creds::privileged(c)); }));
}

int64_t put_three(const creds::IdSet& ids, uint64_t real, uint64_t effective, uint64_t saved) {
    if (!copy_to_user(real, &ids.real, sizeof(uint32_t)).ok() ||
        !copy_to_user(effective, &ids.effective, sizeof(uint32_t)).ok() ||
        !copy_to_user(saved, &ids.saved, sizeof(uint32_t)).ok())
        return errno_of(Error::kFault);
    return 0;
}

// do_prlimit on the caller: `next` (may be null) checked and installed,
// the old limit returned.
Result<rlimit::Limit> prlimit_self(uint32_t resource, const rlimit::Limit* next) {
    if (resource >= rlimit::kCount) return Error::kInvalid;
    auto old = TRY(mine().exchange_limit(rlimit::Resource(resource), next,
                                         creds::privileged(my_credentials())));  // CAP_SYS_RESOURCE
    if (next && resource == rlimit::kStack)
        proc::current_process()->mm->set_stack_limit(next->soft);
    return old;
}

// The CPUs sched_getaffinity can report: the kernel's cpumask holds 64.
uint32_t cpu_id_count() {
    uint64_t online = proc::online_cpu_mask();
    return online ? 64 - uint32_t(__builtin_clzll(online)) : 1;
}

// The thread `tid` names (0: the caller), for `fn` under the table lock.
template <typename Fn>
Result<void> with_thread(int tid, Fn fn) {
    proc::Thread* self = proc::current_thread();
    if (tid == 0 || tid == self->tid) return fn(*self);
    return proc::with_thread(
        tid, [](proc::Thread& t, void* ctx) -> Result<void> { return (*static_cast<Fn*>(ctx))(t); },
        &fn);
}

}  // namespace

int64_t linux_sched_yield(SyscallFrame&) {
    proc::yield();
    return 0;
}

linux_abi::Utsname current_uts_name() {
    sync::NoInterruptsGuard lock(g_uts_lock);
    return g_uts;
}

int64_t linux_uname(SyscallFrame& f) {
    Utsname copy = current_uts_name();
    return result_of(copy_to_user(f.rdi, &copy, sizeof(copy)));
}

int64_t linux_sethostname(SyscallFrame& f) {
    return result_of(set_uts_name(&Utsname::nodename, f.rdi, int64_t(f.rsi)));
}

int64_t linux_setdomainname(SyscallFrame& f) {
    return result_of(set_uts_name(&Utsname::domainname, f.rdi, int64_t(f.rsi)));
}

int64_t linux_umask(SyscallFrame& f) {
    return int64_t(mine().exchange_umask(uint32_t(f.rdi)));
}

int64_t linux_sysinfo(SyscallFrame& f) {
    Sysinfo info;
    memset(&info, 0, sizeof(info));
    uint64_t now = arch::monotonic_ns();
    info.uptime = int64_t(now / 1'000'000'000 + (now % 1'000'000'000 ? 1 : 0));
    for (unsigned i = 0; i < 3; ++i)
        info.loads[i] = proc::load_average(i) << (kSysinfoLoadShift - LoadAverage::kFractionBits);
    // As meminfo: what the kernel keeps only for speed (self-reaped
    // children's remains, cached kernel stacks, empty heap slabs) goes back
    // before counting, so freeram depends only on what is live and a Linux
    // program can check that every frame came back (linux-thread-stress
    // does).
    proc::free_self_reaped();
    mm::reclaim_kernel_stacks();
    mm::kernel_heap_trim();
    mm::MemoryStats mem = mm::physical_memory().stats();
    info.totalram = mem.total_frames * paging::kPageSize;
    info.freeram = mem.free_frames * paging::kPageSize;
    size_t procs = proc::process_count();
    info.procs = uint16_t(procs > 0xffff ? 0xffff : procs);
    info.mem_unit = 1;
    return result_of(copy_to_user(f.rdi, &info, sizeof(info)));
}

int64_t linux_getuid(SyscallFrame&) {
    return my_credentials().uid.real;
}
int64_t linux_geteuid(SyscallFrame&) {
    return my_credentials().uid.effective;
}
int64_t linux_getgid(SyscallFrame&) {
    return my_credentials().gid.real;
}
int64_t linux_getegid(SyscallFrame&) {
    return my_credentials().gid.effective;
}

int64_t linux_setuid(SyscallFrame& f) {
    return change_ids(Ids::kUser, [&](creds::IdSet& ids, bool privileged) {
        return creds::set_id(ids, id_arg(f.rdi), privileged);
    });
}
int64_t linux_setgid(SyscallFrame& f) {
    return change_ids(Ids::kGroup, [&](creds::IdSet& ids, bool privileged) {
        return creds::set_id(ids, id_arg(f.rdi), privileged);
    });
}
int64_t linux_setreuid(SyscallFrame& f) {
    return change_ids(Ids::kUser, [&](creds::IdSet& ids, bool privileged) {
        return creds::set_real_effective(ids, id_arg(f.rdi), id_arg(f.rsi), privileged);
    });
}
int64_t linux_setregid(SyscallFrame& f) {
    return change_ids(Ids::kGroup, [&](creds::IdSet& ids, bool privileged) {
        return creds::set_real_effective(ids, id_arg(f.rdi), id_arg(f.rsi), privileged);
    });
}
int64_t linux_setresuid(SyscallFrame& f) {
    return change_ids(Ids::kUser, [&](creds::IdSet& ids, bool privileged) {
        return creds::set_real_effective_saved(ids, id_arg(f.rdi), id_arg(f.rsi), id_arg(f.rdx),
                                               privileged);
    });
}
int64_t linux_setresgid(SyscallFrame& f) {
    return change_ids(Ids::kGroup, [&](creds::IdSet& ids, bool privileged) {
        return creds::set_real_effective_saved(ids, id_arg(f.rdi), id_arg(f.rsi), id_arg(f.rdx),
                                               privileged);
    });
}
int64_t linux_setfsuid(SyscallFrame& f) {
    uint32_t old = 0;
    (void)change_ids(Ids::kUser, [&](creds::IdSet& ids, bool privileged) {
        old = creds::set_fs(ids, id_arg(f.rdi), privileged);
        return Result<void>();
    });
    return old;
}
int64_t linux_setfsgid(SyscallFrame& f) {
    uint32_t old = 0;
    (void)change_ids(Ids::kGroup, [&](creds::IdSet& ids, bool privileged) {
        old = creds::set_fs(ids, id_arg(f.rdi), privileged);
        return Result<void>();
    });
    return old;
}

int64_t linux_getresuid(SyscallFrame& f) {
    return put_three(my_credentials().uid, f.rdi, f.rsi, f.rdx);
}
int64_t linux_getresgid(SyscallFrame& f) {
    return put_three(my_credentials().gid, f.rdi, f.rsi, f.rdx);
}

// getgroups(size, list): size 0 asks for the count (list unused); a
// smaller size than the count is EINVAL.
int64_t linux_getgroups(SyscallFrame& f) {
    const int32_t size = int32_t(f.rdi);
    if (size < 0) return errno_of(Error::kInvalid);
    proc::GroupList* groups = mine().groups();
    const uint32_t count = groups ? groups->count() : 0;
    int64_t result = count;
    if (size && count) {
        if (count > uint32_t(size))
            result = errno_of(Error::kInvalid);
        else if (!copy_to_user(f.rsi, groups->ids(), count * sizeof(uint32_t)).ok())
            result = errno_of(Error::kFault);
    }
    proc::GroupList::release(groups);
    return result;
}

// setgroups(size, list): privileged only (CAP_SETGID), then EINVAL above
// NGROUPS_MAX, then EFAULT; the list is kept sorted, as Linux keeps it.
int64_t linux_setgroups(SyscallFrame& f) {
    if (!creds::privileged(my_credentials())) return errno_of(Error::kPermission);
    const uint32_t size = uint32_t(f.rdi);
    if (size > proc::kNgroupsMax) return errno_of(Error::kInvalid);
    proc::GroupList* list = nullptr;
    if (size) {
        list = proc::GroupList::create(size);
        if (!list) return errno_of(Error::kNoMemory);
        if (!copy_from_user(list->ids(), f.rsi, size * sizeof(uint32_t)).ok()) {
            proc::GroupList::release(list);
            return errno_of(Error::kFault);
        }
        list->sort();
    }
    return result_of(mine().set_groups(list));
}

int64_t linux_getrlimit(SyscallFrame& f) {
    auto old = prlimit_self(uint32_t(f.rdi), nullptr);
    if (!old.ok()) return errno_of(old.error());
    Rlimit64 out{old.value().soft, old.value().hard};
    return result_of(copy_to_user(f.rsi, &out, sizeof(out)));
}

int64_t linux_setrlimit(SyscallFrame& f) {
    Rlimit64 in;
    if (!copy_from_user(&in, f.rsi, sizeof(in)).ok()) return errno_of(Error::kFault);
    rlimit::Limit next{in.rlim_cur, in.rlim_max};
    auto r = prlimit_self(uint32_t(f.rdi), &next);
    return r.ok() ? 0 : errno_of(r.error());
}

int64_t linux_prlimit64(SyscallFrame& f) {
    int pid = int32_t(f.rdi);
    uint32_t resource = uint32_t(f.rsi);
    rlimit::Limit next;
    if (f.rdx) {
        Rlimit64 in;
        if (!copy_from_user(&in, f.rdx, sizeof(in)).ok()) return errno_of(Error::kFault);
        next = rlimit::Limit{in.rlim_cur, in.rlim_max};
    }
    const rlimit::Limit* wanted = f.rdx ? &next : nullptr;
    rlimit::Limit old;
    if (pid == 0 || pid == proc::current_process()->pid) {
        auto r = prlimit_self(resource, wanted);
        if (!r.ok()) return errno_of(r.error());
        old = r.value();
    } else {
        // Another process: its IDs must all be the caller's real ones, or
        // the caller holds CAP_SYS_RESOURCE (check_prlimit_permission).
        struct Call {
            creds::Credentials caller;
            uint32_t resource;
            const rlimit::Limit* next;
            rlimit::Limit old;
        } call{my_credentials(), resource, wanted, {}};
        auto r = proc::with_process(
            pid,
            [](proc::Process& p, void* ctx) -> Result<void> {
                auto* c = static_cast<Call*>(ctx);
                bool privileged = creds::privileged(c->caller);
                if (!privileged && !creds::ids_match_all(c->caller, p.resources.credentials()))
                    return Error::kPermission;
                if (c->resource >= rlimit::kCount) return Error::kInvalid;
                c->old = TRY(
                    p.resources.exchange_limit(rlimit::Resource(c->resource), c->next, privileged));
                if (c->next && c->resource == rlimit::kStack && p.mm)
                    p.mm->set_stack_limit(c->next->soft);  // its stack stops growing there
                return {};
            },
            &call);
        if (!r.ok()) return errno_of(r.error());
        old = call.old;
    }
    if (f.r10) {
        Rlimit64 out{old.soft, old.hard};
        if (!copy_to_user(f.r10, &out, sizeof(out)).ok()) return errno_of(Error::kFault);
    }
    return 0;
}

int64_t linux_getcpu(SyscallFrame& f) {
    uint32_t cpu = proc::this_cpu().index;
    uint32_t node = 0;
    bool fault = false;
    if (f.rdi) fault |= !copy_to_user(f.rdi, &cpu, sizeof(cpu)).ok();
    if (f.rsi) fault |= !copy_to_user(f.rsi, &node, sizeof(node)).ok();
    return fault ? errno_of(Error::kFault) : 0;
}

int64_t linux_sched_getaffinity(SyscallFrame& f) {
    uint32_t length = uint32_t(f.rsi);
    if (uint64_t(length) * 8 < cpu_id_count()) return errno_of(Error::kInvalid);
    if (length & (sizeof(uint64_t) - 1)) return errno_of(Error::kInvalid);
    uint64_t mask = 0;
    auto found = with_thread(int32_t(f.rdi), [&](proc::Thread& t) -> Result<void> {
        mask = __atomic_load_n(&t.affinity, __ATOMIC_RELAXED);
        return {};
    });
    if (!found.ok()) return errno_of(found.error());
    mask &= proc::online_cpu_mask();
    uint32_t bytes = length < kCpumaskBytes ? length : kCpumaskBytes;
    if (!copy_to_user(f.rdx, &mask, bytes).ok()) return errno_of(Error::kFault);
    return bytes;
}

int64_t linux_sched_setaffinity(SyscallFrame& f) {
    // A shorter buffer fills the low bytes of a cleared mask; a longer one
    // is read only as far as the kernel's mask goes.
    uint32_t length = uint32_t(f.rsi);
    uint64_t mask = 0;
    uint32_t bytes = length < kCpumaskBytes ? length : kCpumaskBytes;
    if (!copy_from_user(&mask, f.rdx, bytes).ok()) return errno_of(Error::kFault);
    creds::Credentials caller = my_credentials();
    return result_of(with_thread(int32_t(f.rdi), [&](proc::Thread& t) -> Result<void> {
        // Another owner's thread needs CAP_SYS_NICE (check_same_owner).
        if (&t != proc::current_thread() && !creds::privileged(caller) &&
            !creds::same_owner(caller, t.process->resources.credentials()))
            return Error::kPermission;
        if (!(mask & proc::online_cpu_mask())) return Error::kInvalid;
        __atomic_store_n(&t.affinity, mask, __ATOMIC_RELAXED);
        return {};
    }));
}

namespace {

// prctl options (linux/prctl.h).
enum : uint64_t {
    kPrSetPdeathsig = 1,
    kPrGetPdeathsig = 2,
    kPrGetDumpable = 3,
    kPrSetDumpable = 4,
    kPrGetKeepcaps = 7,
    kPrSetKeepcaps = 8,
    kPrSetName = 15,
    kPrGetName = 16,
    kPrGetSeccomp = 21,
    kPrCapbsetRead = 23,
    kPrSetChildSubreaper = 36,
    kPrGetChildSubreaper = 37,
    kPrSetTimerslack = 29,
    kPrGetTimerslack = 30,
    kPrSetNoNewPrivs = 38,
    kPrGetNoNewPrivs = 39,
};

// The highest capability number Linux 6.1 knows (CAP_CHECKPOINT_RESTORE).
constexpr uint64_t kLastCapability = 40;

int64_t put_int(uint64_t user, int value) {
    return result_of(copy_to_user(user, &value, sizeof(value)));
}

// A string copy that cuts silently: at most `size` - 1 bytes, stopping at
// a NUL, the rest NUL-padded; EFAULT for a fault before its end (Linux's
// strncpy_from_user, as PR_SET_NAME and reboot's RESTART2 use it).
Result<void> copy_cut_string_from_user(uint64_t user, char* out, size_t size) {
    for (size_t i = 0; i < size; ++i) out[i] = 0;
    for (size_t i = 0; i + 1 < size; ++i) {
        TRY(copy_from_user(&out[i], user + i, 1));
        if (!out[i]) break;
    }
    return {};
}

}  // namespace

// prctl(2), the options a program's start-up and process supervisors use,
// with Linux 6.1's argument checks; EINVAL for any other option (as Linux
// for one it does not know or was built without). Not here yet, among
// others: dropping capabilities from the bounding set. The timer slack
// (PR_SET/GET_TIMERSLACK) is kept per process, where Linux keeps it per
// thread.
int64_t linux_prctl(SyscallFrame& f) {
    const uint64_t option = f.rdi, arg2 = f.rsi, arg3 = f.rdx, arg4 = f.r10, arg5 = f.r8;
    proc::ProcessResources& resources = mine();
    switch (option) {
        case kPrSetPdeathsig:
            if (arg2 > uint64_t(proc::kSignalCount)) return errno_of(Error::kInvalid);
            resources.change_controls(
                [&](proc::ProcessControls& c) { c.parent_death_signal = uint8_t(arg2); });
            return 0;
        case kPrGetPdeathsig:
            return put_int(arg2, resources.controls().parent_death_signal);
        case kPrGetDumpable:
            return resources.controls().dumpable;
        case kPrSetDumpable:
            if (arg2 > 1) return errno_of(Error::kInvalid);
            resources.change_controls(
                [&](proc::ProcessControls& c) { c.dumpable = uint8_t(arg2); });
            return 0;
        case kPrGetKeepcaps:
            return resources.controls().keep_capabilities ? 1 : 0;
        case kPrSetKeepcaps:
            if (arg2 > 1) return errno_of(Error::kInvalid);
            resources.change_controls(
                [&](proc::ProcessControls& c) { c.keep_capabilities = arg2 == 1; });
            return 0;
        case kPrSetName: {
            char name[proc::kCommLength];
            if (auto r = copy_cut_string_from_user(arg2, name, sizeof(name)); !r.ok())
                return errno_of(r.error());
            proc::set_current_name(name);
            return 0;
        }
        case kPrGetName: {
            char name[proc::kCommLength];
            proc::current_name(name);
            return result_of(copy_to_user(arg2, name, sizeof(name)));
        }
        case kPrGetSeccomp:
            return 0;  // no seccomp filter or strict mode: seccomp is not implemented
        case kPrCapbsetRead:
            // The bounding set holds every capability and nothing drops one.
            return arg2 <= kLastCapability ? 1 : errno_of(Error::kInvalid);
        case kPrSetChildSubreaper:
            proc::set_child_subreaper(arg2 != 0);
            return 0;
        case kPrGetChildSubreaper:
            return put_int(arg2, proc::child_subreaper() ? 1 : 0);
        case kPrSetNoNewPrivs:
            if (arg2 != 1 || arg3 || arg4 || arg5) return errno_of(Error::kInvalid);
            resources.change_controls([](proc::ProcessControls& c) { c.no_new_privileges = true; });
            return 0;
        case kPrSetTimerslack:
            // Kept per process (Linux: per thread); nothing here waits with
            // slack, so it is only reported back.
            return result_of(resources.set_timer_slack(arg2));
        case kPrGetTimerslack:
            return int64_t(resources.timer_slack());
        case kPrGetNoNewPrivs:
            if (arg2 || arg3 || arg4 || arg5) return errno_of(Error::kInvalid);
            return resources.controls().no_new_privileges ? 1 : 0;
        default:
            return errno_of(Error::kInvalid);
    }
}

namespace {

// reboot(2)'s magic numbers and commands (linux/reboot.h).
constexpr uint32_t kRebootMagic1 = 0xfee1dead;
constexpr uint32_t kRebootMagic2[] = {672274793, 85072278, 369367448, 537993216};
enum : uint32_t {
    kRebootRestart = 0x01234567,
    kRebootHalt = 0xcdef0123,
    kRebootCadOn = 0x89abcdef,
    kRebootCadOff = 0,
    kRebootPowerOff = 0x4321fedc,
    kRebootRestart2 = 0xa1b2c3d4,
    kRebootSoftwareSuspend = 0xd000fce2,
    kRebootKexec = 0x45584543,
};

// Whether Ctrl-Alt-Del reboots at once (on) or is init's to handle (off,
// the default). Recorded for LINUX_REBOOT_CMD_CAD_ON/OFF; no keyboard
// driver acts on the combination yet.
bool g_ctrl_alt_del_reboots = false;

}  // namespace

// reboot(2), Linux's checks in Linux's order: EPERM without CAP_SYS_BOOT
// (held while the effective uid is 0), then EINVAL for wrong magic. Restart
// and power-off take the machine down at once (nothing to flush: every
// file system here lives in memory); halt stops every CPU; suspend to disk
// is ENOSYS and kexec EINVAL (neither exists here).
int64_t linux_reboot(SyscallFrame& f) {
    if (!creds::privileged(my_credentials())) return errno_of(Error::kPermission);
    const uint32_t magic1 = uint32_t(f.rdi), magic2 = uint32_t(f.rsi), command = uint32_t(f.rdx);
    bool magic_ok = false;
    for (uint32_t m : kRebootMagic2) magic_ok |= magic2 == m;
    if (magic1 != kRebootMagic1 || !magic_ok) return errno_of(Error::kInvalid);
    switch (command) {
        case kRebootRestart:
            power::reboot();
        case kRebootRestart2: {
            // The command string is for firmware that takes one; it must
            // still be readable.
            char command_text[256];
            if (auto r = copy_cut_string_from_user(f.r10, command_text, sizeof(command_text));
                !r.ok())
                return errno_of(r.error());
            power::reboot();
        }
        case kRebootHalt:
            power::halt();
        case kRebootPowerOff:
            power::power_off(0);
        case kRebootCadOn:
        case kRebootCadOff:
            __atomic_store_n(&g_ctrl_alt_del_reboots, command == kRebootCadOn, __ATOMIC_RELAXED);
            return 0;
        case kRebootSoftwareSuspend:
            return errno_of(Error::kNoSys);
        case kRebootKexec:
        default:
            return errno_of(Error::kInvalid);
    }
}

// setpriority(2): `which` PRIO_PROCESS, PRIO_PGRP or PRIO_USER (else
// EINVAL), the value clamped to -20..19.
int64_t linux_setpriority(SyscallFrame& f) {
    const int which = int(f.rdi);
    if (which < 0 || which > int(proc::PriorityTarget::kUser)) return errno_of(Error::kInvalid);
    return result_of(proc::set_nice(proc::PriorityTarget(which), int(f.rsi),
                                    proc::clamp_nice(int64_t(int32_t(f.rdx)))));
}

// getpriority(2): the raw call's 20 - nice (1..40); the C library turns it
// back into a nice value.
int64_t linux_getpriority(SyscallFrame& f) {
    const int which = int(f.rdi);
    if (which < 0 || which > int(proc::PriorityTarget::kUser)) return errno_of(Error::kInvalid);
    auto priority = proc::highest_priority(proc::PriorityTarget(which), int(f.rsi));
    return priority.ok() ? int64_t(priority.value()) : errno_of(priority.error());
}

namespace {

// ioprio(2)'s values: class << 13 | data, with the classes and `which`s
// of <linux/ioprio.h>.
constexpr int32_t kIoprioClassShift = 13, kIoprioClassNone = 0, kIoprioClassRt = 1,
                  kIoprioClassBe = 2, kIoprioClassIdle = 3;
constexpr int kIoprioWhoProcess = 1, kIoprioWhoUser = 3;

// ioprio_check_cap as Linux 6.1 (Debian's) applies it: the level is the low
// three bits (the bits above them, up to the class, pass unchecked; every
// level of the real-time and best-effort classes is valid), and only the
// NONE class insists on level 0.
Result<void> check_ioprio(int32_t value) {
    const int32_t cls = (value >> kIoprioClassShift) & 7;
    const int32_t level = value & 7;
    switch (cls) {
        case kIoprioClassRt:
            if (!creds::privileged(my_credentials())) return Error::kPermission;
            return {};
        case kIoprioClassBe:
        case kIoprioClassIdle:
            return {};
        case kIoprioClassNone:
            if (level) return Error::kInvalid;
            return {};
        default:
            return Error::kInvalid;
    }
}

}  // namespace

// ioprio_set(which, who, ioprio): the value is checked first (EPERM for the
// real-time class unprivileged, EINVAL for a bad class or level), then
// `which` (EINVAL), then the targets (ESRCH, EPERM). Kept in 16 bits, as
// Linux keeps it (higher bits are dropped). Nothing here schedules I/O by
// it: it is kept and reported.
int64_t linux_ioprio_set(SyscallFrame& f) {
    const int which = int(f.rdi), who = int(f.rsi);
    const int32_t value = int32_t(f.rdx);
    if (auto r = check_ioprio(value); !r.ok()) return errno_of(r.error());
    if (which < kIoprioWhoProcess || which > kIoprioWhoUser) return errno_of(Error::kInvalid);
    return result_of(proc::set_io_priority(proc::PriorityTarget(which - 1), who, uint16_t(value)));
}

// ioprio_get(which, who): the best priority among the targets.
int64_t linux_ioprio_get(SyscallFrame& f) {
    const int which = int(f.rdi), who = int(f.rsi);
    if (which < kIoprioWhoProcess || which > kIoprioWhoUser) return errno_of(Error::kInvalid);
    auto v = proc::best_io_priority(proc::PriorityTarget(which - 1), who);
    return v.ok() ? int64_t(v.value()) : errno_of(v.error());
}

namespace {

// Scheduling policies (sched(7)).
enum : uint64_t {
    kSchedOther = 0,
    kSchedFifo = 1,
    kSchedRr = 2,
    kSchedBatch = 3,
    kSchedIdle = 5,
    kSchedDeadline = 6,
};

// Whether `pid` (0: the caller; a thread ID too) names a thread; Linux's
// find_process_by_pid.
bool thread_exists(int pid) {
    return pid == 0 || proc::thread_group_of(pid) != 0;
}

}  // namespace

// sched_get_priority_max/min(2): 1..99 for the real-time policies, 0 for
// the others, EINVAL for an unknown one.
int64_t linux_sched_get_priority_max(SyscallFrame& f) {
    switch (f.rdi) {
        case kSchedFifo:
        case kSchedRr:
            return 99;
        case kSchedOther:
        case kSchedBatch:
        case kSchedIdle:
        case kSchedDeadline:
            return 0;
        default:
            return errno_of(Error::kInvalid);
    }
}

int64_t linux_sched_get_priority_min(SyscallFrame& f) {
    const int64_t max = linux_sched_get_priority_max(f);
    return max > 0 ? 1 : max;
}

// sched_getscheduler(2) and sched_getparam(2): every thread runs under
// SCHED_OTHER, whose static priority is 0 (nothing can change it here:
// sched_setscheduler is not implemented).
int64_t linux_sched_getscheduler(SyscallFrame& f) {
    const int pid = int(f.rdi);
    if (pid < 0) return errno_of(Error::kInvalid);
    if (!thread_exists(pid)) return errno_of(Error::kNoProcess);
    return int64_t(kSchedOther);
}

int64_t linux_sched_getparam(SyscallFrame& f) {
    const int pid = int(f.rdi);
    if (pid < 0 || !f.rsi) return errno_of(Error::kInvalid);
    if (!thread_exists(pid)) return errno_of(Error::kNoProcess);
    const int32_t priority = 0;
    return result_of(copy_to_user(f.rsi, &priority, sizeof(priority)));
}

namespace {

// syslog(2)'s actions (SYSLOG_ACTION_*).
enum : int {
    kSyslogClose = 0,
    kSyslogOpen = 1,
    kSyslogRead = 2,
    kSyslogReadAll = 3,
    kSyslogReadClear = 4,
    kSyslogClear = 5,
    kSyslogConsoleOff = 6,
    kSyslogConsoleOn = 7,
    kSyslogConsoleLevel = 8,
    kSyslogSizeUnread = 9,
    kSyslogSizeBuffer = 10,
};

// Copies `length` bytes of the log that `fill` writes into a kernel buffer
// to the caller's `user` buffer.
template <typename Fill>
int64_t copy_log_out(uint64_t user, size_t length, Fill&& fill) {
    char* text = new (std::nothrow) char[length];
    if (!text) return errno_of(Error::kNoMemory);
    size_t n = fill(text, length);
    auto copied = copy_to_user(user, text, n);
    delete[] text;
    return copied.ok() ? int64_t(n) : errno_of(copied.error());
}

}  // namespace

// syslog(2) (klogctl; busybox's dmesg): the kernel log (lib/console.h),
// with Linux's checks in Linux's order. Every action needs CAP_SYSLOG (held
// while the effective uid is 0), as with kernel.dmesg_restrict 1, Debian's
// setting: the log holds kernel addresses, which are not every user's to
// read.
int64_t linux_syslog(SyscallFrame& f) {
    const int action = int(f.rdi);
    const uint64_t buffer = f.rsi;
    const int length = int(f.rdx);
    if (!creds::privileged(my_credentials())) return errno_of(Error::kPermission);
    size_t size = length > 0 ? size_t(length) : 0;
    if (size > console::kLogCapacity) size = console::kLogCapacity;
    switch (action) {
        case kSyslogClose:
        case kSyslogOpen:
            return 0;
        case kSyslogRead: {
            if (!buffer || length < 0) return errno_of(Error::kInvalid);
            if (!length) return 0;
            // Waits for something to read; a signal ends the wait (the
            // kernel's messages come from any context, so no one wakes
            // this: it looks again every 50 ms).
            while (!console::log_unread()) {
                proc::WakeReason r =
                    proc::sleep_until(proc::Deadline{arch::monotonic_ns() + 50'000'000});
                if (r == proc::WakeReason::kKilled || r == proc::WakeReason::kInterrupted)
                    return errno_of(Error::kRestartSys);
            }
            return copy_log_out(buffer, size, console::log_read);
        }
        case kSyslogReadAll:
        case kSyslogReadClear: {
            if (!buffer || length < 0) return errno_of(Error::kInvalid);
            if (!length) return 0;
            const bool clear = action == kSyslogReadClear;
            return copy_log_out(buffer, size, [clear](char* out, size_t n) {
                return console::log_copy_recent(out, n, clear);
            });
        }
        case kSyslogClear:
            console::log_clear();
            return 0;
        case kSyslogConsoleOff:
            console::console_off();
            return 0;
        case kSyslogConsoleOn:
            console::console_on();
            return 0;
        case kSyslogConsoleLevel:
            if (length < 1 || length > 8) return errno_of(Error::kInvalid);
            console::set_console_level(length);
            return 0;
        case kSyslogSizeUnread:
            return int64_t(console::log_unread());
        case kSyslogSizeBuffer:
            return int64_t(console::kLogCapacity);
        default:
            return errno_of(Error::kInvalid);
    }
}

}  // namespace nyanos::sys
