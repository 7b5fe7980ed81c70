// The program loader over the fake RAM: the System V initial stack read back
// word by word, segments mapped W^X with the file bytes and a zero bss, the
// stack and its guard page, E2BIG without leaks, and the malformed corpus
// refused before a single frame is asked for.
#include <doctest/doctest.h>
#include <elf.h>
#include <string.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "fake_memory_context.h"
#include "proc/program_loader.h"
#include "proc_test_support.h"

using namespace nyanos;
using namespace nyanos::proc;
using nyanos::test::FakeMemoryContext;

namespace {

const uint8_t kRandom[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                             0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

uint64_t read_word(mm::AddressSpace& space, uint64_t va) {
    uint64_t value = 0;
    REQUIRE_MESSAGE(space.copy_from(&value, va, 8).ok(), "stack word at " << va << " unreadable");
    return value;
}

// A NUL-terminated user string; it must lie inside the stack mapping.
std::string read_string(mm::AddressSpace& space, uint64_t va) {
    REQUIRE(va >= kStackBottom);
    REQUIRE(va < kStackTop);
    std::string s;
    for (;;) {
        char c = 0;
        REQUIRE(space.copy_from(&c, va + s.size(), 1).ok());
        if (!c) return s;
        s.push_back(c);
        REQUIRE(s.size() < kMaxArgBytes);
    }
}

struct Loaded {
    FakeMemoryContext ctx{1024};
    mm::AddressSpace space;
    std::vector<uint8_t> file;
    elf::Image image{};
    std::optional<Result<LoadedProgram>> result;
};

void load(Loaded& l, const char* name, const std::vector<const char*>& argv,
          const std::vector<const char*>& envp) {
    l.file = test::read_corpus_file(name);
    elf::ValidationResult v = test::validate_user(l.file);
    REQUIRE(v.ok);
    l.image = v.image;
    l.space = mm::AddressSpace::try_create(l.ctx).release_value();
    ProgramArgs args{argv.data(), argv.size(), envp.data(), envp.size()};
    l.result.emplace(
        load_program(l.space, l.image, l.file.data(), args, kRandom, nyanos_stack_spec()));
}

uint64_t page_down(uint64_t v) {
    return v & ~(kPageSize - 1);
}
uint64_t page_up(uint64_t v) {
    return (v + kPageSize - 1) & ~(kPageSize - 1);
}

}  // namespace

TEST_CASE("program loader: the initial stack follows the System V layout") {
    Loaded l;
    std::vector<const char*> argv = {"/bin/prog", "-x", "hello world", ""};
    std::vector<const char*> envp = {"HOME=/", "TERM=nyan"};
    load(l, "real-static.elf", argv, envp);
    REQUIRE(l.result->ok());
    LoadedProgram p = l.result->value();
    CHECK(p.entry == l.image.entry);
    CHECK(p.stack_pointer % 16 == 0);
    CHECK(p.stack_pointer >= kStackBottom);
    CHECK(p.stack_pointer < kStackTop);

    uint64_t at = p.stack_pointer;
    auto next = [&] {
        uint64_t w = read_word(l.space, at);
        at += 8;
        return w;
    };
    CHECK(next() == argv.size());
    for (const char* arg : argv) CHECK(read_string(l.space, next()) == arg);
    CHECK(next() == 0);
    for (const char* env : envp) CHECK(read_string(l.space, next()) == env);
    CHECK(next() == 0);

    // auxv: each key once, in any order, up to AT_NULL.
    std::vector<std::pair<uint64_t, uint64_t>> auxv;
    for (;;) {
        uint64_t key = next(), value = next();
        if (key == kAtNull) break;
        auxv.emplace_back(key, value);
        REQUIRE(auxv.size() < 32);
    }
    auto aux = [&](uint64_t key) -> uint64_t {
        for (auto& [k, v] : auxv)
            if (k == key) return v;
        FAIL("auxv key " << key << " missing");
        return 0;
    };
    CHECK(aux(kAtPagesz) == 4096);
    CHECK(aux(kAtEntry) == l.image.entry);
    CHECK(aux(kAtPhnum) == l.image.phnum);
    CHECK(aux(kAtPhent) == sizeof(Elf64_Phdr));
    CHECK(aux(kAtPhdr) == l.image.phdr_vaddr);

    // AT_PHDR really points at the program headers in the loaded image.
    Elf64_Ehdr eh;
    memcpy(&eh, l.file.data(), sizeof(eh));
    REQUIRE(l.image.phdr_vaddr != 0);
    std::vector<uint8_t> phdrs(eh.e_phnum * sizeof(Elf64_Phdr));
    REQUIRE(l.space.copy_from(phdrs.data(), aux(kAtPhdr), phdrs.size()).ok());
    CHECK(memcmp(phdrs.data(), l.file.data() + eh.e_phoff, phdrs.size()) == 0);

    // AT_RANDOM: 16 bytes on the stack, the ones the kernel supplied.
    uint64_t random_at = aux(kAtRandom);
    CHECK(random_at >= kStackBottom);
    CHECK(random_at + 16 <= kStackTop);
    uint8_t random[16];
    REQUIRE(l.space.copy_from(random, random_at, 16).ok());
    CHECK(memcmp(random, kRandom, 16) == 0);
}

TEST_CASE("program loader: RSP is 16-byte aligned for every argument count") {
    for (size_t argc = 0; argc <= 5; ++argc) {
        for (size_t envc = 0; envc <= 2; ++envc) {
            CAPTURE(argc);
            CAPTURE(envc);
            static const char* const kArgs[] = {"a", "bb", "ccc", "dddd", "eeeee"};
            static const char* const kEnvs[] = {"X=1", "LONGER=yes"};
            Loaded l;
            load(l, "valid.elf", std::vector<const char*>(kArgs, kArgs + argc),
                 std::vector<const char*>(kEnvs, kEnvs + envc));
            REQUIRE(l.result->ok());
            uint64_t sp = l.result->value().stack_pointer;
            CHECK(sp % 16 == 0);
            CHECK(read_word(l.space, sp) == argc);
            CHECK(read_word(l.space, sp + 8 * (1 + argc)) == 0);               // argv NULL
            CHECK(read_word(l.space, sp + 8 * (2 + argc + envc)) == 0);        // envp NULL
            CHECK(read_word(l.space, sp + 8 * (3 + argc + envc)) != kAtNull);  // auxv follows
        }
    }
}

TEST_CASE(
    "program loader: segments W^X, file bytes copied, bss zeroed; stack RW- NX over a guard") {
    for (const char* name : {"real-static.elf", "valid.elf", "valid-text-only.elf"}) {
        CAPTURE(name);
        Loaded l;
        load(l, name, {"prog"}, {});
        REQUIRE(l.result->ok());
        REQUIRE(l.image.segment_count > 0);
        for (size_t i = 0; i < l.image.segment_count; ++i) {
            const elf::Segment& s = l.image.segments[i];
            CAPTURE(i);
            CHECK(!(s.writable && s.executable));
            for (uint64_t page = page_down(s.vaddr); page < s.vaddr + s.memsz; page += kPageSize) {
                auto t = l.space.translate(page);
                REQUIRE(t.ok());
                const paging::PageFlags& f = t.value().flags;
                CHECK(f.user);
                CHECK(f.writable == s.writable);
                CHECK(f.executable == s.executable);
                CHECK(!(f.writable && f.executable));
            }
            std::vector<uint8_t> bytes(s.filesz);
            REQUIRE(l.space.copy_from(bytes.data(), s.vaddr, s.filesz).ok());
            CHECK(memcmp(bytes.data(), l.file.data() + s.file_offset, s.filesz) == 0);
            // bss and the slack to the end of the last page: zero.
            uint64_t end = page_up(s.vaddr + s.memsz);
            std::vector<uint8_t> rest(end - (s.vaddr + s.filesz), 0xff);
            REQUIRE(l.space.copy_from(rest.data(), s.vaddr + s.filesz, rest.size()).ok());
            CHECK(std::all_of(rest.begin(), rest.end(), [](uint8_t b) { return b == 0; }));
        }
        // The pages holding the initial stack are mapped RW- NX; the rest of
        // the stack region waits for its first touch (demand paging).
        uint64_t sp_page = l.result->value().stack_pointer & ~(kPageSize - 1);
        for (uint64_t page = kStackBottom; page < kStackTop; page += kPageSize) {
            auto t = l.space.translate(page);
            if (page < sp_page) {
                CHECK(!t.ok());
                continue;
            }
            REQUIRE(t.ok());
            CHECK(t.value().flags.user);
            CHECK(t.value().flags.writable);
            CHECK(!t.value().flags.executable);
        }
        CHECK(!l.space.translate(kGuardPage).ok());
        CHECK(!l.space.translate(kStackTop).ok());  // nothing above: the heap is lazy
    }
    // real-static.elf has a large bss (char scratch[8192]): it spans pages.
    Loaded l;
    load(l, "real-static.elf", {"prog"}, {});
    bool big_bss = false;
    for (size_t i = 0; i < l.image.segment_count; ++i)
        big_bss |= l.image.segments[i].memsz - l.image.segments[i].filesz >= 8192;
    CHECK(big_bss);
}

TEST_CASE("program loader: too many argument bytes is E2BIG and leaks nothing") {
    std::string big(1000, 'x');
    std::vector<const char*> many(40, big.c_str());    // 40 KB of strings > kMaxArgBytes
    std::vector<const char*> count(kMaxArgs + 1, "");  // too many pointers
    std::string huge(kMaxArgBytes, 'y');
    std::vector<const char*> one_huge = {huge.c_str()};
    struct Case {
        const char* what;
        const std::vector<const char*>* argv;
        const std::vector<const char*>* envp;
    };
    std::vector<const char*> none;
    for (Case c : {Case{"40 x 1000-byte argv", &many, &none},
                   Case{"argc > kMaxArgs", &count, &none}, Case{"envc > kMaxArgs", &none, &count},
                   Case{"one kMaxArgBytes string in envp", &none, &one_huge}}) {
        CAPTURE(c.what);
        FakeMemoryContext* ctx_seen = nullptr;
        {
            Loaded l;
            ctx_seen = &l.ctx;
            load(l, "real-static.elf", *c.argv, *c.envp);
            REQUIRE(!l.result->ok());
            CHECK(l.result->error() == Error::kArgListTooBig);
            l.space = mm::AddressSpace();  // the caller destroys the half-built space
            CHECK(l.ctx.leaked() == 0);
        }
        (void)ctx_seen;
    }
    // Just under the limit still loads and reads back.
    std::string fits(kMaxArgBytes / 2, 'z');
    Loaded l;
    load(l, "real-static.elf", {fits.c_str()}, {});
    REQUIRE(l.result->ok());
    CHECK(read_string(l.space, read_word(l.space, l.result->value().stack_pointer + 8)) == fits);
}

TEST_CASE("program loader: each malformed corpus file is refused before anything is allocated") {
    std::ifstream index(std::string(NYANOS_ELF_CORPUS_DIR) + "/cases.txt");
    REQUIRE_MESSAGE(index.good(), "no cases.txt in " NYANOS_ELF_CORPUS_DIR);
    size_t malformed = 0;
    std::string line;
    while (std::getline(index, line)) {
        std::istringstream fields(line);
        std::string name, expected;
        if (!(fields >> name >> expected) || expected == "Ok" || expected == "LinuxOk") continue;
        CAPTURE(name);
        std::vector<uint8_t> file = test::read_corpus_file(name);
        FakeMemoryContext ctx;
        size_t attempts = ctx.allocator.attempts();
        // The kernel's order (spawn): validate, and only then create a space.
        elf::ValidationResult v = test::validate_user(file);
        REQUIRE(!v.ok);
        CHECK(std::string(elf::reject_name(v.reason)) == expected);
        CHECK(elf::try_validate(file.data(), file.size(), kImageBase, kImageLimit).error() ==
              Error::kNotExecutable);
        CHECK(ctx.allocator.attempts() == attempts);
        CHECK(ctx.leaked() == 0);
        ++malformed;
    }
    CHECK(malformed >= 20);
}

// ---- Read-only segments mapped straight from the file's frames ----

namespace {

// The ELF file placed in the fake RAM the way the ramdisk holds it: in
// contiguous frames, file[0] at `offset` bytes into the first one. The
// frames belong to the test (the ramdisk, in the kernel), not to any space.
struct FileInRam {
    FileInRam(FakeMemoryContext& ctx, const std::vector<uint8_t>& file, size_t offset = 0)
        : ctx(ctx), offset(offset) {
        size_t count = page_up(offset + file.size()) / kPageSize;
        for (size_t i = 0; i < count; ++i) {
            mm::PhysAddr frame = ctx.allocator.allocate().release_value();
            if (!frames.empty()) REQUIRE(frame == frames.back() + kPageSize);
            frames.push_back(frame);
        }
        memcpy(bytes(), file.data(), file.size());  // the rest stays zero
        snapshot.assign(bytes() - offset, bytes() - offset + count * kPageSize);
    }
    ~FileInRam() {
        for (mm::PhysAddr f : frames) ctx.allocator.free(f);
    }

