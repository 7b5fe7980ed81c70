// ELF64 validation: the generated corpus (every case with its exact reason),
// a real static binary linked by GNU ld, and hand-built edge cases.
#include <doctest/doctest.h>
#include <elf.h>
#include <string.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "proc/elf.h"

#ifndef NYANOS_ELF_CORPUS_DIR
#define NYANOS_ELF_CORPUS_DIR "build/elf-corpus"
#endif

using namespace nyanos;
using namespace nyanos::elf;

namespace {

constexpr uint64_t kUserMin = 0x400000;
// Below a 64 KiB stack (plus guard page) whose top is 0x1000000.
constexpr uint64_t kUserLimit = 0x1000000 - 0x11000;

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path << " (run through make host-test)");
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

ValidationResult check(const std::vector<uint8_t>& bytes) {
    return validate(bytes.data(), bytes.size(), kUserMin, kUserLimit);
}

// A small valid program, built field by field: text R-X at 0x400000 holding
// the headers, data RW- at 0x401000 with bss. Tests mutate it.
struct Builder {
    Elf64_Ehdr eh{};
    std::vector<Elf64_Phdr> ph;
    size_t file_size = 0x2000;

    Builder() {
        memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS64;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        eh.e_ident[EI_VERSION] = EV_CURRENT;
        eh.e_type = ET_EXEC;
        eh.e_machine = EM_X86_64;
        eh.e_version = EV_CURRENT;
        eh.e_entry = 0x400100;
        eh.e_phoff = sizeof(Elf64_Ehdr);
        eh.e_ehsize = sizeof(Elf64_Ehdr);
        eh.e_phentsize = sizeof(Elf64_Phdr);
        ph.push_back(load(PF_R | PF_X, 0, 0x400000, 0x200, 0x200));
        ph.push_back(load(PF_R | PF_W, 0x1000, 0x401000, 0x80, 0x3000));
    }

    static Elf64_Phdr load(uint32_t flags, uint64_t offset, uint64_t vaddr, uint64_t filesz,
                           uint64_t memsz, uint64_t align = 0x1000) {
        Elf64_Phdr p{};
        p.p_type = PT_LOAD;
        p.p_flags = flags;
        p.p_offset = offset;
        p.p_vaddr = p.p_paddr = vaddr;
        p.p_filesz = filesz;
        p.p_memsz = memsz;
        p.p_align = align;
        return p;
    }

    std::vector<uint8_t> bytes() {
        eh.e_phnum = static_cast<uint16_t>(ph.size());
        std::vector<uint8_t> out(file_size, 0x90);
        memcpy(out.data(), &eh, std::min(sizeof(eh), out.size()));
        size_t table = ph.size() * sizeof(Elf64_Phdr);
        if (eh.e_phoff < out.size() && table <= out.size() - eh.e_phoff)
            memcpy(out.data() + eh.e_phoff, ph.data(), table);
        return out;
    }

    ValidationResult validate_now() {
        auto b = bytes();
        return check(b);
    }
};

void require_reject(Builder& b, Reject expected) {
    ValidationResult r = b.validate_now();
    CHECK_FALSE(r.ok);
    CHECK_MESSAGE(r.reason == expected, "got " << std::string(reject_name(r.reason)) << ", want "
                                               << std::string(reject_name(expected)));
}

}  // namespace

