#include "fs/pipe_buffer.h"

#include "lib/panic.h"

namespace nyanos::fs {

PipeBuffer::~PipeBuffer() {
    for (uint8_t*& page : m_ring) give_back(page);
    if (m_spare) m_pages.free_page(m_spare);
}

void PipeBuffer::give_back(uint8_t*& page) {
    if (!page) return;
    if (!m_spare) {
        m_spare = page;
    } else {
        m_pages.free_page(page);
    }
    page = nullptr;
}

size_t PipeBuffer::pages_held() const {
    size_t n = m_spare ? 1 : 0;
    for (uint8_t* page : m_ring) n += page ? 1 : 0;
    return n;
}

Result<size_t> PipeBuffer::peek_into(IoBuffer& out, size_t at, size_t n) const {
    VERIFY(n <= size());
    size_t done = 0;
    uint32_t position = m_tail;
    while (done < n) {
        size_t inside = position % kPageSize;
        size_t piece = kPageSize - inside < n - done ? kPageSize - inside : n - done;
        auto r = out.store(at + done, m_ring[slot_of(position)] + inside, piece);
        if (!r.ok()) {
            if (done) break;
            return r.error();
        }
        done += piece;
        position += uint32_t(piece);
    }
    return done;
}

void PipeBuffer::consume(size_t n) {
    VERIFY(n <= size());
    uint32_t end = m_tail + uint32_t(n);
    while (m_tail != end) {
        size_t inside = m_tail % kPageSize;
        size_t piece =
            kPageSize - inside < size_t(end - m_tail) ? kPageSize - inside : size_t(end - m_tail);
        size_t slot = slot_of(m_tail);
        m_tail += uint32_t(piece);
        // A page read to its end is no longer needed, unless the writer's
        // bytes or room have come round the ring into it again.
        if (m_tail % kPageSize == 0 && size() + m_reserved <= kCapacity - kPageSize)
            give_back(m_ring[slot]);
    }
}

size_t PipeBuffer::reserve(size_t n) {
    VERIFY(n <= space());
    size_t backed = 0;
    uint32_t position = m_head;
    while (backed < n) {
        size_t inside = position % kPageSize;
        size_t piece = kPageSize - inside < n - backed ? kPageSize - inside : n - backed;
        uint8_t*& page = m_ring[slot_of(position)];
        if (!page) {
            if (m_spare) {
                page = m_spare;
                m_spare = nullptr;
            } else {
                page = m_pages.allocate_page();
            }
            if (!page) break;
        }
        backed += piece;
        position += uint32_t(piece);
    }
    m_reserved = uint32_t(backed);
    return backed;
}

Result<size_t> PipeBuffer::fill_from(IoBuffer& in, size_t at, size_t n) {
    VERIFY(n <= m_reserved);
    size_t done = 0;
    uint32_t position = m_head;
    while (done < n) {
        size_t inside = position % kPageSize;
        size_t piece = kPageSize - inside < n - done ? kPageSize - inside : n - done;
        auto r = in.load(at + done, m_ring[slot_of(position)] + inside, piece);
        if (!r.ok()) {
            if (done) break;
            return r.error();
        }
        done += piece;
        position += uint32_t(piece);
    }
    return done;
}

void PipeBuffer::commit(size_t n) {
    VERIFY(n <= m_reserved);
    m_head += uint32_t(n);
    m_reserved = 0;
}

Result<size_t> PipeBuffer::read_into(IoBuffer& out, size_t at, size_t max) {
    size_t n = max < size() ? max : size();
    size_t copied = TRY(peek_into(out, at, n));
    consume(copied);
    return copied;
}

Result<size_t> PipeBuffer::write_from(IoBuffer& in, size_t at, size_t max) {
    size_t n = max < space() ? max : space();
    if (n == 0) return size_t(0);
    size_t backed = reserve(n);
    if (backed == 0) {
        commit(0);
        return Error::kNoMemory;
    }
    auto copied = fill_from(in, at, backed);
    commit(copied.ok() ? copied.value() : 0);
    return copied;
}

}  // namespace nyanos::fs
