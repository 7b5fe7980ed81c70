// The pipe ring (fs/pipe_buffer.h): 64 KiB in 16 pages taken as writes reach
// them and given back once read (one spare kept), FIFO order across page
// boundaries and round the ring, short counts when a copy faults or a page
// is missing, and no page kept or lost on any path.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <set>
#include <string>
#include <vector>

#include "fake_user_memory.h"
#include "fs/pipe_buffer.h"

using namespace nyanos;
using namespace nyanos::fs;

namespace {

// Pages from the host heap, counted; fail_at(n) fails the nth allocation
// from now (and every later one with `and_after`).
class TestPages final : public PageSource {
public:
    ~TestPages() { CHECK(m_live.empty()); }
    uint8_t* allocate_page() override {
        if (m_failing || (m_countdown && --m_countdown == 0)) {
            m_failing = m_and_after;
            return nullptr;
        }
        auto* p = static_cast<uint8_t*>(aligned_alloc(kPageSize, kPageSize));
        m_live.insert(p);
        ++m_allocations;
        return p;
    }
    void free_page(uint8_t* page) override {
        REQUIRE(m_live.erase(page) == 1);
        free(page);
    }
    void fail_at(size_t nth, bool and_after = false) {
        m_countdown = nth, m_and_after = and_after, m_failing = false;
    }
    void never_fail() { m_countdown = 0, m_and_after = false, m_failing = false; }
    size_t live() const { return m_live.size(); }
    size_t allocations() const { return m_allocations; }

private:
    std::set<uint8_t*> m_live;
    size_t m_allocations = 0;
    size_t m_countdown = 0;
    bool m_and_after = false, m_failing = false;
};

std::string pattern(size_t n, size_t seed) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = char('a' + (seed + i * 7) % 26);
    return s;
}

size_t write_string(PipeBuffer& b, const std::string& s) {
    std::string copy = s;
    auto in = IoBuffer::user(reinterpret_cast<uint64_t>(copy.data()), copy.size());
    auto r = b.write_from(in, 0, copy.size());
    REQUIRE(r.ok());
    return r.value();
}

std::string read_string(PipeBuffer& b, size_t n) {
    std::string out(n, '\0');
    auto io = IoBuffer::user(reinterpret_cast<uint64_t>(out.data()), n);
    auto r = b.read_into(io, 0, n);
    REQUIRE(r.ok());
    out.resize(r.value());
    return out;
}

}  // namespace

TEST_CASE("pipe buffer: FIFO across pages, 64 KiB capacity, pages given back as read") {
    TestPages pages;
    {
        PipeBuffer b(pages);
        CHECK(b.empty());
        CHECK(b.space() == 65536);
        CHECK(pages.live() == 0);  // no page until a write needs one
        std::string first = pattern(5000, 1);
        CHECK(write_string(b, first) == 5000);
        CHECK(pages.live() == 2);
        CHECK(read_string(b, 100) == first.substr(0, 100));
        CHECK(read_string(b, 10000) == first.substr(100));  // what there is
        CHECK(b.empty());
        // The first page was read to its end: it became the spare.
        CHECK(b.pages_held() == 2);
        // Fill it completely, across the ring's end.
        std::string big = pattern(70000, 2);
        CHECK(write_string(b, big) == 65536);
        CHECK(b.space() == 0);
        CHECK(write_string(b, "x") == 0);
        CHECK(pages.live() <= 17);
        CHECK(read_string(b, 65536) == big.substr(0, 65536));
        CHECK(b.empty());
        CHECK(b.pages_held() <= 2);
    }
    CHECK(pages.live() == 0);
}

TEST_CASE("pipe buffer: round the ring many times with odd sizes; a full ring shares a page") {
    TestPages pages;
    PipeBuffer b(pages);
    std::string sent, received;
    size_t seed = 0;
    for (int round = 0; round < 300; ++round) {
        size_t n = (round * 7919) % 9000 + 1;
        std::string chunk = pattern(n, seed++);
        size_t written = write_string(b, chunk);
        sent += chunk.substr(0, written);
        received += read_string(b, (round * 104729) % 8000);
        CHECK(pages.live() <= 17);
        // Keep it nearly full now and then, so the writer comes round into
        // the reader's page.
        if (round % 50 == 0) {
            std::string fill = pattern(b.space(), seed++);
            sent += fill.substr(0, write_string(b, fill));
            CHECK(b.space() == 0);
            received += read_string(b, 4096 - (round % 4096));
        }
    }
    received += read_string(b, 65536);
    CHECK(received == sent);
    CHECK(b.pages_held() <= 2);
}

