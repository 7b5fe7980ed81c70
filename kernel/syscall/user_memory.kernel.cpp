#include "syscall/user_memory.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/interrupts.h"
#include "lib/panic.h"
#include "mm/address_space.h"
#include "proc/user_faults.h"

extern "C" {
uint64_t arch_user_copy(void* dst, const void* src, size_t n);
uint64_t arch_user_strnlen(const char* user, size_t max, size_t* out_len);
uint64_t arch_user_cmpxchg32(uint32_t* user, uint32_t expected, uint32_t desired,
                             uint32_t* observed);
extern char arch_user_copy_begin[], arch_user_copy_end[], arch_user_copy_fault[];
}

namespace nyanos::sys {

namespace {

// Makes the pages a copy reaches usable for it: maps never-touched lazy
// pages and, for a write, breaks copy-on-write (the kernel writes with
// CR0.WP set). False at the first page that cannot be (the copy would
// fault there: EFAULT).
bool prefault(uint64_t address, size_t length, bool write) {
    if (length == 0) return true;
    uint64_t page = address & ~uint64_t(4095);
    uint64_t end = address + length;
    for (; page < end; page += 4096)
        if (!proc::prefault_user_page(page, write)) return false;
    return true;
}

// Runs `access` (a user access inside the fault fixup; true if it did not
// fault). Usually the pages are there; if it faults, the pages of
// [address, address + length) are prefaulted and it runs again. So the
// common case costs no page-table walk, and a lazy or copy-on-write page
// costs one faulted attempt. Another thread of the process may undo a
// prefault before the retry (its fork makes the pages copy-on-write again,
// its munmap takes them): the retry repeats while the prefault succeeds, a
// few times, and only a page that cannot be had is EFAULT.
template <typename Access>
bool with_prefault_retry(uint64_t address, size_t length, bool write, Access&& access) {
    constexpr int kAttempts = 8;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        if (access()) return true;
        if (!prefault(address, length, write)) return false;
    }
    return access();
}

}  // namespace

void init_user_memory() {
    VERIFY(arch::register_fault_fixup(reinterpret_cast<uint64_t>(arch_user_copy_begin),
                                      reinterpret_cast<uint64_t>(arch_user_copy_end),
                                      reinterpret_cast<uint64_t>(arch_user_copy_fault)));
}

Result<void> copy_from_user(void* dst, uint64_t user_src, size_t length) {
    if (!is_user_range(user_src, length)) return Error::kFault;
    if (length == 0) return {};
    bool copied = with_prefault_retry(user_src, length, false, [&] {
        arch::UserAccessGuard open_smap;
        return arch_user_copy(dst, reinterpret_cast<const void*>(user_src), length) == 0;
    });
    if (!copied) return Error::kFault;
    return {};
}

Result<void> copy_to_user(uint64_t user_dst, const void* src, size_t length) {
    if (!is_user_range(user_dst, length)) return Error::kFault;
    if (length == 0) return {};
    // A faulted attempt may have written a prefix; the retry writes it again.
    bool copied = with_prefault_retry(user_dst, length, true, [&] {
        arch::UserAccessGuard open_smap;
        return arch_user_copy(reinterpret_cast<void*>(user_dst), src, length) == 0;
    });
    if (!copied) return Error::kFault;
    return {};
}

Result<void> prepare_user_write(uint64_t user_dst, size_t length) {
    if (!is_user_range(user_dst, length)) return Error::kFault;
    uint64_t end = user_dst + length;
    for (uint64_t page = user_dst & ~uint64_t(4095); page < end; page += 4096)
        if (!proc::prefault_user_page(page, true)) return Error::kFault;
    return {};
}

Result<void> copy_to_user_now(uint64_t user_dst, const void* src, size_t length) {
    if (!is_user_range(user_dst, length)) return Error::kFault;
    if (length == 0) return {};
    arch::UserAccessGuard open_smap;
    if (arch_user_copy(reinterpret_cast<void*>(user_dst), src, length) != 0) return Error::kFault;
    return {};
}

Result<uint32_t> read_user_word_now(uint64_t user_src) {
    if (!is_user_range(user_src, sizeof(uint32_t))) return Error::kFault;
    uint32_t value = 0;
    arch::UserAccessGuard open_smap;
    if (arch_user_copy(&value, reinterpret_cast<const void*>(user_src), sizeof(value)) != 0)
        return Error::kFault;
    return value;
}

Result<uint32_t> compare_exchange_user_word(uint64_t user_word, uint32_t expected,
                                            uint32_t desired) {
    if (!is_user_range(user_word, sizeof(uint32_t)) || user_word % 4) return Error::kFault;
    uint32_t observed = 0;
    bool done = with_prefault_retry(user_word, sizeof(uint32_t), true, [&] {
        arch::UserAccessGuard open_smap;
        return arch_user_cmpxchg32(reinterpret_cast<uint32_t*>(user_word), expected, desired,
                                   &observed) == 0;
    });
    if (!done) return Error::kFault;
    return observed;
}

Result<size_t> copy_string_from_user(char* dst, uint64_t user_src, size_t max) {
    if (max == 0 || user_src >= mm::kUserSpaceEnd) return Error::kFault;
    // Never scan past the user half.
    size_t limit = max;
    if (limit > mm::kUserSpaceEnd - user_src) limit = mm::kUserSpaceEnd - user_src;
    // The scan goes page by page, each page faulted in when the scan faults
    // like the other copies do: a string may end in (or be all of) a
    // never-touched lazy page, which reads as zeros but is not mapped yet.
    size_t length = 0;
    while (length < limit) {
        uint64_t at = user_src + length;
        size_t in_page = 4096 - (at & 4095);
        size_t chunk = limit - length < in_page ? limit - length : in_page;
        size_t found = 0;
        bool scanned = with_prefault_retry(at, chunk, false, [&] {
            arch::UserAccessGuard open_smap;
            return arch_user_strnlen(reinterpret_cast<const char*>(at), chunk, &found) == 0;
        });
        if (!scanned) return Error::kFault;
        length += found;
        if (found < chunk) break;  // the NUL
    }
    if (length == limit) return limit == max ? Error::kNameTooLong : Error::kFault;
    TRY(copy_from_user(dst, user_src, length));
    dst[length] = '\0';
    return length;
}

}  // namespace nyanos::sys
