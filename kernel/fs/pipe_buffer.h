// PipeBuffer: a pipe's bytes in transit, Linux's default capacity of 64 KiB
// (16 pages), as a ring whose pages are taken when a write first reaches
// them and given back once read (one spare is kept, so a pipe that carries
// small messages back and forth does not churn pages).
//
// Not locked itself. The pipe (fs/pipe.kernel.cpp) calls the state changes
// (consume, reserve, commit, and every look at the sizes) under its lock,
// and the two copies (peek_into, fill_from) without it, so that no user
// copy — which may fault a page in, and some day wait for another CPU —
// runs under a spinlock. That is safe because one reader and one writer
// copy at a time (the pipe's turns), and each copy touches only bytes the
// other side leaves alone: the reader the committed bytes it has not
// consumed, the writer the reserved space past them. Pages change hands
// only in consume and reserve.
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

    // Committed bytes, and the room left for more (a reservation included).
    size_t size() const { return size_t(m_head - m_tail); }
    size_t space() const { return kCapacity - size(); }
    bool empty() const { return m_head == m_tail; }

    // The reader's side. peek_into copies the oldest `n` bytes (n <= size())
    // into `out` from byte `at` on, changing nothing; it returns how many it
    // copied before a fault (EFAULT if none). consume(n) then drops them.
    Result<size_t> peek_into(IoBuffer& out, size_t at, size_t n) const;
    void consume(size_t n);

    // The writer's side. reserve(n) (n <= space()) backs the next `n` bytes
    // of room with pages and returns how many it could back (fewer, even 0,
    // when a page could not be had). fill_from copies `n` (<= reserved)
    // bytes of `in` from byte `at` on into the reserved room; it returns how
    // many it copied before a fault (EFAULT if none). commit(n) (<=
    // reserved) makes them readable and ends the reservation.
    size_t reserve(size_t n);
    Result<size_t> fill_from(IoBuffer& in, size_t at, size_t n);
    void commit(size_t n);

    // Both steps at once, for callers that hold everything (tests):
    // up to `max` bytes out (EFAULT if none could go) or in (ENOMEM if no
    // page, EFAULT if no byte could be read).
    Result<size_t> read_into(IoBuffer& out, size_t at, size_t max);
    Result<size_t> write_from(IoBuffer& in, size_t at, size_t max);

    // Pages held now, the spare included (for tests).
    size_t pages_held() const;

private:
    static size_t slot_of(uint32_t position) { return (position / kPageSize) % kPages; }
    void give_back(uint8_t*& page);

    PageSource& m_pages;
    uint8_t* m_ring[kPages] = {};
    uint8_t* m_spare = nullptr;
    // Free-running byte positions (2^32 is a multiple of the capacity, so
    // the wrap keeps the page arithmetic right): committed bytes are
    // [m_tail, m_head), reserved room [m_head, m_head + m_reserved).
    uint32_t m_head = 0;
    uint32_t m_tail = 0;
    uint32_t m_reserved = 0;
};

}  // namespace nyanos::fs