TEST_CASE("pipe buffer: a copy that faults keeps the bytes it could not deliver") {
    TestPages pages;
    PipeBuffer b(pages);
    std::string data = pattern(10000, 3);
    REQUIRE(write_string(b, data) == 10000);
    std::string out(8000, '\0');
    // The reader's buffer faults from byte 5000 on.
    test::set_user_fault_range(out.data() + 5000, 1);
    auto io = IoBuffer::user(reinterpret_cast<uint64_t>(out.data()), out.size());
    auto r = b.read_into(io, 0, out.size());
    REQUIRE(r.ok());
    CHECK(r.value() == 4096);  // whole pieces only: the first page
    CHECK(b.size() == 10000 - 4096);
    // Faulting at once: EFAULT and nothing consumed.
    test::set_user_fault_range(out.data(), 1);
    auto io2 = IoBuffer::user(reinterpret_cast<uint64_t>(out.data()), out.size());
    CHECK(b.read_into(io2, 0, out.size()).error() == Error::kFault);
    CHECK(b.size() == 10000 - 4096);
    // A writer's buffer that faults: what came before the fault is taken.
    std::string more = pattern(9000, 4);
    test::set_user_fault_range(more.data() + 6000, 1);
    auto in = IoBuffer::user(reinterpret_cast<uint64_t>(more.data()), more.size());
    auto w = b.write_from(in, 0, more.size());
    REQUIRE(w.ok());
    CHECK(w.value() < 6000);
    test::clear_user_fault_range();
    std::string rest = read_string(b, 65536);
    CHECK(rest == data.substr(4096) + more.substr(0, w.value()));
}

TEST_CASE("pipe buffer: a missing page cuts a write short (ENOMEM if nothing fit), no leak") {
    for (size_t n = 1; n <= 4; ++n) {
        CAPTURE(n);
        TestPages pages;
        {
            PipeBuffer b(pages);
            std::string data = pattern(3 * 4096 + 10, n);
            pages.fail_at(n, true);
            std::string copy = data;
            auto in = IoBuffer::user(reinterpret_cast<uint64_t>(copy.data()), copy.size());
            auto r = b.write_from(in, 0, copy.size());
            if (n == 1) {
                CHECK(r.error() == Error::kNoMemory);
                CHECK(b.empty());
            } else {
                REQUIRE(r.ok());
                CHECK(r.value() == (n - 1) * 4096);
            }
            pages.never_fail();
            size_t had = b.size();
            CHECK(read_string(b, 65536) == data.substr(0, had));
        }
        CHECK(pages.live() == 0);
    }
}

TEST_CASE("pipe buffer: a reservation keeps its pages while the reader consumes around it") {
    // The writer reserves room, the reader consumes (the pipe lets them
    // overlap: the copies run without its lock); no page the reservation
    // reaches may be given back, whatever the fill level.
    TestPages pages;
    PipeBuffer b(pages);
    for (size_t fill : {size_t(0), size_t(4096), size_t(61440), size_t(61441), size_t(65535)}) {
        CAPTURE(fill);
        // Start mid-page, so that the reserved room wraps round the ring
        // into the page the reader is finishing.
        REQUIRE(write_string(b, pattern(4196, 9)) == 4196);
        REQUIRE(read_string(b, 4196).size() == 4196);
        std::string old = pattern(fill, fill);
        REQUIRE(write_string(b, old) == fill);
        size_t room = b.space();
        size_t backed = b.reserve(room);
        REQUIRE(backed == room);
        // The reader takes everything, page ends included, meanwhile.
        std::string got(fill, '\0');
        auto out = IoBuffer::user(reinterpret_cast<uint64_t>(got.data()), fill);
        if (fill) {
            REQUIRE(b.peek_into(out, 0, fill).value() == fill);
            b.consume(fill);
        }
        CHECK(got == old);
        // The writer's copy lands in pages still there (ASan would see a
        // freed one).
        std::string fresh = pattern(room, fill + 1);
        auto in = IoBuffer::user(reinterpret_cast<uint64_t>(fresh.data()), room);
        REQUIRE(b.fill_from(in, 0, room).value() == room);
        b.commit(room);
        CHECK(read_string(b, 65536) == fresh);
        CHECK(b.empty());
    }
}

TEST_CASE("pipe buffer: an abandoned reservation keeps nothing readable") {
    TestPages pages;
    {
        PipeBuffer b(pages);
        REQUIRE(b.reserve(10000) == 10000);
        b.commit(0);
        CHECK(b.empty());
        CHECK(b.space() == 65536);
        CHECK(write_string(b, "abc") == 3);
        CHECK(read_string(b, 10) == "abc");
    }
    CHECK(pages.live() == 0);
}
