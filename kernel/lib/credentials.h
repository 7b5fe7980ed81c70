// User and group IDs of a process, and Linux 6.1's rules for changing them
// (kernel/sys.c: setuid, setreuid, setresuid, setfsuid and their gid
// twins). Portable and host-tested.
//
// Every process starts as root (all IDs 0) and a child inherits its
// parent's IDs. The capabilities these rules ask about (CAP_SETUID,
// CAP_SETGID, CAP_SYS_RESOURCE, ...) are held exactly when the effective
// user ID is 0: Linux's default without securebits, where a process that
// leaves euid 0 loses its effective capabilities and regains them only by
// going back to euid 0, which needs a 0 among its real and saved IDs.
// NyanOS has no file ownership yet, so the IDs decide only the calls that
// ask for privilege.
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::creds {

// -1 as an ID argument: "leave this one unchanged" (and never a valid ID).
inline constexpr uint32_t kUnchanged = 0xffff'ffffu;

// One kind of ID (user or group): real, effective, saved set, filesystem.
struct IdSet {
    uint32_t real = 0;
    uint32_t effective = 0;
    uint32_t saved = 0;
    uint32_t fs = 0;
    bool operator==(const IdSet&) const = default;
};

struct Credentials {
    IdSet uid;
    IdSet gid;
    bool operator==(const Credentials&) const = default;
};

// Holds the capabilities a privileged call needs (see above).
constexpr bool privileged(const Credentials& c) {
    return c.uid.effective == 0;
}

// prlimit on another process without CAP_SYS_RESOURCE
// (check_prlimit_permission): the caller's real user and group IDs must
// equal all three of the target's.
constexpr bool ids_match_all(const Credentials& caller, const Credentials& target) {
    uint32_t u = caller.uid.real, g = caller.gid.real;
    return u == target.uid.real && u == target.uid.effective && u == target.uid.saved &&
           g == target.gid.real && g == target.gid.effective && g == target.gid.saved;
}

// sched_setaffinity on another process without CAP_SYS_NICE
// (check_same_owner): the caller's effective user ID is the target's real
// or effective one.
constexpr bool same_owner(const Credentials& caller, const Credentials& target) {
    return caller.uid.effective == target.uid.effective || caller.uid.effective == target.uid.real;
}

// The four setters work on either set; `privileged` is CAP_SETUID for the
// user IDs, CAP_SETGID for the group IDs. Each changes `ids` only on success.

// setuid/setgid: privileged, every ID becomes `id`; otherwise only the
// effective and fs IDs, and only to the real or saved ID. kInvalid for -1,
// kPermission when not allowed.
Result<void> set_id(IdSet& ids, uint32_t id, bool privileged);
// setreuid/setregid (-1 = unchanged): the real ID may become the real or
// effective one, the effective ID the real, effective or saved one, unless
// privileged. The saved ID follows the new effective one when the real ID
// is set or the effective one becomes other than the old real ID; the fs
// ID always follows the effective one.
Result<void> set_real_effective(IdSet& ids, uint32_t real, uint32_t effective, bool privileged);
// setresuid/setresgid (-1 = unchanged): unless privileged, each new ID must
// be one of the current real, effective and saved IDs. The fs ID follows
// the effective one.
Result<void> set_real_effective_saved(IdSet& ids, uint32_t real, uint32_t effective, uint32_t saved,
                                      bool privileged);
// setfsuid/setfsgid: returns the old fs ID whatever happens; changes it if
// `id` is one of the four current IDs or privileged (and not -1).
uint32_t set_fs(IdSet& ids, uint32_t id, bool privileged);

}  // namespace nyanos::creds
