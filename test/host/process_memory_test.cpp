// The user-memory fault policy: which faults map a demand-zero page, and the
// program break, with every frame accounted for.
#include <doctest/doctest.h>

#include <stdint.h>

#include "fake_memory_context.h"
#include "mm/process_memory.h"

using namespace nyanos;
using namespace nyanos::mm;
using nyanos::test::FakeMemoryContext;

namespace {

constexpr uint64_t kPage = 4096;

ProcessMemory make_memory(FakeMemoryContext& ctx) {
    ProcessMemory m;
    m.space = AddressSpace::try_create(ctx).release_value();
    m.stack_bottom = 0xff0000;
    m.stack_top = 0x1000000;
    m.heap_base = m.heap_break = 0x1001000;
    m.heap_limit = 0x40000000;
    return m;
}

}  // namespace

TEST_CASE("ProcessMemory: a fault maps a zeroed writable page only inside a lazy region") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx);
        CHECK(m.resolve_fault(0xfff123, true));  // stack
        auto t = m.space.translate(0xfff000);
        REQUIRE(t.ok());
        CHECK(t.value().flags.writable);
        CHECK(!t.value().flags.executable);
        uint64_t word = 1;
        REQUIRE(m.space.copy_from(&word, 0xfff120, sizeof(word)).ok());
        CHECK(word == 0);

        CHECK(!m.resolve_fault(0xfef000, true));   // the guard page below the stack
        CHECK(!m.resolve_fault(0x1000000, true));  // between stack top and heap
        CHECK(!m.resolve_fault(0x1001000, true));  // heap, but the break is at its base
        REQUIRE(m.sbrk(3 * kPage).ok());
        CHECK(m.resolve_fault(0x1003fff, true));
        CHECK(!m.resolve_fault(0x1004000, true));  // at the break
        // A prefault of a page already there is not a new mapping.
        CHECK(!m.resolve_fault(0x1003000, false));
        CHECK(m.space.user_frames() == 2);
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("ProcessMemory: sbrk grows to the limit, shrinks to the base, and returns pages") {
    FakeMemoryContext ctx;
    {
        ProcessMemory m = make_memory(ctx);
        CHECK(m.sbrk(0).value() == 0x1001000);
        CHECK(m.sbrk(int64_t(m.heap_limit - m.heap_base) + 1).error() == Error::kNoMemory);
        CHECK(m.sbrk(INT64_MAX).error() == Error::kNoMemory);
        CHECK(m.sbrk(-1).error() == Error::kInvalid);
        CHECK(m.sbrk(INT64_MIN).error() == Error::kInvalid);
        REQUIRE(m.sbrk(4 * kPage + 10).value() == 0x1001000);
        for (uint64_t a = 0x1001000; a < m.heap_break; a += kPage)
            REQUIRE(m.resolve_fault(a, true));
        CHECK(m.space.user_frames() == 5);
        // Shrinking into the middle of the last page keeps that page.
        REQUIRE(m.sbrk(-int64_t(kPage)).ok());
        CHECK(m.space.user_frames() == 4);
        CHECK(m.space.translate(0x1004000).ok());
        REQUIRE(m.sbrk(-int64_t(3 * kPage + 10)).ok());
        CHECK(m.heap_break == m.heap_base);
        CHECK(m.space.user_frames() == 0);
    }
    CHECK(ctx.leaked() == 0);
}

TEST_CASE("ProcessMemory: a fault that cannot get a frame fails and leaks nothing") {
    for (size_t n = 1; n <= 4; ++n) {
        FakeMemoryContext ctx;
        {
            ProcessMemory m = make_memory(ctx);
            ctx.allocator.fail_at(n);
            bool mapped = m.resolve_fault(0xfff000, true);
            CHECK(mapped == m.space.translate(0xfff000).ok());
            ctx.allocator.never_fail();
        }
        CHECK(ctx.leaked() == 0);
    }
}
