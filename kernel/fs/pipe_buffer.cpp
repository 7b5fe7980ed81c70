#include "fs/pipe_buffer.h"

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

Result<size_t> PipeBuffer::read_into(IoBuffer& out, size_t at, size_t max) {
    size_t want = max < size() ? max : size();
    size_t done = 0;
    while (done < want) {
        size_t inside = m_tail % kPageSize;
        size_t piece = kPageSize - inside < want - done ? kPageSize - inside : want - done;
        uint8_t*& page = page_for(m_tail);
        auto r = out.store(at + done, page + inside, piece);
        if (!r.ok()) {
            if (done) break;
            return r.error();
        }
        done += piece;
        m_tail += uint32_t(piece);
        // A page read to its end is no longer needed, unless the writer has
        // come round the ring into it again (over 60 KiB buffered).
        if (m_tail % kPageSize == 0 && size() <= kCapacity - kPageSize) give_back(page);
    }
    return done;
}

Result<size_t> PipeBuffer::write_from(IoBuffer& in, size_t at, size_t max) {
    size_t want = max < space() ? max : space();
    size_t done = 0;
    while (done < want) {
        size_t inside = m_head % kPageSize;
        size_t piece = kPageSize - inside < want - done ? kPageSize - inside : want - done;
        uint8_t*& page = page_for(m_head);
        if (!page) {
            if (m_spare) {
                page = m_spare;
                m_spare = nullptr;
            } else {
                page = m_pages.allocate_page();
            }
            if (!page) {
                if (done) break;
                return Error::kNoMemory;
            }
        }
        auto r = in.load(at + done, page + inside, piece);
        if (!r.ok()) {
            if (done) break;
            return r.error();
        }
        done += piece;
        m_head += uint32_t(piece);
    }
    return done;
}

}  // namespace nyanos::fs
