// PipeBuffer: a pipe's bytes in transit, Linux's default capacity of 64 KiB
// (16 pages), as a ring whose pages are taken when a write first reaches
// them and given back once read (one spare is kept, so a pipe that carries
// small messages back and forth does not churn pages). Not locked: the
// pipe (fs/pipe.h) holds its lock around every call.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/io_buffer.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

// Where a pipe's pages come from: the frame allocator through the direct
// map in the kernel, a counting (and failing) fake in the host tests.
class PageSource {
public:
    static constexpr size_t kPageSize = 4096;
    // A page-sized, page-aligned block, or nullptr when memory is short.
    virtual uint8_t* allocate_page() = 0;
    virtual void free_page(uint8_t* page) = 0;

protected:
    ~PageSource() = default;
};

class PipeBuffer {
public:
    static constexpr size_t kPageSize = PageSource::kPageSize;
    static constexpr size_t kPages = 16;
    static constexpr size_t kCapacity = kPages * kPageSize;  // 65536, Linux's default
    static constexpr size_t kAtomicWrite = 4096;             // PIPE_BUF

    // `pages` outlives the buffer.
    explicit PipeBuffer(PageSource& pages) : m_pages(pages) {}
    ~PipeBuffer();
    PipeBuffer(const PipeBuffer&) = delete;
    PipeBuffer& operator=(const PipeBuffer&) = delete;

    size_t size() const { return size_t(m_head - m_tail); }
    size_t space() const { return kCapacity - size(); }
    bool empty() const { return m_head == m_tail; }

    // Moves up to `max` buffered bytes into `out` from byte `at` on; returns
    // how many. Bytes a faulting copy could not deliver stay buffered; EFAULT
    // if not a byte could be.
    Result<size_t> read_into(IoBuffer& out, size_t at, size_t max);
    // Appends up to min(max, space()) bytes from `in`, starting `at` bytes
    // in; returns how many. EFAULT or ENOMEM (no page) if not a byte could
    // be taken; otherwise the count stops short at the first such failure.
    Result<size_t> write_from(IoBuffer& in, size_t at, size_t max);

    // Pages held now, the spare included (for tests).
    size_t pages_held() const;

private:
    uint8_t*& page_for(uint32_t position) { return m_ring[(position / kPageSize) % kPages]; }
    void give_back(uint8_t*& page);

    PageSource& m_pages;
    uint8_t* m_ring[kPages] = {};
    uint8_t* m_spare = nullptr;
    // Free-running byte positions (2^32 is a multiple of the capacity, so
    // the wrap keeps the page arithmetic right): bytes [m_tail, m_head).
    uint32_t m_head = 0;
    uint32_t m_tail = 0;
};

}  // namespace nyanos::fs