    uint8_t* bytes() { return static_cast<uint8_t*>(ctx.ram.phys_to_virt(frames[0])) + offset; }
    mm::PhysAddr phys() const { return frames[0] + offset; }
    uint64_t whole_pages() const { return frames.size() * kPageSize - offset; }
    bool holds(mm::PhysAddr p) const {
        return p >= frames.front() && p < frames.back() + kPageSize;
    }

    void check_untouched() {
        for (mm::PhysAddr f : frames) CHECK(ctx.allocator.in_use(f));
        CHECK(memcmp(bytes() - offset, snapshot.data(), snapshot.size()) == 0);
    }

    FakeMemoryContext& ctx;
    size_t offset;
    std::vector<mm::PhysAddr> frames;
    std::vector<uint8_t> snapshot;
};

Result<LoadedProgram> load_from(mm::AddressSpace& space, const elf::Image& image, FileInRam& in_ram,
                                FileFrames frames) {
    const char* argv[] = {"prog"};
    ProgramArgs args{argv, 1, nullptr, 0};
    return load_program(space, image, in_ram.bytes(), args, kRandom, nyanos_stack_spec(), frames);
}

size_t pages_of(const elf::Segment& s) {
    return (page_up(s.vaddr + s.memsz) - page_down(s.vaddr)) / kPageSize;
}

size_t stack_pages_mapped(mm::AddressSpace& space) {
    size_t n = 0;
    for (uint64_t page = kStackBottom; page < kStackTop; page += kPageSize)
        n += space.translate(page).ok();
    return n;
}

// Every page of every segment: borrowed ones map the file's own page (and
// show its bytes, around the segment too), the others are private copies with
// the file bytes and zeros around them.
void check_segments(mm::AddressSpace& space, const elf::Image& image, FileInRam& in_ram,
                    const std::vector<uint8_t>& file, const std::vector<bool>& shared) {
    for (size_t i = 0; i < image.segment_count; ++i) {
        const elf::Segment& s = image.segments[i];
        CAPTURE(i);
        for (uint64_t page = page_down(s.vaddr); page < s.vaddr + s.memsz; page += kPageSize) {
            auto t = space.translate(page);
            REQUIRE(t.ok());
            CHECK(t.value().flags.borrowed == shared[i]);
            CHECK(t.value().flags.writable == s.writable);
            CHECK(t.value().flags.executable == s.executable);
            if (shared[i]) {
                mm::PhysAddr expected =
                    in_ram.phys() + page_down(s.file_offset) + (page - page_down(s.vaddr));
                CHECK(t.value().phys == expected);
                std::vector<uint8_t> whole(kPageSize);
                REQUIRE(space.copy_from(whole.data(), page, kPageSize).ok());
                CHECK(memcmp(whole.data(), in_ram.ctx.ram.phys_to_virt(expected), kPageSize) == 0);
            } else {
                CHECK(!in_ram.holds(t.value().phys));
            }
        }
        std::vector<uint8_t> bytes(s.filesz);
        REQUIRE(space.copy_from(bytes.data(), s.vaddr, s.filesz).ok());
        CHECK(memcmp(bytes.data(), file.data() + s.file_offset, s.filesz) == 0);
        if (!shared[i]) {
            uint64_t end = page_up(s.vaddr + s.memsz);
            std::vector<uint8_t> rest(end - (s.vaddr + s.filesz), 0xff);
            REQUIRE(space.copy_from(rest.data(), s.vaddr + s.filesz, rest.size()).ok());
            CHECK(std::all_of(rest.begin(), rest.end(), [](uint8_t b) { return b == 0; }));
        }
    }
}

std::vector<uint8_t> real_static() {
    return test::read_corpus_file("real-static.elf");
}

elf::Image validated(const std::vector<uint8_t>& file) {
    elf::ValidationResult v = test::validate_user(file);
    REQUIRE(v.ok);
    return v.image;
}

// Sets field `member` of program header `index` in an ELF file.
void patch_phdr(std::vector<uint8_t>& file, size_t index, uint64_t Elf64_Phdr::*member,
                uint64_t value) {
    Elf64_Ehdr eh;
    memcpy(&eh, file.data(), sizeof(eh));
    Elf64_Phdr ph;
    memcpy(&ph, file.data() + eh.e_phoff + index * sizeof(ph), sizeof(ph));
    ph.*member = value;
    memcpy(file.data() + eh.e_phoff + index * sizeof(ph), &ph, sizeof(ph));
}

}  // namespace

TEST_CASE("program loader: read-only segments are borrowed from the file's frames") {
    std::vector<uint8_t> file = real_static();
    elf::Image image = validated(file);
    // The layout this test knows: R (headers), R-X (text), R (rodata), RW (data + bss).
    REQUIRE(image.segment_count == 4);
    REQUIRE(!image.segments[0].writable);
    REQUIRE(image.segments[1].executable);
    REQUIRE(image.segments[3].writable);
    FakeMemoryContext ctx(1024);
    FileInRam in_ram(ctx, file);
    {
        auto space = mm::AddressSpace::try_create(ctx).release_value();
        auto r = load_from(space, image, in_ram, FileFrames{in_ram.phys(), in_ram.whole_pages()});
        REQUIRE(r.ok());
        check_segments(space, image, in_ram, file, {true, true, true, false});
        size_t shared_pages =
            pages_of(image.segments[0]) + pages_of(image.segments[1]) + pages_of(image.segments[2]);
        CHECK(space.borrowed_pages() == shared_pages);
        CHECK(space.borrowed_pages() == 3);
        // Owned: the data segment's pages and the stack, nothing else.
        CHECK(space.user_frames() == pages_of(image.segments[3]) + stack_pages_mapped(space));
        CHECK(space.user_frames() == 3 + 1);

        // The data segment is a private copy: writing it leaves the file alone.
        const elf::Segment& data = image.segments[3];
        std::vector<uint8_t> junk(data.filesz, 0x77);
        REQUIRE(space.copy_to(data.vaddr, junk.data(), junk.size()).ok());
        in_ram.check_untouched();
        // The text cannot be written through the kernel either.
        CHECK(space.copy_to(image.segments[1].vaddr, junk.data(), 1).error() == Error::kFault);
        CHECK(ctx.leaked() == in_ram.frames.size() + space.user_frames() + space.table_frames());
    }
    CHECK(ctx.leaked() == in_ram.frames.size());
    in_ram.check_untouched();
}

TEST_CASE("program loader: two processes running one program share its read-only frames") {
    std::vector<uint8_t> file = real_static();
    elf::Image image = validated(file);
    FakeMemoryContext ctx(1024);
    FileInRam in_ram(ctx, file);
    FileFrames frames{in_ram.phys(), in_ram.whole_pages()};
    {
        auto a = mm::AddressSpace::try_create(ctx).release_value();
        auto b = mm::AddressSpace::try_create(ctx).release_value();
        REQUIRE(load_from(a, image, in_ram, frames).ok());
        REQUIRE(load_from(b, image, in_ram, frames).ok());
        const elf::Segment& text = image.segments[1];
        const elf::Segment& data = image.segments[3];
        CHECK(a.translate(text.vaddr).value().phys == b.translate(text.vaddr).value().phys);
        CHECK(a.translate(data.vaddr).value().phys != b.translate(data.vaddr).value().phys);
        a = mm::AddressSpace();
        in_ram.check_untouched();
        std::vector<uint8_t> bytes(text.filesz);
        REQUIRE(b.copy_from(bytes.data(), text.vaddr, bytes.size()).ok());
        CHECK(memcmp(bytes.data(), file.data() + text.file_offset, bytes.size()) == 0);
    }
    CHECK(ctx.leaked() == in_ram.frames.size());
    in_ram.check_untouched();
}

TEST_CASE("program loader: an unaligned file or too little mappable memory means copies") {
    std::vector<uint8_t> file = real_static();
    elf::Image image = validated(file);
    struct Case {
        const char* what;
        size_t offset;      // of file[0] in its first frame
        uint64_t mappable;  // UINT64_MAX: every whole page from file[0] on
        std::vector<bool> shared;
    };
    // Segment i's first file page starts at page_down(file_offset): 0, 0x1000, 0x2000.
    for (const Case& c : {
             Case{"file[0] not page aligned", 16, UINT64_MAX, {false, false, false, false}},
             Case{"file[0] at the last byte of a page",
                  4095,
                  UINT64_MAX,
                  {false, false, false, false}},
             Case{"nothing mappable", 0, 0, {false, false, false, false}},
             Case{"one page short of the first segment", 0, 0xfff, {false, false, false, false}},
             Case{"the first page only", 0, 0x1000, {true, false, false, false}},
             Case{"one byte short of the rodata page", 0, 0x2fff, {true, true, false, false}},
             Case{"exactly enough", 0, 0x3000, {true, true, true, false}},
         }) {
        CAPTURE(c.what);
        FakeMemoryContext ctx(1024);
        FileInRam in_ram(ctx, file, c.offset);
        {
            auto space = mm::AddressSpace::try_create(ctx).release_value();
            uint64_t mappable = c.mappable == UINT64_MAX ? in_ram.whole_pages() : c.mappable;
            REQUIRE(load_from(space, image, in_ram, FileFrames{in_ram.phys(), mappable}).ok());
            check_segments(space, image, in_ram, file, c.shared);
            size_t borrowed = 0, owned = 0;
            for (size_t i = 0; i < image.segment_count; ++i)
                (c.shared[i] ? borrowed : owned) += pages_of(image.segments[i]);
            CHECK(space.borrowed_pages() == borrowed);
            CHECK(space.user_frames() == owned + stack_pages_mapped(space));
        }
        CHECK(ctx.leaked() == in_ram.frames.size());
        in_ram.check_untouched();
    }
}

TEST_CASE("program loader: a read-only segment with a bss, or a writable one, is copied") {
    std::vector<uint8_t> base = real_static();
    SUBCASE("rodata with memsz > filesz: its tail must read as zeros, not the file's bytes") {
        std::vector<uint8_t> file = base;
        patch_phdr(file, 2, &Elf64_Phdr::p_memsz, 0x800);
        elf::Image image = validated(file);
        REQUIRE(image.segments[2].memsz == 0x800);
        FakeMemoryContext ctx(1024);
        FileInRam in_ram(ctx, file);
        {
            auto space = mm::AddressSpace::try_create(ctx).release_value();
            REQUIRE(load_from(space, image, in_ram, {in_ram.phys(), in_ram.whole_pages()}).ok());
            check_segments(space, image, in_ram, file, {true, true, false, false});
            CHECK(space.borrowed_pages() == 2);
        }
        CHECK(ctx.leaked() == in_ram.frames.size());
        in_ram.check_untouched();
    }
    SUBCASE("data with memsz == filesz is still private") {
        std::vector<uint8_t> file = base;
        patch_phdr(file, 3, &Elf64_Phdr::p_memsz, base.size() > 0 ? 4 : 0);
        elf::Image image = validated(file);
        REQUIRE(image.segments[3].writable);
        REQUIRE(image.segments[3].memsz == image.segments[3].filesz);
        FakeMemoryContext ctx(1024);
        FileInRam in_ram(ctx, file);
        {
            auto space = mm::AddressSpace::try_create(ctx).release_value();
            REQUIRE(load_from(space, image, in_ram, {in_ram.phys(), in_ram.whole_pages()}).ok());
            check_segments(space, image, in_ram, file, {true, true, true, false});
            CHECK(space.borrowed_pages() == 3);
            CHECK(space.user_frames() == 1 + stack_pages_mapped(space));
        }
        CHECK(ctx.leaked() == in_ram.frames.size());
        in_ram.check_untouched();
    }
}

TEST_CASE("program loader: a shared load failing at every allocation leaks nothing") {
    std::vector<uint8_t> file = real_static();
    elf::Image image = validated(file);
    for (bool and_after : {true, false}) {
        size_t needed = 0;
        for (size_t n = 1; !needed; ++n) {
            CAPTURE(n);
            CAPTURE(and_after);
            REQUIRE(n <= 40);
            FakeMemoryContext ctx(1024);
            FileInRam in_ram(ctx, file);
            {
                auto space = mm::AddressSpace::try_create(ctx).release_value();
                ctx.allocator.fail_at(n, and_after);
                auto r = load_from(space, image, in_ram, {in_ram.phys(), in_ram.whole_pages()});
                ctx.allocator.never_fail();
                if (r.ok()) {
                    needed = n;
                    CHECK(space.borrowed_pages() == 3);
                    check_segments(space, image, in_ram, file, {true, true, true, false});
                } else {
                    CHECK(r.error() == Error::kNoMemory);
                }
                CHECK(ctx.leaked() ==
                      in_ram.frames.size() + space.user_frames() + space.table_frames());
                in_ram.check_untouched();
            }
            // The caller destroys the half-built space: everything comes back.
            CHECK(ctx.leaked() == in_ram.frames.size());
            in_ram.check_untouched();
        }
        // Tables, 3 data pages and the stack page: more than one allocation.
        CHECK(needed > 4);
    }
}

TEST_CASE("program loader: a loaded program's regions; fork shares text, copies data on write") {
    std::vector<uint8_t> file = real_static();
    elf::Image image = validated(file);
    FakeMemoryContext ctx(1024);
    FileInRam in_ram(ctx, file);
    {
        auto space = mm::AddressSpace::try_create(ctx).release_value();
        REQUIRE(
            load_from(space, image, in_ram, FileFrames{in_ram.phys(), in_ram.whole_pages()}).ok());
        auto created = mm::ProcessMemory::try_create(std::move(space), kNyanMemoryLayout);
        REQUIRE(created.ok());
        mm::ProcessMemory parent = created.release_value();
        REQUIRE(record_image_regions(parent, image).ok());
        // One region per segment (R, R-X, R, RW: none can merge) and the stack.
        CHECK(parent.regions().count() == image.segment_count + 1);
        CHECK(record_image_regions(parent, image).error() == Error::kExists);
        const elf::Segment& text = image.segments[1];
        const elf::Segment& data = image.segments[3];
        const mm::Region* r = parent.regions().find(text.vaddr);
        REQUIRE(r);
        CHECK(r->prot == (mm::kProtRead | mm::kProtExec));
        CHECK(parent.regions().find(data.vaddr)->prot == (mm::kProtRead | mm::kProtWrite));
        CHECK(parent.regions().find(kStackBottom)->kind == mm::RegionKind::kStack);
        // The loader mapped data and bss eagerly: writable already, nothing to do.
        CHECK(parent.prefault(data.vaddr + data.memsz - 1, mm::Access::kWrite) ==
              mm::FaultResult::kHandled);

        mm::ProcessMemory child = parent.clone_for_fork().release_value();
        CHECK(child.space().translate(text.vaddr).value().phys ==
              parent.space().translate(text.vaddr).value().phys);
        CHECK(child.space().translate(text.vaddr).value().flags.borrowed);
        CHECK(child.space().borrowed_pages() == parent.space().borrowed_pages());
        // The child writes its data: a copy for it; the parent keeps its bytes.
        uint64_t before = read_word(parent.space(), data.vaddr);
        REQUIRE(child.prefault(data.vaddr, mm::Access::kWrite) == mm::FaultResult::kHandled);
        uint64_t junk = ~before;
        REQUIRE(child.space().copy_to(data.vaddr, &junk, 8).ok());
        CHECK(read_word(parent.space(), data.vaddr) == before);
        CHECK(read_word(child.space(), data.vaddr) == junk);
        // Writing text is a fault that kills, in both.
        CHECK(child.resolve_fault(text.vaddr, mm::Access::kWrite, true) == mm::FaultResult::kSegv);
        CHECK(parent.resolve_fault(text.vaddr, mm::Access::kWrite, true) == mm::FaultResult::kSegv);
        // The heap and stack work in the child as in the parent.
        REQUIRE(child.sbrk(kPageSize).ok());
        CHECK(child.resolve_fault(kHeapBase, mm::Access::kWrite, false) ==
              mm::FaultResult::kHandled);
        CHECK(parent.resolve_fault(kHeapBase, mm::Access::kWrite, false) == mm::FaultResult::kSegv);
    }
    CHECK(ctx.leaked() == in_ram.frames.size());
    in_ram.check_untouched();
}
