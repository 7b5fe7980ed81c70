// IovecCopy: a user iovec array (readv, writev, sendmsg, recvmsg) copied
// into the kernel and checked, as one IoBuffer.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <new>

#include "fs/io_buffer.h"
#include "nyanos/lib/result.h"
#include "syscall/file_support.h"
#include "syscall/linux_abi.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

// A user iovec array, copied in and checked as Linux's import_iovec does:
// EINVAL for more than IOV_MAX entries or a length above SSIZE_MAX, EFAULT
// for a range outside the user half (checked before the cut), the total
// cut to kMaxTransfer.
// Up to kFast entries live in the object (on the stack), more on the heap.
class IovecCopy {
public:
    ~IovecCopy() { delete[] m_heap; }

    Result<void> import(uint64_t user_iov, uint64_t count) {
        if (count > uint64_t(linux_abi::kIovMax)) return Error::kInvalid;
        m_count = size_t(count);
        if (m_count > kFast) {
            m_heap = new (std::nothrow) fs::IoSegment[m_count];
            if (!m_heap) return Error::kNoMemory;
        }
        fs::IoSegment* s = segments();
        TRY(copy_from_user(s, user_iov, m_count * sizeof(fs::IoSegment)));
        // Linux's order: every length first (EINVAL), then each range as
        // given (EFAULT), then the cut to MAX_RW_COUNT.
        for (size_t i = 0; i < m_count; ++i) {
            if (int64_t(s[i].length) < 0) return Error::kInvalid;
        }
        m_total = 0;
        for (size_t i = 0; i < m_count; ++i) {
            if (!is_user_range(s[i].base, s[i].length)) return Error::kFault;
            if (s[i].length > kMaxTransfer - m_total) s[i].length = kMaxTransfer - m_total;
            m_total += s[i].length;
        }
        return {};
    }

    fs::IoBuffer buffer() { return fs::IoBuffer::user_vector(segments(), m_count, m_total); }

private:
    static constexpr size_t kFast = 8;  // Linux's UIO_FASTIOV
    fs::IoSegment* segments() { return m_heap ? m_heap : m_fast; }

    fs::IoSegment m_fast[kFast];
    fs::IoSegment* m_heap = nullptr;
    size_t m_count = 0;
    size_t m_total = 0;
};

}  // namespace nyanos::sys
