// libFuzzer target: validate, then load_program into a fresh AddressSpace over
// the fake RAM arena, once with every allocation succeeding and once with the
// allocator failing at an input-chosen point. After each load the space is
// destroyed and every frame must be back: a failed exec must leak nothing.
//
// A successful load is checked against the image: each segment's pages are
// user pages with the segment's permissions (W^X), the file bytes are there
// and the bss is zero; the stack pointer is 16-byte aligned inside the stack
// and points at argc.
#include <stdint.h>
#include <string.h>

#include <vector>

#include "fake_memory_context.h"
#include "fuzz_check.h"
#include "mm/address_space.h"
#include "proc/elf.h"
#include "proc/program_loader.h"
#include "proc/user_layout.h"

using namespace nyanos;

namespace {

// 4 MiB of fake RAM: enough for every real program, small enough that large
// segments run out of frames and take the ENOMEM paths.
constexpr size_t kArenaFrames = 1024;
// Bytes of each segment's file part and bss compared after a load.
constexpr uint64_t kCheckBytes = 64 * 1024;

test::FakeMemoryContext& context() {
    // One arena for the whole run: building it per input costs more than the
    // load, and a frame leaked by one input then shows up at once.
    static test::FakeMemoryContext* ctx = new test::FakeMemoryContext(kArenaFrames);
    return *ctx;
}

uint64_t fnv1a(const uint8_t* data, size_t size) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
    return h;
}

void check_loaded(mm::AddressSpace& space, const elf::Image& image, const uint8_t* file,
                  const proc::LoadedProgram& loaded) {
    FUZZ_CHECK(loaded.entry == image.entry, "entry changed");
    uint64_t sp = loaded.stack_pointer;
    FUZZ_CHECK(sp % 16 == 0, "sp %#llx not 16-byte aligned", (unsigned long long)sp);
    FUZZ_CHECK(sp >= proc::kStackBottom && sp < proc::kStackTop, "sp outside the stack");
    uint64_t argc = 0;
    FUZZ_CHECK(space.copy_from(&argc, sp, sizeof(argc)).ok(), "sp unmapped");
    FUZZ_CHECK(argc == 2, "argc %llu", (unsigned long long)argc);

    std::vector<uint8_t> buf;
    for (size_t i = 0; i < image.segment_count; ++i) {
        const elf::Segment& s = image.segments[i];
        for (uint64_t page = s.vaddr & ~(proc::kPageSize - 1); page < s.vaddr + s.memsz;
             page += proc::kPageSize) {
            auto t = space.translate(page);
            FUZZ_CHECK(t.ok(), "segment %zu page %#llx unmapped", i, (unsigned long long)page);
            const paging::PageFlags& f = t.value().flags;
            FUZZ_CHECK(f.user, "segment page not user");
            FUZZ_CHECK(f.writable == s.writable && f.executable == s.executable,
                       "segment %zu permissions w=%d x=%d, mapped w=%d x=%d", i, s.writable,
                       s.executable, f.writable, f.executable);
        }
        uint64_t n = s.filesz < kCheckBytes ? s.filesz : kCheckBytes;
        buf.resize(n);
        FUZZ_CHECK(space.copy_from(buf.data(), s.vaddr, n).ok(), "file bytes unreadable");
        // An empty vector's data() may be null, and memcmp's arguments must not be even
        // for a zero length: a segment with no file bytes (pure bss) skips the compare.
        FUZZ_CHECK(n == 0 || memcmp(buf.data(), file + s.file_offset, n) == 0, "file bytes differ");
        uint64_t bss = s.memsz - s.filesz;
        n = bss < kCheckBytes ? bss : kCheckBytes;
        buf.assign(n, 0xff);
        FUZZ_CHECK(space.copy_from(buf.data(), s.vaddr + s.filesz, n).ok(), "bss unreadable");
        for (uint64_t b = 0; b < n; ++b)
            FUZZ_CHECK(buf[b] == 0, "bss byte %llu not zero", (unsigned long long)b);
    }
    // The guard page below the stack stays unmapped.
    FUZZ_CHECK(!space.translate(proc::kGuardPage).ok(), "guard page mapped");
}

struct LoadOutcome {
    bool ok;
    size_t attempts;  // frame allocations tried
};

LoadOutcome load_once(const elf::Image& image, const uint8_t* file) {
    test::FakeMemoryContext& ctx = context();
    size_t attempts_before = ctx.allocator.attempts();
    bool ok = false;
    {
        auto created = mm::AddressSpace::try_create(ctx);
        if (!created.ok()) {
            FUZZ_CHECK(created.error() == Error::kNoMemory, "try_create: %s",
                       error_name(created.error()));
        } else {
            mm::AddressSpace space = created.release_value();
            const char* argv[] = {"fuzzed", "argument"};
            proc::ProgramArgs args{argv, 2, nullptr, 0};
            uint8_t random16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
            auto loaded =
                proc::load_program(space, image, file, args, random16, proc::nyanos_stack_spec());
            FUZZ_CHECK(space.user_frames() + space.table_frames() == ctx.leaked(),
                       "space counts %zu user + %zu table frames, the allocator %zu",
                       space.user_frames(), space.table_frames(), ctx.leaked());
            if (loaded.ok()) {
                ok = true;
                check_loaded(space, image, file, loaded.value());
            } else {
                // The arguments are small and the image valid: only frames can run out.
                FUZZ_CHECK(loaded.error() == Error::kNoMemory, "load_program: %s",
                           error_name(loaded.error()));
            }
        }  // ~AddressSpace returns everything
    }
    FUZZ_CHECK(ctx.leaked() == 0, "%zu frames leaked", ctx.leaked());
    return {ok, ctx.allocator.attempts() - attempts_before};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    elf::ValidationResult v = elf::validate(data, size, proc::kImageBase, proc::kImageLimit);
    // load_program maps at the segments' own addresses: an ET_DYN image
    // needs the load bias the Linux loader will choose.
    if (!v.ok || v.image.position_independent) return 0;
    fuzz::no_panic("load_program", [&] {
        test::FakeMemoryContext& ctx = context();
        ctx.allocator.never_fail();
        size_t attempts = load_once(v.image, data).attempts;
        // Again, with allocation number k of those failing (and, for odd
        // hashes, every one after it too): the load must fail cleanly.
        uint64_t h = fnv1a(data, size);
        ctx.allocator.fail_at(1 + h % attempts, (h >> 32) & 1);
        FUZZ_CHECK(!load_once(v.image, data).ok, "a load survived a failed allocation");
        ctx.allocator.never_fail();
    });
    return 0;
}