TEST_CASE("elf: every corpus case is rejected with its exact reason (or accepted)") {
    const std::string dir = NYANOS_ELF_CORPUS_DIR;
    std::ifstream index(dir + "/cases.txt");
    REQUIRE_MESSAGE(index.good(), "missing " << dir << "/cases.txt (make builds it)");
    std::string line;
    size_t cases = 0, accepted = 0;
    std::vector<bool> reason_seen(32, false);
    while (std::getline(index, line)) {
        std::istringstream fields(line);
        std::string file, expected;
        REQUIRE(static_cast<bool>(fields >> file >> expected));
        auto bytes = read_file(dir + "/" + file);
        ValidationResult r = check(bytes);
        INFO("case " << file << ": want " << expected);
        if (expected == "Ok") {
            CHECK_MESSAGE(r.ok, "rejected: " << reject_reason(r.reason));
            ++accepted;
        } else {
            CHECK_FALSE(r.ok);
            CHECK(std::string(reject_name(r.reason)) == expected);
            reason_seen[static_cast<size_t>(r.reason)] = true;
        }
        // Every truncation of a case must be handled too (ASan watches the
        // reads, each prefix sits in a buffer of exactly its size): cutting a
        // file never makes it acceptable, since every case's last bytes are
        // segment contents.
        for (size_t n = 0; n < bytes.size(); ++n) {
            std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + n);
            if (check(prefix).ok) FAIL("prefix of " << n << " bytes accepted");
        }
        ++cases;
    }
    CHECK(cases >= 35);
    CHECK(accepted == 2);
    // The corpus exercises every reason.
    for (Reject r : {Reject::kTooSmall,
                     Reject::kBadMagic,
                     Reject::kBadClass,
                     Reject::kBadData,
                     Reject::kBadVersion,
                     Reject::kBadMachine,
                     Reject::kNotExecutable,
                     Reject::kBadPhentsize,
                     Reject::kTooManyPhdrs,
                     Reject::kPhdrsOutsideFile,
                     Reject::kSegmentOutsideFile,
                     Reject::kFileszOverMemsz,
                     Reject::kSegmentOutsideUserRange,
                     Reject::kSegmentWraps,
                     Reject::kSegmentsOverlap,
                     Reject::kBadAlignment,
                     Reject::kEntryNotCanonical,
                     Reject::kEntryNotExecutable,
                     Reject::kNoLoadableSegment,
                     Reject::kWritableAndExecutable,
                     Reject::kHasInterpreter}) {
        CHECK_MESSAGE(reason_seen[static_cast<size_t>(r)], "corpus lacks " << reject_name(r));
    }
}

TEST_CASE("elf: the corpus's valid program has the expected image") {
    auto bytes = read_file(std::string(NYANOS_ELF_CORPUS_DIR) + "/valid.elf");
    ValidationResult r = check(bytes);
    REQUIRE(r.ok);
    const Image& im = r.image;
    CHECK(im.entry == 0x4000b0);
    CHECK(im.phnum == 2);
    CHECK(im.phdr_vaddr == 0x400040);
    REQUIRE(im.segment_count == 2);
    CHECK(im.segments[0].vaddr == 0x400000);
    CHECK(im.segments[0].file_offset == 0);
    CHECK(im.segments[0].executable);
    CHECK_FALSE(im.segments[0].writable);
    CHECK(im.segments[1].vaddr == 0x401000);
    CHECK(im.segments[1].filesz == 16);
    CHECK(im.segments[1].memsz == 0x2000);
    CHECK(im.segments[1].writable);
    CHECK_FALSE(im.segments[1].executable);
    CHECK(im.lowest_vaddr == 0x400000);
    CHECK(im.highest_vaddr_end == 0x403000);

    auto lone = read_file(std::string(NYANOS_ELF_CORPUS_DIR) + "/valid-text-only.elf");
    ValidationResult r2 = check(lone);
    REQUIRE(r2.ok);
    CHECK(r2.image.phdr_vaddr == 0);  // the headers are in no PT_LOAD
    CHECK(r2.image.segment_count == 1);
}

TEST_CASE("elf: a real static binary from GNU ld (-z separate-code) validates") {
    auto bytes = read_file(std::string(NYANOS_ELF_CORPUS_DIR) + "/real-static.elf");
    ValidationResult r = check(bytes);
    REQUIRE_MESSAGE(r.ok, "rejected: " << reject_reason(r.reason));

    // Compare with the file's own headers, read independently.
    Elf64_Ehdr eh;
    memcpy(&eh, bytes.data(), sizeof(eh));
    CHECK(r.image.entry == eh.e_entry);
    CHECK(r.image.phnum == eh.e_phnum);
    CHECK(r.image.phdr_vaddr == 0x400000 + eh.e_phoff);
    size_t loads = 0;
    bool saw_text = false, saw_data = false;
    for (size_t i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        memcpy(&ph, bytes.data() + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_LOAD) continue;
        REQUIRE(loads < r.image.segment_count);
        const Segment& s = r.image.segments[loads++];
        CHECK(s.vaddr == ph.p_vaddr);
        CHECK(s.memsz == ph.p_memsz);
        CHECK(s.file_offset == ph.p_offset);
        CHECK(s.filesz == ph.p_filesz);
        CHECK(s.executable == ((ph.p_flags & PF_X) != 0));
        CHECK(s.writable == ((ph.p_flags & PF_W) != 0));
        saw_text |= s.executable;
        saw_data |= s.writable && s.memsz > s.filesz;  // .data followed by .bss
    }
    CHECK(loads == r.image.segment_count);
    CHECK(loads >= 3);
    CHECK(saw_text);
    CHECK(saw_data);
    CHECK(r.image.lowest_vaddr == 0x400000);
}

