// Linux: capget and capset. NyanOS has no capability sets of its own: a
// process's capabilities follow from its user IDs as Linux's do for a
// program that never changes them (cap_emulate_setxuid): every
// capability is effective while the effective user ID is 0 and permitted
// while any of the real, effective and saved ones is; none otherwise; the
// inheritable set is empty. So capget reports that, and capset succeeds
// only when it asks for the sets the process already has (raising one is
// EPERM as on Linux; dropping one is EPERM here too, since there is no
// per-process set to keep the smaller value in).
#include "lib/credentials.h"
#include "proc/lifecycle.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "syscall/linux_system.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

namespace {

// linux/capability.h's versions: V1 has one 32-bit word per set, V2 and V3
// two (V2 is deprecated but works the same).
constexpr uint32_t kVersion1 = 0x19980330, kVersion2 = 0x20071026, kVersion3 = 0x20080522;

struct CapHeader {
    uint32_t version;
    int32_t pid;
};
struct CapData {
    uint32_t effective, permitted, inheritable;
};

// Every capability Linux 6.1 has (CAP_LAST_CAP is 40).
constexpr uint64_t kAllCapabilities = (uint64_t(1) << 41) - 1;

struct Sets {
    uint64_t effective = 0, permitted = 0, inheritable = 0;
};

Sets sets_of(const creds::Credentials& c) {
    Sets s;
    if (c.uid.effective == 0) s.effective = kAllCapabilities;
    if (c.uid.real == 0 || c.uid.effective == 0 || c.uid.saved == 0) s.permitted = kAllCapabilities;
    return s;
}

// How many CapData words the version has; 0 for an unknown version, after
// which Linux writes its preferred version into the header (EFAULT if it
// cannot) and answers EINVAL.
Result<size_t> words_of(uint64_t user_header, uint32_t version) {
    if (version == kVersion1) return size_t(1);
    if (version == kVersion2 || version == kVersion3) return size_t(2);
    TRY(copy_to_user(user_header, &kVersion3, sizeof(kVersion3)));
    return Error::kInvalid;
}

// The credentials of the process `pid` (0: the caller's) names: ESRCH.
Result<creds::Credentials> credentials_of(int pid) {
    proc::Process& self = *proc::current_process();
    if (pid == 0 || pid == self.pid) return self.resources.credentials();
    int group = proc::thread_group_of(pid);
    if (group == 0) return Error::kNoProcess;
    creds::Credentials out;
    TRY(proc::with_process(
        group,
        [](proc::Process& p, void* ctx) -> Result<void> {
            *static_cast<creds::Credentials*>(ctx) = p.resources.credentials();
            return {};
        },
        &out));
    return out;
}

// capget(header, data): a null `data` only asks for the version (how
// libraries probe it): 0 even for an unknown one, once the header holds
// the preferred version. EINVAL for a negative pid, ESRCH for a missing one.
Result<void> do_capget(uint64_t user_header, uint64_t user_data) {
    CapHeader header;
    TRY(copy_from_user(&header, user_header, sizeof(header)));
    auto words_or = words_of(user_header, header.version);
    if (!user_data) {
        if (!words_or.ok() && words_or.error() == Error::kInvalid) return {};
        return words_or.ok() ? Result<void>{} : Result<void>(words_or.error());
    }
    size_t words = TRY(static_cast<Result<size_t>&&>(words_or));
    if (header.pid < 0) return Error::kInvalid;
    Sets s = sets_of(TRY(credentials_of(header.pid)));
    CapData data[2];
    for (size_t i = 0; i < 2; ++i) {
        data[i].effective = uint32_t(s.effective >> (32 * i));
        data[i].permitted = uint32_t(s.permitted >> (32 * i));
        data[i].inheritable = uint32_t(s.inheritable >> (32 * i));
    }
    return copy_to_user(user_data, data, words * sizeof(CapData));
}

// capset(header, data): only the caller's own sets (pid 0 or its own: EPERM
// otherwise). Linux's checks: the new permitted set within the old
// (EPERM), the effective within the new permitted (EPERM), the inheritable
// within the old inheritable and permitted (EPERM).
Result<void> do_capset(uint64_t user_header, uint64_t user_data) {
    CapHeader header;
    TRY(copy_from_user(&header, user_header, sizeof(header)));
    size_t words = TRY(words_of(user_header, header.version));
    proc::Process& self = *proc::current_process();
    if (header.pid != 0 && header.pid != self.pid) return Error::kPermission;
    CapData data[2] = {};
    TRY(copy_from_user(data, user_data, words * sizeof(CapData)));
    Sets want;
    for (size_t i = 0; i < words; ++i) {
        want.effective |= uint64_t(data[i].effective) << (32 * i);
        want.permitted |= uint64_t(data[i].permitted) << (32 * i);
        want.inheritable |= uint64_t(data[i].inheritable) << (32 * i);
    }
    Sets now = sets_of(self.resources.credentials());
    if (words == 1) {
        // V1 speaks for the low word only; the high word stays as it is.
        want.effective |= now.effective & ~uint64_t(0xffffffff);
        want.permitted |= now.permitted & ~uint64_t(0xffffffff);
        want.inheritable |= now.inheritable & ~uint64_t(0xffffffff);
    }
    if (want.permitted & ~now.permitted) return Error::kPermission;
    if (want.effective & ~want.permitted) return Error::kPermission;
    if (want.inheritable & ~(now.inheritable | now.permitted)) return Error::kPermission;
    if (want.effective != now.effective || want.permitted != now.permitted ||
        want.inheritable != now.inheritable)
        return Error::kPermission;  // a drop: not kept (see the file comment)
    return {};
}

}  // namespace

int64_t linux_capget(SyscallFrame& f) {
    return result_of(do_capget(f.rdi, f.rsi));
}

int64_t linux_capset(SyscallFrame& f) {
    return result_of(do_capset(f.rdi, f.rsi));
}

}  // namespace nyanos::sys
