#include "fs/io_buffer.h"

#include <string.h>

#include "syscall/user_memory.h"

namespace nyanos::fs {

template <typename Copy>
Result<void> IoBuffer::for_each_piece(size_t at, size_t n, Copy&& copy) {
    if (at > m_length || n > m_length - at) return Error::kInvalid;
    if (at < m_cursor_start) m_cursor_index = 0, m_cursor_start = 0;
    size_t done = 0;
    size_t count = segment_count();
    while (done < n) {
        // Advance to the segment holding byte `at + done`.
        while (m_cursor_index < count &&
               at + done - m_cursor_start >= segment(m_cursor_index).length) {
            m_cursor_start += segment(m_cursor_index).length;
            ++m_cursor_index;
        }
        if (m_cursor_index == count) return Error::kInvalid;  // lengths disagree with total
        const IoSegment& s = segment(m_cursor_index);
        size_t inside = at + done - m_cursor_start;
        size_t piece = s.length - inside < n - done ? s.length - inside : n - done;
        TRY(copy(s.base + inside, done, piece));
        done += piece;
    }
    return {};
}

Result<void> IoBuffer::store(size_t at, const void* src, size_t n) {
    const auto* from = static_cast<const uint8_t*>(src);
    return for_each_piece(at, n, [&](uint64_t address, size_t offset, size_t piece) {
        if (m_user) return sys::copy_to_user(address, from + offset, piece);
        memcpy(reinterpret_cast<void*>(address), from + offset, piece);
        return Result<void>();
    });
}

Result<void> IoBuffer::load(size_t at, void* dst, size_t n) {
    auto* to = static_cast<uint8_t*>(dst);
    return for_each_piece(at, n, [&](uint64_t address, size_t offset, size_t piece) {
        if (m_user) return sys::copy_from_user(to + offset, address, piece);
        memcpy(to + offset, reinterpret_cast<const void*>(address), piece);
        return Result<void>();
    });
}

}  // namespace nyanos::fs
