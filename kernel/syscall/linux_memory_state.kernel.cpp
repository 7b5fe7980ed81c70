// Linux: mincore, and the memory-locking calls mlock, mlock2, munlock,
// mlockall, munlockall. Nothing here is ever swapped out, so locking is
// the range checks Linux makes and then success; mincore reports the
// pages the process has in its page tables.
#include "mm/process_memory.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "syscall/linux_memory.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

namespace {

constexpr uint64_t kPage = 4096;

// Whether every page of [start, end) is inside some region: ENOMEM
// otherwise, as mlock and mincore answer for a hole.
Result<void> all_mapped(mm::ProcessMemory& m, uint64_t start, uint64_t end) {
    for (uint64_t at = start; at < end;) {
        const mm::Region* r = m.regions().find(at);
        if (!r) return Error::kNoMemory;
        at = r->end;
    }
    return {};
}

// mlock(addr, length) and mlock2's range: the start rounds down to a page,
// the end up (EINVAL if that wraps, ENOMEM past the user half or over a hole).
Result<void> check_lock_range(uint64_t addr, uint64_t length) {
    uint64_t start = addr & ~(kPage - 1);
    uint64_t end = addr + length;
    if (end < addr) return Error::kInvalid;
    if (end > UINT64_MAX - (kPage - 1)) return Error::kInvalid;
    end = (end + kPage - 1) & ~(kPage - 1);
    if (start == end) return {};
    if (!is_user_range(start, end - start)) return Error::kNoMemory;
    proc::Process& self = *proc::current_process();
    proc::MemoryGuard lock(*self.mm);
    return all_mapped(self.mm->memory, start, end);
}

// mincore(addr, length, vec): Linux's order (EINVAL for an address off a
// page, ENOMEM for a range leaving the user half, EFAULT for a vector
// outside it), then a region at a time: ENOMEM at a hole, one byte per
// page (1 when the page is in the process's page tables). The bytes are
// gathered in a kernel buffer under the memory lock and copied out after
// it (a fault on the vector takes that lock).
Result<void> do_mincore(uint64_t addr, uint64_t length, uint64_t vec) {
    if (addr & (kPage - 1)) return Error::kInvalid;
    if (!is_user_range(addr, length)) return Error::kNoMemory;
    uint64_t pages = length / kPage + (length % kPage != 0);
    if (!is_user_range(vec, pages)) return Error::kFault;
    proc::Process& self = *proc::current_process();
    constexpr uint64_t kChunk = 256;
    uint8_t bytes[kChunk];
    for (uint64_t done = 0; done < pages;) {
        uint64_t n = pages - done < kChunk ? pages - done : kChunk;
        {
            proc::MemoryGuard lock(*self.mm);
            mm::ProcessMemory& m = self.mm->memory;
            for (uint64_t i = 0; i < n; ++i) {
                uint64_t va = addr + (done + i) * kPage;
                if (!m.regions().find(va)) {
                    if (i == 0) return Error::kNoMemory;
                    n = i;  // the pages before the hole go out first
                    break;
                }
                bytes[i] = m.space().translate(va).ok() ? 1 : 0;
            }
        }
        TRY(copy_to_user(vec + done, bytes, n));
        done += n;
    }
    return {};
}

}  // namespace

int64_t linux_mincore(SyscallFrame& f) {
    return result_of(do_mincore(f.rdi, f.rsi, f.rdx));
}

int64_t linux_mlock(SyscallFrame& f) {
    return result_of(check_lock_range(f.rdi, f.rsi));
}

// mlock2(addr, length, flags): MLOCK_ONFAULT is the only flag (EINVAL else).
int64_t linux_mlock2(SyscallFrame& f) {
    constexpr uint64_t kMlockOnFault = 1;
    if (f.rdx & ~kMlockOnFault) return errno_of(Error::kInvalid);
    return result_of(check_lock_range(f.rdi, f.rsi));
}

int64_t linux_munlock(SyscallFrame& f) {
    return result_of(check_lock_range(f.rdi, f.rsi));
}

// mlockall(flags): MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT; at least one of the
// first two, and ONFAULT not alone (EINVAL).
int64_t linux_mlockall(SyscallFrame& f) {
    constexpr uint64_t kCurrent = 1, kFuture = 2, kOnFault = 4;
    uint64_t flags = f.rdi;
    if (!flags || (flags & ~(kCurrent | kFuture | kOnFault)) || flags == kOnFault)
        return errno_of(Error::kInvalid);
    return 0;
}

int64_t linux_munlockall(SyscallFrame&) {
    return 0;
}

// personality(persona): 0xffffffff queries; the only persona is PER_LINUX
// (0), which is what every query answers and the only one that may be set.
int64_t linux_personality(SyscallFrame& f) {
    uint32_t persona = uint32_t(f.rdi);
    if (persona == 0xffffffffu || persona == 0) return 0;
    return errno_of(Error::kInvalid);
}

}  // namespace nyanos::sys
