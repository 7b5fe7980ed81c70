// The kernel log's memory: a ring of text lines that keeps the newest
// whole lines when it fills (the oldest leave a line at a time), with a
// read cursor for a reader that consumes (syslog's READ) and a clear point
// for one that does not (READ_ALL shows what came after the last CLEAR).
// Portable and host-tested; the console keeps one (lib/console.h) under
// its output lock.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos {

class LogRing {
public:
    // `storage` of `capacity` bytes (> 0) lives as long as the ring.
    LogRing(char* storage, size_t capacity) : m_data(storage), m_capacity(capacity) {}

    // Appends text (lines end with '\n'; the last may be unfinished and
    // continued by the next append). Whole lines leave from the front to
    // make room; text longer than the ring keeps its last `capacity` bytes.
    void append(const char* text, size_t length);

    // The newest whole lines after the clear point that fit in `size`
    // bytes, oldest first (and an unfinished last line); returns the bytes
    // copied. Reads nothing away.
    size_t copy_recent(char* out, size_t size) const;
    // Up to `size` bytes not read yet by this call, from the oldest; they
    // count as read.
    size_t read_unread(char* out, size_t size);
    size_t unread() const { return size_t(m_end - read_start()); }
    // READ_ALL shows nothing older than now.
    void clear() { m_clear = m_end; }
    size_t capacity() const { return m_capacity; }

private:
    uint64_t read_start() const { return m_read > m_oldest ? m_read : m_oldest; }
    char at(uint64_t position) const { return m_data[position % m_capacity]; }
    // The position after the next '\n' at or after `from`; m_end if none.
    uint64_t next_line(uint64_t from) const;
    void copy_out(uint64_t from, char* out, size_t length) const;

    char* m_data;
    size_t m_capacity;
    // Positions count every byte ever appended: m_end the next one,
    // m_oldest the first still kept (a line start), m_read and m_clear the
    // cursors (they may fall behind m_oldest; they read as m_oldest then).
    uint64_t m_end = 0;
    uint64_t m_oldest = 0;
    uint64_t m_read = 0;
    uint64_t m_clear = 0;
};

}  // namespace nyanos
