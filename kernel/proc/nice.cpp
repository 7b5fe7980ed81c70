#include "proc/nice.h"

namespace nyanos::proc {

Result<void> check_set_nice(const creds::Credentials& caller, const creds::Credentials& target,
                            int current, int wanted, uint64_t nice_limit) {
    const bool privileged = creds::privileged(caller);
    const uint32_t euid = caller.uid.effective;
    if (euid != target.uid.real && euid != target.uid.effective && !privileged)
        return Error::kPermission;
    if (wanted < current && uint64_t(nice_to_priority(wanted)) > nice_limit && !privileged)
        return Error::kAccess;
    return {};
}

}  // namespace nyanos::proc
