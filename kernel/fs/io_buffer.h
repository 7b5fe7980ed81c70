// IoBuffer: where a read's bytes go and a write's bytes come from, for every
// kind of file. Either user memory (one range, or a readv/writev vector of
// ranges read as one run of bytes) or a kernel buffer. File code addresses
// it by byte offset and never touches user memory otherwise: the user
// copies go through syscall/user_memory.h (checked, fault-safe).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::fs {

// One range of a vector (Linux's struct iovec has this layout).
struct IoSegment {
    uint64_t base;
    size_t length;
};
static_assert(sizeof(IoSegment) == 16);

class IoBuffer {
public:
    // `length` bytes of user memory at `address`.
    static IoBuffer user(uint64_t address, size_t length) {
        return IoBuffer(true, IoSegment{address, length}, nullptr, 0, length);
    }
    // The user ranges `segments[0..count)`, in order, as one buffer.
    // `segments` (a kernel copy; zero-length ranges allowed) must outlive
    // the buffer; `total` is the sum of their lengths.
    static IoBuffer user_vector(const IoSegment* segments, size_t count, size_t total) {
        return IoBuffer(true, IoSegment{0, 0}, segments, count, total);
    }
    // `length` bytes of kernel memory at `p`.
    static IoBuffer kernel(void* p, size_t length) {
        return IoBuffer(false, IoSegment{reinterpret_cast<uint64_t>(p), length}, nullptr, 0,
                        length);
    }

    size_t length() const { return m_length; }
    bool is_user() const { return m_user; }

    // Copies `n` bytes from `src` into the buffer, starting `at` bytes in
    // (what a read delivers). EFAULT when part of the range is not writable
    // user memory (a prefix may have been written); EINVAL past the end.
    Result<void> store(size_t at, const void* src, size_t n);
    // Copies `n` bytes of the buffer, starting `at` bytes in, to `dst`
    // (what a write takes). EFAULT/EINVAL as for store.
    Result<void> load(size_t at, void* dst, size_t n);

private:
    IoBuffer(bool user, IoSegment single, const IoSegment* segments, size_t count, size_t total)
        : m_user(user), m_single(single), m_segments(segments), m_count(count), m_length(total) {}

    size_t segment_count() const { return m_segments ? m_count : 1; }
    const IoSegment& segment(size_t i) const { return m_segments ? m_segments[i] : m_single; }
    // Calls copy(address, offset into the caller's bytes, n) for each piece
    // of [at, at + n).
    template <typename Copy>
    Result<void> for_each_piece(size_t at, size_t n, Copy&& copy);

    bool m_user;
    IoSegment m_single;
    const IoSegment* m_segments;
    size_t m_count;
    size_t m_length;
    // Where the last copy ended (copies mostly go forward): the segment
    // index and the buffer offset at which that segment starts.
    size_t m_cursor_index = 0;
    size_t m_cursor_start = 0;
};

}  // namespace nyanos::fs