TEST_CASE("elf: the hand-built baseline is valid") {
    Builder b;
    ValidationResult r = b.validate_now();
    REQUIRE_MESSAGE(r.ok, reject_reason(r.reason));
    CHECK(r.image.entry == 0x400100);
    CHECK(r.image.phdr_vaddr == 0x400040);
    CHECK(r.image.segment_count == 2);
    CHECK(r.image.highest_vaddr_end == 0x404000);
}

TEST_CASE("elf: header faults") {
    SUBCASE("null pointer") {
        CHECK(validate(nullptr, 100, kUserMin, kUserLimit).reason == Reject::kTooSmall);
    }
    SUBCASE("one byte short of a header") {
        Builder b;
        b.file_size = sizeof(Elf64_Ehdr) - 1;
        require_reject(b, Reject::kTooSmall);
    }
    SUBCASE("magic") {
        Builder b;
        b.eh.e_ident[EI_MAG3] = 'G';
        require_reject(b, Reject::kBadMagic);
    }
    SUBCASE("class none") {
        Builder b;
        b.eh.e_ident[EI_CLASS] = ELFCLASSNONE;
        require_reject(b, Reject::kBadClass);
    }
    SUBCASE("big endian") {
        Builder b;
        b.eh.e_ident[EI_DATA] = ELFDATA2MSB;
        require_reject(b, Reject::kBadData);
    }
    SUBCASE("ident version") {
        Builder b;
        b.eh.e_ident[EI_VERSION] = 0;
        require_reject(b, Reject::kBadVersion);
    }
    SUBCASE("aarch64") {
        Builder b;
        b.eh.e_machine = EM_AARCH64;
        require_reject(b, Reject::kBadMachine);
    }
    SUBCASE("relocatable, shared, core") {
        for (uint16_t type : {ET_REL, ET_DYN, ET_CORE, ET_NONE}) {
            Builder b;
            b.eh.e_type = type;
            require_reject(b, Reject::kNotExecutable);
        }
    }
    SUBCASE("phentsize too big (would read past each entry's end)") {
        Builder b;
        b.eh.e_phentsize = 64;
        require_reject(b, Reject::kBadPhentsize);
    }
    SUBCASE("PN_XNUM") {
        Builder b;
        b.ph.resize(1);
        // e_phnum comes from ph.size(); fake a 0xffff count through the header.
        auto bytes = b.bytes();
        uint16_t xnum = PN_XNUM;
        memcpy(bytes.data() + offsetof(Elf64_Ehdr, e_phnum), &xnum, sizeof(xnum));
        CHECK(check(bytes).reason == Reject::kTooManyPhdrs);
    }
    SUBCASE("65 headers") {
        Builder b;
        while (b.ph.size() < 65) {
            Elf64_Phdr note{};
            note.p_type = PT_NOTE;
            b.ph.push_back(note);
        }
        require_reject(b, Reject::kTooManyPhdrs);
    }
    SUBCASE("table ends one byte past the file") {
        Builder b;
        b.eh.e_phoff = b.file_size - 2 * sizeof(Elf64_Phdr) + 1;
        require_reject(b, Reject::kPhdrsOutsideFile);
    }
    SUBCASE("phoff near 2^64 (offset + size would wrap)") {
        Builder b;
        b.eh.e_phoff = UINT64_MAX - 8;
        require_reject(b, Reject::kPhdrsOutsideFile);
    }
}

