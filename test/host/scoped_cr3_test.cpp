// BasicScopedCr3 over fake roots: the guard switches and restores on every
// path, nests, and — the case issue 5 asks for — an allocation failure in the
// middle of loading a program returns with the original root live and leaks
// nothing once the half-built space is destroyed.
#include <doctest/doctest.h>

#include <vector>

#include "fake_memory_context.h"
#include "proc/program_loader.h"
#include "proc/scoped_cr3.h"
#include "proc_test_support.h"

using namespace nyanos;
using nyanos::test::FakeMemoryContext;

namespace {

// The "CPU": the live root is the FakeMemoryContext's, so an AddressSpace
// destroyed while still live trips its VERIFY (a HostPanic) exactly as in the
// kernel. Every activate() is recorded.
struct FakeRoots {
    static inline FakeMemoryContext* context = nullptr;
    static inline std::vector<uint64_t> activations;

    static uint64_t active() { return context->live; }
    static void activate(uint64_t root) {
        activations.push_back(root);
        context->live = root;
    }
};
using Guard = proc::BasicScopedCr3<FakeRoots>;

struct RootsFixture {
    FakeMemoryContext ctx;
    RootsFixture() {
        FakeRoots::context = &ctx;
        FakeRoots::activations.clear();
    }
    ~RootsFixture() { FakeRoots::context = nullptr; }
};

// What the kernel's spawn() does: validate, create the space, and load under
// the guard with TRY, so a failure returns through the guard's destructor
// first and then the space's (declared earlier, destroyed later).
Result<proc::LoadedProgram> spawn_like(FakeMemoryContext& ctx, const std::vector<uint8_t>& file,
                                       uint64_t& root_inside, uint64_t& space_root) {
    elf::ValidationResult checked = test::validate_user(file);
    if (!checked.ok) return Error::kNotExecutable;
    mm::AddressSpace space = TRY(mm::AddressSpace::try_create(ctx));
    space_root = space.root();
    const char* argv[] = {"/bin/prog", "one", "two"};
    const char* envp[] = {"PATH=/bin"};
    proc::ProgramArgs args{argv, 3, envp, 1};
    const uint8_t random16[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
    proc::LoadedProgram program;
    {
        Guard guard(space.root());
        root_inside = ctx.live;
        program = TRY(proc::load_program(space, checked.image, file.data(), args, random16,
                                         proc::nyanos_stack_spec()));
    }
    // The caller (spawn) would hand `space` to a Task here; the test drops it.
    return program;
}

}  // namespace

TEST_CASE("ScopedCr3: switches to the target and restores the previous root") {
    RootsFixture f;
    uint64_t original = f.ctx.live;
    {
        Guard guard(0x5000);
        CHECK(f.ctx.live == 0x5000);
        CHECK(guard.previous() == original);
    }
    CHECK(f.ctx.live == original);
    CHECK(FakeRoots::activations == std::vector<uint64_t>{0x5000, original});
}

TEST_CASE("ScopedCr3: nested guards restore in reverse order") {
    RootsFixture f;
    uint64_t original = f.ctx.live;
    {
        Guard outer(0x5000);
        {
            Guard inner(0x6000);
            CHECK(f.ctx.live == 0x6000);
            CHECK(inner.previous() == 0x5000);
        }
        CHECK(f.ctx.live == 0x5000);
        {
            Guard same(0x5000);  // guarding the root already live is harmless
            CHECK(f.ctx.live == 0x5000);
        }
        CHECK(f.ctx.live == 0x5000);
    }
    CHECK(f.ctx.live == original);
    CHECK(FakeRoots::activations ==
          std::vector<uint64_t>{0x5000, 0x6000, 0x5000, 0x5000, 0x5000, original});
}

TEST_CASE("ScopedCr3: restores on an early error return") {
    RootsFixture f;
    uint64_t original = f.ctx.live;
    auto fails = [&]() -> Result<int> {
        Guard guard(0x7000);
        CHECK(f.ctx.live == 0x7000);
        TRY(Result<void>(Error::kNoMemory));
        return 1;
    };
    auto r = fails();
    REQUIRE(!r.ok());
    CHECK(r.error() == Error::kNoMemory);
    CHECK(f.ctx.live == original);
}

TEST_CASE("ScopedCr3: a failure in the middle of loading returns with the original root") {
    for (const char* name : {"real-static.elf", "valid.elf"}) {
        CAPTURE(name);
        std::vector<uint8_t> file = test::read_corpus_file(name);

        // A clean run first: it counts the frame allocations a load makes.
        size_t attempts = 0;
        {
            RootsFixture f;
            uint64_t original = f.ctx.live, inside = 0, space_root = 0;
            size_t before = f.ctx.allocator.attempts();
            auto r = spawn_like(f.ctx, file, inside, space_root);
            attempts = f.ctx.allocator.attempts() - before;
            REQUIRE(r.ok());
            CHECK(inside == space_root);
            CHECK(f.ctx.live == original);
            CHECK(f.ctx.leaked() == 0);
        }
        REQUIRE(attempts > 4);  // PML4, tables, segments, stack

        // Then allocation N fails, for every N the load makes (N = 1 is the
        // PML4 itself, before any guard).
        for (size_t n = 1; n <= attempts; ++n) {
            CAPTURE(n);
            RootsFixture f;
            uint64_t original = f.ctx.live, inside = 0, space_root = 0;
            f.ctx.allocator.fail_at(n);
            auto r = spawn_like(f.ctx, file, inside, space_root);
            f.ctx.allocator.never_fail();
            REQUIRE(!r.ok());
            CHECK(r.error() == Error::kNoMemory);
            CHECK(f.ctx.live == original);
            if (n > 1) {
                CHECK(inside == space_root);
                CHECK(FakeRoots::activations == std::vector<uint64_t>{space_root, original});
            } else {
                CHECK(FakeRoots::activations.empty());
            }
            CHECK(f.ctx.leaked() == 0);
        }
    }
}

TEST_CASE("ScopedCr3: destroying a space while its guard is live is refused") {
    // The ordering spawn() relies on: the guard must be gone before the
    // space is destroyed. Reversing it is a broken invariant, not a leak.
    RootsFixture f;
    auto space = mm::AddressSpace::try_create(f.ctx).release_value();
    Guard guard(space.root());
    mm::AddressSpace other;
    CHECK_THROWS_AS(space = std::move(other), nyanos::test::HostPanic);
}
