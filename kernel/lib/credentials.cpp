#include "lib/credentials.h"

namespace nyanos::creds {

namespace {

bool one_of_three(const IdSet& ids, uint32_t id) {
    return id == ids.real || id == ids.effective || id == ids.saved;
}

}  // namespace

Result<void> set_id(IdSet& ids, uint32_t id, bool privileged) {
    if (id == kUnchanged) return Error::kInvalid;
    if (privileged) {
        ids = IdSet{id, id, id, id};
        return {};
    }
    if (id != ids.real && id != ids.saved) return Error::kPermission;
    ids.effective = ids.fs = id;
    return {};
}

Result<void> set_real_effective(IdSet& ids, uint32_t real, uint32_t effective, bool privileged) {
    IdSet next = ids;
    if (real != kUnchanged) {
        if (real != ids.real && real != ids.effective && !privileged) return Error::kPermission;
        next.real = real;
    }
    if (effective != kUnchanged) {
        if (!one_of_three(ids, effective) && !privileged) return Error::kPermission;
        next.effective = effective;
    }
    if (real != kUnchanged || (effective != kUnchanged && effective != ids.real))
        next.saved = next.effective;
    next.fs = next.effective;
    ids = next;
    return {};
}

Result<void> set_real_effective_saved(IdSet& ids, uint32_t real, uint32_t effective, uint32_t saved,
                                      bool privileged) {
    if (!privileged) {
        const uint32_t wanted[3] = {real, effective, saved};
        for (uint32_t id : wanted)
            if (id != kUnchanged && !one_of_three(ids, id)) return Error::kPermission;
    }
    if (real != kUnchanged) ids.real = real;
    if (effective != kUnchanged) ids.effective = effective;
    if (saved != kUnchanged) ids.saved = saved;
    ids.fs = ids.effective;
    return {};
}

uint32_t set_fs(IdSet& ids, uint32_t id, bool privileged) {
    uint32_t old = ids.fs;
    if (id == kUnchanged) return old;
    if (one_of_three(ids, id) || id == ids.fs || privileged) ids.fs = id;
    return old;
}

}  // namespace nyanos::creds
