#include "lib/log_ring.h"

namespace nyanos {

uint64_t LogRing::next_line(uint64_t from) const {
    for (uint64_t p = from; p < m_end; ++p)
        if (at(p) == '\n') return p + 1;
    return m_end;
}

void LogRing::copy_out(uint64_t from, char* out, size_t length) const {
    for (size_t i = 0; i < length; ++i) out[i] = at(from + i);
}

void LogRing::append(const char* text, size_t length) {
    if (length >= m_capacity) {
        // Only the tail fits; it starts the ring afresh.
        text += length - m_capacity;
        length = m_capacity;
        m_end += length;
        m_oldest = m_end - length;
        for (size_t i = 0; i < length; ++i) m_data[(m_oldest + i) % m_capacity] = text[i];
        return;
    }
    // Make room a whole line at a time, before the bytes are overwritten.
    while (m_end + length - m_oldest > m_capacity) m_oldest = next_line(m_oldest);
    for (size_t i = 0; i < length; ++i) m_data[(m_end + i) % m_capacity] = text[i];
    m_end += length;
}

size_t LogRing::copy_recent(char* out, size_t size) const {
    uint64_t start = m_clear > m_oldest ? m_clear : m_oldest;
    while (m_end - start > size) start = next_line(start);
    const size_t length = size_t(m_end - start);
    copy_out(start, out, length);
    return length;
}

size_t LogRing::read_unread(char* out, size_t size) {
    const uint64_t start = read_start();
    size_t length = size_t(m_end - start);
    if (length > size) length = size;
    copy_out(start, out, length);
    m_read = start + length;
    return length;
}

}  // namespace nyanos