TEST_CASE("elf: segment faults") {
    SUBCASE("file bytes one past the end") {
        Builder b;
        b.ph[1].p_filesz = b.file_size - 0x1000 + 1;
        b.ph[1].p_memsz = b.ph[1].p_filesz;
        require_reject(b, Reject::kSegmentOutsideFile);
    }
    SUBCASE("file bytes exactly to the end are fine") {
        Builder b;
        b.ph[1].p_filesz = b.file_size - 0x1000;
        CHECK(b.validate_now().ok);
    }
    SUBCASE("offset + filesz wraps") {
        Builder b;
        b.ph[1].p_offset = UINT64_MAX - 0xf;
        b.ph[1].p_align = 0;
        require_reject(b, Reject::kSegmentOutsideFile);
    }
    SUBCASE("filesz > memsz") {
        Builder b;
        b.ph[1].p_memsz = b.ph[1].p_filesz - 1;
        require_reject(b, Reject::kFileszOverMemsz);
    }
    SUBCASE("below user_min by one page") {
        Builder b;
        b.ph[0].p_vaddr = kUserMin - 0x1000;
        b.eh.e_entry = b.ph[0].p_vaddr + 0x100;
        require_reject(b, Reject::kSegmentOutsideUserRange);
    }
    SUBCASE("ends one byte past user_limit") {
        Builder b;
        b.ph[1].p_memsz = kUserLimit - 0x401000 + 1;
        require_reject(b, Reject::kSegmentOutsideUserRange);
    }
    SUBCASE("ends exactly at user_limit is fine") {
        Builder b;
        b.ph[1].p_memsz = kUserLimit - 0x401000;
        CHECK(b.validate_now().ok);
    }
    SUBCASE("kernel half") {
        Builder b;
        b.ph[1].p_vaddr = 0xffffffff80001000;
        require_reject(b, Reject::kSegmentOutsideUserRange);
    }
    SUBCASE("vaddr + memsz wraps to a small number") {
        Builder b;
        b.ph[1].p_memsz = UINT64_MAX - 0x401000 + 0x10;  // ends at 0xf
        require_reject(b, Reject::kSegmentWraps);
    }
    SUBCASE("vaddr + memsz == 2^64 exactly") {
        Builder b;
        b.ph[1].p_memsz = 0 - b.ph[1].p_vaddr;
        require_reject(b, Reject::kSegmentWraps);
    }
    SUBCASE("identical segments") {
        Builder b;
        b.ph.push_back(b.ph[1]);
        require_reject(b, Reject::kSegmentsOverlap);
    }
    SUBCASE("one segment inside another (listed first)") {
        Builder b;
        b.ph.insert(b.ph.begin(), Builder::load(PF_R, 0x1000, 0x402000, 0x10, 0x10));
        require_reject(b, Reject::kSegmentsOverlap);
    }
    SUBCASE("bss tail shares the next segment's first page") {
        Builder b;
        b.ph[1].p_memsz = 0x1001;  // ends at 0x402001
        b.ph.push_back(Builder::load(PF_R, 0x1000, 0x402000 + 0x10, 0, 0x10));
        b.ph.back().p_offset = 0x1010;
        require_reject(b, Reject::kSegmentsOverlap);
    }
    SUBCASE("adjacent pages are fine") {
        Builder b;
        b.ph.push_back(Builder::load(PF_R, 0x1000, 0x404000, 0x10, 0x10));
        CHECK(b.validate_now().ok);
    }
    SUBCASE("align not a power of two") {
        Builder b;
        b.ph[1].p_align = 0x3000;
        require_reject(b, Reject::kBadAlignment);
    }
    SUBCASE("incongruent page offset") {
        Builder b;
        b.ph[1].p_offset = 0x1008;
        require_reject(b, Reject::kBadAlignment);
    }
    SUBCASE("2 MiB align only needs congruence mod 4 KiB") {
        Builder b;
        b.ph[1].p_align = 0x200000;
        CHECK(b.validate_now().ok);
    }
    SUBCASE("small align: congruence mod align") {
        Builder b;
        b.ph[1].p_align = 16;
        b.ph[1].p_offset = 0x1010;
        b.ph[1].p_vaddr = 0x401020;
        CHECK(b.validate_now().ok);
        b.ph[1].p_vaddr = 0x401018;
        require_reject(b, Reject::kBadAlignment);
    }
    SUBCASE("align 0 and 1 mean none") {
        for (uint64_t a : {0, 1}) {
            Builder b;
            b.ph[1].p_align = a;
            b.ph[1].p_offset = 0x1008;
            CHECK(b.validate_now().ok);
        }
    }
    SUBCASE("W+X data") {
        Builder b;
        b.ph[1].p_flags = PF_R | PF_W | PF_X;
        require_reject(b, Reject::kWritableAndExecutable);
    }
    SUBCASE("16 loads are fine, 17 are too many") {
        Builder b;
        for (uint64_t i = 0; i < 14; ++i)
            b.ph.push_back(Builder::load(PF_R, 0x1000, 0x500000 + i * 0x1000, 0x10, 0x10));
        CHECK(b.validate_now().ok);  // 16 is the limit
        b.ph.push_back(Builder::load(PF_R, 0x1000, 0x600000, 0x10, 0x10));
        require_reject(b, Reject::kTooManyPhdrs);
    }
    SUBCASE("empty PT_LOADs are skipped; only empty ones means nothing to load") {
        Builder b;
        b.ph.push_back(Builder::load(PF_R, 0, 0x800000, 0, 0));
        CHECK(b.validate_now().ok);
        CHECK(b.validate_now().image.segment_count == 2);
        b.ph.erase(b.ph.begin(), b.ph.begin() + 2);
        require_reject(b, Reject::kNoLoadableSegment);
    }
    SUBCASE("PT_INTERP") {
        Builder b;
        Elf64_Phdr interp{};
        interp.p_type = PT_INTERP;
        interp.p_offset = 0x1000;
        interp.p_filesz = 0x10;
        b.ph.push_back(interp);
        require_reject(b, Reject::kHasInterpreter);
    }
    SUBCASE("other program headers are ignored") {
        Builder b;
        for (uint32_t type : {PT_NOTE, PT_GNU_STACK, PT_TLS, PT_PHDR, PT_NULL}) {
            Elf64_Phdr p{};
            p.p_type = type;
            p.p_vaddr = 0xffffffffffffffff;  // nonsense, but not a load
            b.ph.push_back(p);
        }
        CHECK(b.validate_now().ok);
    }
}

