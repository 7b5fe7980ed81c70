// Linux's memory calls: argument checks Linux makes before the VM layer
// sees anything, then the ProcessMemory operation. The semantics (and
// errors) of each operation are mm/process_memory.h's; what mmap may make
// of a file is fs/file_mapping.h's.
#include "syscall/linux_memory.h"

#include "fs/file_mapping.h"
#include "fs/files.h"
#include "mm/process_memory.h"
#include "proc/cpu.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "syscall/file_support.h"

namespace nyanos::sys {

namespace {

// PROT_* bits mmap and mprotect accept (PROT_GROWSDOWN/GROWSUP are
// accepted by mprotect and ignored: stacks grow by faults here).
constexpr uint64_t kProtBits = mm::kProtMask;
constexpr uint64_t kProtGrowsDown = 0x01000000, kProtGrowsUp = 0x02000000;

// Runs `op` on the calling process's memory with its memory lock held
// (the process's other threads may be changing it or faulting on it).
template <typename Op>
auto with_memory(Op&& op) {
    proc::Process& self = *proc::current_process();
    proc::MemoryGuard lock(*self.mm);
    return op(self.mm->memory);
}

}  // namespace

// mmap(addr, length, prot, flags, fd, offset)
int64_t linux_mmap(SyscallFrame& f) {
    uint64_t prot = f.rdx;
    uint32_t flags = uint32_t(f.r10);
    if (prot & ~kProtBits) return errno_of(Error::kInvalid);
    // The offset is checked before anything else, anonymous mappings too.
    if (f.r9 & 0xfff) return errno_of(Error::kInvalid);
    if (flags & mm::kMapAnonymous)
        return result_of(with_memory(
            [&](mm::ProcessMemory& m) { return m.map(f.rdi, f.rsi, uint8_t(prot), flags); }));
    // Linux takes the descriptor's low 32 bits (an unsigned int).
    auto file = file_of(int(f.r8));
    if (!file.ok()) return errno_of(file.error());
    // do_mmap looks at the length before the file.
    if (f.rsi == 0) return errno_of(Error::kInvalid);
    auto mapping = fs::prepare_file_mapping(*file.value(), flags, uint8_t(prot));
    if (!mapping.ok()) return errno_of(mapping.error());
    if (mapping.value().anonymous) {
        // /dev/zero: anonymous memory, as Linux's mmap_zero makes it.
        uint32_t type = mapping.value().shared ? mm::kMapShared : mm::kMapPrivate;
        uint32_t anonymous = (flags & ~mm::kMapTypeMask) | type | mm::kMapAnonymous;
        return result_of(with_memory([&](mm::ProcessMemory& m) {
            return m.map(f.rdi, f.rsi, uint8_t(prot), anonymous, nullptr, 0,
                         mapping.value().may_write);
        }));
    }
    // The region takes its own reference to the backing; `mapping` drops
    // the creator's on the way out, so a failed map frees it.
    return result_of(with_memory([&](mm::ProcessMemory& m) {
        return m.map(f.rdi, f.rsi, uint8_t(prot), flags, mapping.value().backing.get(), f.r9,
                     mapping.value().may_write);
    }));
}

// mremap(old_address, old_size, new_size, flags, new_address)
int64_t linux_mremap(SyscallFrame& f) {
    return result_of(with_memory(
        [&](mm::ProcessMemory& m) { return m.remap(f.rdi, f.rsi, f.rdx, uint32_t(f.r10), f.r8); }));
}

// munmap(addr, length)
int64_t linux_munmap(SyscallFrame& f) {
    return result_of(with_memory([&](mm::ProcessMemory& m) { return m.unmap(f.rdi, f.rsi); }));
}

// mprotect(addr, length, prot)
int64_t linux_mprotect(SyscallFrame& f) {
    uint64_t prot = f.rdx & ~(kProtGrowsDown | kProtGrowsUp);
    if ((f.rdx & kProtGrowsDown) && (f.rdx & kProtGrowsUp)) return errno_of(Error::kInvalid);
    if (prot & ~kProtBits) return errno_of(Error::kInvalid);
    return result_of(
        with_memory([&](mm::ProcessMemory& m) { return m.protect(f.rdi, f.rsi, uint8_t(prot)); }));
}

// madvise(addr, length, advice): MADV_DONTNEED (and MADV_FREE, which may
// drop the pages at any time: dropping them now is allowed) drop private
// pages; the hints that change nothing observable succeed.
int64_t linux_madvise(SyscallFrame& f) {
    constexpr uint64_t kNormal = 0, kRandom = 1, kSequential = 2, kWillNeed = 3, kDontNeed = 4,
                       kFree = 8, kRemove = 9, kDontFork = 10, kDoFork = 11, kMergeable = 12,
                       kUnmergeable = 13, kHugePage = 14, kNoHugePage = 15, kDontDump = 16,
                       kDoDump = 17, kWipeOnFork = 18, kKeepOnFork = 19, kCold = 20, kPageout = 21;
    uint64_t addr = f.rdi, length = f.rsi, advice = f.rdx;
    if (addr & 0xfff) return errno_of(Error::kInvalid);
    switch (advice) {
        case kDontNeed:
        case kFree:
            if (length == 0) return 0;
            return result_of(with_memory([&](mm::ProcessMemory& m) {
                return m.advise_dontneed(addr, (length + 0xfff) & ~uint64_t(0xfff));
            }));
        case kNormal:
        case kRandom:
        case kSequential:
        case kWillNeed:
        case kDontFork:
        case kDoFork:
        case kMergeable:
        case kUnmergeable:
        case kHugePage:
        case kNoHugePage:
        case kDontDump:
        case kDoDump:
        case kWipeOnFork:
        case kKeepOnFork:
        case kCold:
        case kPageout:
            if (addr + length < addr) return errno_of(Error::kInvalid);
            return 0;
        case kRemove:
            return errno_of(Error::kInvalid);  // only for shared file mappings on Linux
        default:
            return errno_of(Error::kInvalid);
    }
}

// msync(addr, length, flags): file pages live in memory, in one copy that
// every mapping shares, so there is nothing to write back; what is left are
// Linux's checks: EINVAL for an address off a page, unknown flags, or both
// MS_ASYNC and MS_SYNC; ENOMEM if part of the range is not mapped.
int64_t linux_msync(SyscallFrame& f) {
    constexpr uint64_t kAsync = 1, kInvalidate = 2, kSync = 4;
    uint64_t addr = f.rdi, length = f.rsi, flags = f.rdx;
    if (addr & 0xfff) return errno_of(Error::kInvalid);
    if (flags & ~(kAsync | kInvalidate | kSync)) return errno_of(Error::kInvalid);
    if ((flags & kAsync) && (flags & kSync)) return errno_of(Error::kInvalid);
    uint64_t end = addr + ((length + 0xfff) & ~uint64_t(0xfff));
    if (end < addr) return errno_of(Error::kNoMemory);
    return result_of(with_memory([&](mm::ProcessMemory& m) -> Result<void> {
        for (uint64_t at = addr; at < end;) {
            const mm::Region* r = m.regions().find(at);
            if (!r) return Error::kNoMemory;
            at = r->end;
        }
        return {};
    }));
}

// brk(addr): the new break, or the current one when it cannot move.
int64_t linux_brk(SyscallFrame& f) {
    return int64_t(with_memory([&](mm::ProcessMemory& m) { return m.brk(f.rdi); }));
}

}  // namespace nyanos::sys