TEST_CASE("elf: entry point faults") {
    SUBCASE("non-canonical") {
        for (uint64_t e : {0x0000800000000000ull, 0x8000000000000000ull, 0xffff7fffffffffffull}) {
            Builder b;
            b.eh.e_entry = e;
            require_reject(b, Reject::kEntryNotCanonical);
        }
    }
    SUBCASE("in a non-executable segment") {
        Builder b;
        b.eh.e_entry = 0x401000;
        require_reject(b, Reject::kEntryNotExecutable);
    }
    SUBCASE("one past the end of text") {
        Builder b;
        b.eh.e_entry = 0x400200;
        require_reject(b, Reject::kEntryNotExecutable);
        b.eh.e_entry = 0x4001ff;
        CHECK(b.validate_now().ok);
    }
    SUBCASE("kernel half (canonical)") {
        Builder b;
        b.eh.e_entry = 0xffffffff80000000;
        require_reject(b, Reject::kEntryNotExecutable);
    }
}

TEST_CASE("elf: AT_PHDR comes from the PT_LOAD that holds the table") {
    Builder b;
    // Move the table into the data segment's file bytes.
    b.eh.e_phoff = 0x1010;
    b.ph[1].p_filesz = 0x100;
    ValidationResult r = b.validate_now();
    REQUIRE(r.ok);
    CHECK(r.image.phdr_vaddr == 0x401010);
    // Only partly covered: not mapped, so 0.
    b.ph[1].p_filesz = 0x20;
    r = b.validate_now();
    REQUIRE(r.ok);
    CHECK(r.image.phdr_vaddr == 0);
}

TEST_CASE("elf: every reason has a distinct phrase and name") {
    for (int i = 0; i <= static_cast<int>(Reject::kHasInterpreter); ++i) {
        for (int j = 0; j < i; ++j) {
            CHECK(strcmp(reject_reason(Reject(i)), reject_reason(Reject(j))) != 0);
            CHECK(strcmp(reject_name(Reject(i)), reject_name(Reject(j))) != 0);
        }
    }
    CHECK(std::string(reject_reason(Reject::kSegmentsOverlap)) ==
          "PT_LOAD overlaps another segment");
}

TEST_CASE("elf: try_validate maps every rejection to ENOEXEC") {
    Builder b;
    b.eh.e_machine = EM_386;
    auto bytes = b.bytes();
    auto r = try_validate(bytes.data(), bytes.size(), kUserMin, kUserLimit);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::kNotExecutable);
}
