// ELF64 validation: the generated corpus (every case with its exact reason),
// a real static binary linked by GNU ld, real Linux programs (busybox-static,
// musl and glibc static and static-PIE builds), and hand-built edge cases,
// among them the ABI note that decides the personality.
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
#ifndef NYANOS_ELF_LINUX_DIR
#define NYANOS_ELF_LINUX_DIR "build/elf-linux"
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

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// One ELF note: header, then name and desc each padded to `align` from the
// note's start (binutils' rule). namesz/descsz override the header's sizes.
std::vector<uint8_t> note(const std::string& name, uint32_t type, const std::vector<uint8_t>& desc,
                          size_t align = 4, int64_t namesz = -1, int64_t descsz = -1) {
    std::vector<uint8_t> out;
    put_u32(out, namesz < 0 ? static_cast<uint32_t>(name.size()) : static_cast<uint32_t>(namesz));
    put_u32(out, descsz < 0 ? static_cast<uint32_t>(desc.size()) : static_cast<uint32_t>(descsz));
    put_u32(out, type);
    out.insert(out.end(), name.begin(), name.end());
    while (out.size() % align) out.push_back(0);
    out.insert(out.end(), desc.begin(), desc.end());
    while (out.size() % align) out.push_back(0);
    return out;
}

std::vector<uint8_t> le32(uint32_t v) {
    std::vector<uint8_t> out;
    put_u32(out, v);
    return out;
}

const std::string kNyanName("NyanOS\0", 7);

// The ABI note of a NyanOS program (include/nyanos/abi/note.h).
std::vector<uint8_t> abi_note(uint32_t version = 1, size_t align = 4) {
    return note(kNyanName, 1, le32(version), align);
}

std::vector<uint8_t> operator+(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// A small valid NyanOS program, built field by field: text R-X at 0x400000
// holding the headers, data RW- at 0x401000 with bss, and a PT_NOTE (ph[2])
// over `notes` at file offset kNoteOffset (in no PT_LOAD). Tests mutate it.
struct Builder {
    static constexpr uint64_t kNoteOffset = 0x1f00;
    Elf64_Ehdr eh{};
    std::vector<Elf64_Phdr> ph;
    size_t file_size = 0x2000;
    std::vector<uint8_t> notes = abi_note();

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
        Elf64_Phdr n{};
        n.p_type = PT_NOTE;
        n.p_flags = PF_R;
        n.p_offset = kNoteOffset;
        n.p_vaddr = n.p_paddr = 0x401f00;
        n.p_filesz = n.p_memsz = notes.size();
        n.p_align = 4;
        ph.push_back(n);
    }

    // New note bytes, and ph[2] (the PT_NOTE) sized to them.
    void set_notes(std::vector<uint8_t> bytes, uint64_t align = 4) {
        notes = std::move(bytes);
        ph[2].p_filesz = ph[2].p_memsz = notes.size();
        ph[2].p_align = align;
    }
    // A Linux program: no note at all.
    void drop_note() {
        ph.erase(ph.begin() + 2);
        notes.clear();
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
        for (size_t i = 0; i < notes.size() && kNoteOffset + i < out.size(); ++i)
            out[kNoteOffset + i] = notes[i];
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
    size_t cases = 0, nyanos_ok = 0, linux_ok = 0;
    std::vector<bool> reason_seen(32, false);
    while (std::getline(index, line)) {
        std::istringstream fields(line);
        std::string file, expected;
        REQUIRE(static_cast<bool>(fields >> file >> expected));
        auto bytes = read_file(dir + "/" + file);
        ValidationResult r = check(bytes);
        INFO("case " << file << ": want " << expected);
        if (expected == "Ok" || expected == "LinuxOk") {
            CHECK_MESSAGE(r.ok, "rejected: " << reject_reason(r.reason));
            bool nyanos = expected == "Ok";
            CHECK(r.image.personality == (nyanos ? Personality::kNyanOS : Personality::kLinux));
            ++(nyanos ? nyanos_ok : linux_ok);
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
    CHECK(cases >= 60);
    CHECK(nyanos_ok >= 7);
    CHECK(linux_ok >= 10);
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
                     Reject::kHasInterpreter,
                     Reject::kBadAbiNote}) {
        CHECK_MESSAGE(reason_seen[static_cast<size_t>(r)], "corpus lacks " << reject_name(r));
    }
}

TEST_CASE("elf: the corpus's valid program has the expected image") {
    auto bytes = read_file(std::string(NYANOS_ELF_CORPUS_DIR) + "/valid.elf");
    ValidationResult r = check(bytes);
    REQUIRE(r.ok);
    const Image& im = r.image;
    CHECK(im.personality == Personality::kNyanOS);
    CHECK_FALSE(im.position_independent);
    CHECK(im.entry == 0x4000e8);  // after the header and three program headers
    CHECK(im.phnum == 3);
    CHECK(im.phentsize == sizeof(Elf64_Phdr));
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
    CHECK(r2.image.personality == Personality::kNyanOS);

    auto pie = read_file(std::string(NYANOS_ELF_CORPUS_DIR) + "/linux-pie.elf");
    ValidationResult r3 = check(pie);
    REQUIRE(r3.ok);
    CHECK(r3.image.personality == Personality::kLinux);
    CHECK(r3.image.position_independent);
    CHECK(r3.image.lowest_vaddr == 0);  // link-time: the loader adds the bias
    CHECK(r3.image.highest_vaddr_end == 0x3000);
}

TEST_CASE("elf: a real static binary from GNU ld (-z separate-code) validates") {
    auto bytes = read_file(std::string(NYANOS_ELF_CORPUS_DIR) + "/real-static.elf");
    ValidationResult r = check(bytes);
    REQUIRE_MESSAGE(r.ok, "rejected: " << reject_reason(r.reason));
    CHECK(r.image.personality == Personality::kNyanOS);  // it carries the note itself

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
    CHECK(r.image.personality == Personality::kNyanOS);
    CHECK_FALSE(r.image.position_independent);
    CHECK_FALSE(r.image.executable_stack);
    CHECK_FALSE(r.image.tls.present);
    CHECK(r.image.phentsize == sizeof(Elf64_Phdr));
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
    for (int i = 0; i <= static_cast<int>(Reject::kBadAbiNote); ++i) {
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

// ---- Personality: the NyanOS ABI note ---------------------------------------

namespace {

Personality personality_of(Builder& b) {
    ValidationResult r = b.validate_now();
    REQUIRE_MESSAGE(r.ok, "rejected: " << reject_reason(r.reason));
    return r.image.personality;
}

// 16-byte notes that are nobody's ABI note.
std::vector<uint8_t> junk_notes(size_t n) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i < n; ++i) out = out + note(std::string("X\0", 2), 7, {});
    return out;
}

}  // namespace

TEST_CASE("elf: the ABI note decides the personality") {
    SUBCASE("note found: NyanOS") {
        Builder b;
        CHECK(personality_of(b) == Personality::kNyanOS);
    }
    SUBCASE("no PT_NOTE: Linux") {
        Builder b;
        b.drop_note();
        CHECK(personality_of(b) == Personality::kLinux);
    }
    SUBCASE("an empty PT_NOTE: Linux") {
        Builder b;
        b.set_notes({});
        CHECK(personality_of(b) == Personality::kLinux);
    }
    SUBCASE("a future ABI version is refused, never run as Linux") {
        for (uint32_t v : {0u, 2u, 0xffffffffu, 0x01000000u}) {
            Builder b;
            b.set_notes(abi_note(v));
            require_reject(b, Reject::kBadAbiNote);
        }
    }
    SUBCASE("a bad descsz is refused") {
        for (const auto& desc : {std::vector<uint8_t>{}, std::vector<uint8_t>{1},
                                 std::vector<uint8_t>{1, 0, 0, 0, 0, 0, 0, 0}}) {
            Builder b;
            b.set_notes(note(kNyanName, 1, desc));
            require_reject(b, Reject::kBadAbiNote);
        }
    }
    SUBCASE("ET_DYN and a bad note: the note is reported") {
        Builder b;
        b.eh.e_type = ET_DYN;
        b.set_notes(abi_note(2));
        require_reject(b, Reject::kBadAbiNote);
    }
    SUBCASE("other names and types are not the ABI note: Linux") {
        for (const auto& n : {note("NyanOS", 1, le32(1)),                      // namesz 6: no NUL
                              note(std::string("NyanOs\0", 7), 1, le32(1)),    // another name
                              note(std::string("NyanOS\0\0", 8), 1, le32(1)),  // namesz 8
                              note(kNyanName, 2, le32(1)),  // another NyanOS note type
                              note(kNyanName, 2, le32(7)),
                              note(std::string("GNU\0", 4), 1, le32(1))}) {  // NT_GNU_ABI_TAG-like
            Builder b;
            b.set_notes(n);
            CHECK(personality_of(b) == Personality::kLinux);
        }
    }
    SUBCASE("among other notes, and twice") {
        auto build_id = note(std::string("GNU\0", 4), 3, std::vector<uint8_t>(20, 0xab));
        Builder b;
        b.set_notes(build_id + abi_note() + build_id);
        CHECK(personality_of(b) == Personality::kNyanOS);
        b.set_notes(abi_note() + abi_note());
        CHECK(personality_of(b) == Personality::kNyanOS);
    }
    SUBCASE("every ABI note must say version 1, wherever it is") {
        Builder b;
        b.set_notes(abi_note() + abi_note(2));
        require_reject(b, Reject::kBadAbiNote);
        b.set_notes(abi_note(2) + abi_note());
        require_reject(b, Reject::kBadAbiNote);
    }
    SUBCASE("a second PT_NOTE holds it") {
        Builder b;
        b.set_notes(note(std::string("GNU\0", 4), 3, std::vector<uint8_t>(20, 1)) + abi_note());
        Elf64_Phdr gnu = b.ph[2];
        gnu.p_filesz = gnu.p_memsz = 36;  // the build-id note only
        b.ph[2].p_offset += 36;
        b.ph[2].p_filesz = b.ph[2].p_memsz = 24;
        b.ph.insert(b.ph.begin() + 2, gnu);
        CHECK(personality_of(b) == Personality::kNyanOS);
    }
    SUBCASE("8-byte padding in a PT_NOTE with p_align 8") {
        auto property = note(std::string("GNU\0", 4), 5, std::vector<uint8_t>(16, 0), 8);
        Builder b;
        b.set_notes(property + abi_note(1, 8), 8);
        CHECK(b.notes.size() == 64);
        CHECK(personality_of(b) == Personality::kNyanOS);
        // 4-byte padding read with 8-byte rules: the desc would start at 24,
        // the end of the note, so it does not fit: ignored.
        b.set_notes(property + abi_note(1, 4), 8);
        CHECK(personality_of(b) == Personality::kLinux);
    }
    SUBCASE("p_align up to 4 means 4-byte padding (as readelf reads it); others are not read") {
        for (uint64_t a : {0, 1, 2, 3, 4}) {
            Builder b;
            b.set_notes(abi_note(), a);
            CHECK(personality_of(b) == Personality::kNyanOS);
        }
        for (uint64_t a : {5, 16, 0x1000}) {
            Builder b;
            b.set_notes(abi_note(), a);
            CHECK(personality_of(b) == Personality::kLinux);
        }
    }
    SUBCASE("a truncated note is ignored: Linux") {
        for (uint64_t size = 0; size < 24; ++size) {
            CAPTURE(size);
            Builder b;
            b.ph[2].p_filesz = size;
            CHECK(personality_of(b) == Personality::kLinux);
        }
        Builder b;
        b.ph[2].p_filesz = 24;
        CHECK(personality_of(b) == Personality::kNyanOS);
        // A cut note is not read at all, whatever its version.
        b.set_notes(abi_note(2));
        b.ph[2].p_filesz = 23;
        CHECK(personality_of(b) == Personality::kLinux);
    }
    SUBCASE("a malformed note hides the ones after it: Linux") {
        for (auto bad : {note("X", 1, {}, 4, 0xffffffff),  // namesz past the segment
                         note("X", 1, {}, 4, 0xfffffff4),  // 12 + namesz wraps in 32 bits
                         note("X", 1, {}, 4, -1, 0xffffffff), note("X", 1, {}, 4, -1, 0xfffffffd),
                         note("X", 1, {}, 4, 200)}) {
            Builder b;
            b.set_notes(bad + abi_note());
            CHECK(personality_of(b) == Personality::kLinux);
        }
    }
    SUBCASE("a PT_NOTE outside the file is ignored") {
        Builder b;
        b.ph[2].p_offset = b.file_size - 23;
        CHECK(personality_of(b) == Personality::kLinux);
        b.ph[2].p_offset = UINT64_MAX - 8;  // offset + size wraps
        CHECK(personality_of(b) == Personality::kLinux);
        b.ph[2].p_offset = Builder::kNoteOffset;
        b.ph[2].p_filesz = UINT64_MAX;
        CHECK(personality_of(b) == Personality::kLinux);
    }
    SUBCASE("the note as the file's last bytes, and every cut of it") {
        // The file ends where the note ends, so ASan sees any read past it.
        auto notes = note(std::string("GNU\0", 4), 3, std::vector<uint8_t>(20, 1)) + abi_note();
        for (size_t cut = 0; cut <= notes.size(); ++cut) {
            CAPTURE(cut);
            Builder b;
            b.set_notes(notes);
            b.file_size = Builder::kNoteOffset + notes.size();
            auto bytes = b.bytes();
            bytes.resize(Builder::kNoteOffset + cut);
            // A segment cut by the end of the file is not read at all.
            ValidationResult whole = check(bytes);
            REQUIRE(whole.ok);
            CHECK(whole.image.personality ==
                  (cut == notes.size() ? Personality::kNyanOS : Personality::kLinux));
            // The same with the PT_NOTE shrunk to what the file holds.
            Elf64_Phdr shrunk = b.ph[2];
            shrunk.p_filesz = cut;
            memcpy(bytes.data() + b.eh.e_phoff + 2 * sizeof(Elf64_Phdr), &shrunk, sizeof(shrunk));
            ValidationResult fit = check(bytes);
            REQUIRE(fit.ok);
            CHECK(fit.image.personality ==
                  (cut == notes.size() ? Personality::kNyanOS : Personality::kLinux));
        }
    }
    SUBCASE("at most kMaxNotes notes are read") {
        Builder b;
        b.file_size = 0x3000;
        b.set_notes(junk_notes(kMaxNotes - 1) + abi_note());
        CHECK(personality_of(b) == Personality::kNyanOS);
        b.set_notes(junk_notes(kMaxNotes) + abi_note());
        CHECK(personality_of(b) == Personality::kLinux);
        // A bad version past the limit is not seen either.
        b.set_notes(abi_note() + junk_notes(kMaxNotes - 1) + abi_note(2));
        CHECK(personality_of(b) == Personality::kNyanOS);
    }
    SUBCASE("the limit counts notes over all PT_NOTEs") {
        Builder b;
        b.file_size = 0x3000;
        auto junk = junk_notes(kMaxNotes - 1);
        b.set_notes(junk + abi_note());
        Elf64_Phdr first = b.ph[2];
        first.p_filesz = first.p_memsz = junk.size();
        b.ph[2].p_offset += junk.size();
        b.ph[2].p_filesz = b.ph[2].p_memsz = 24;
        b.ph.insert(b.ph.begin() + 2, first);
        CHECK(personality_of(b) == Personality::kNyanOS);  // note number 64
        b.ph.insert(b.ph.begin() + 2, first);              // 63 more before it
        CHECK(personality_of(b) == Personality::kLinux);
    }
}

// ---- ET_DYN (static-PIE) and the ranges -------------------------------------

namespace {

// The Builder's program linked at 0 as a static-PIE (no note: Linux).
Builder static_pie() {
    Builder b;
    b.drop_note();
    b.eh.e_type = ET_DYN;
    b.ph[0].p_vaddr = b.ph[0].p_paddr = 0;
    b.ph[1].p_vaddr = b.ph[1].p_paddr = 0x1000;
    b.eh.e_entry = 0x100;
    return b;
}

}  // namespace

TEST_CASE("elf: ET_DYN is a Linux static-PIE, placed by a bias") {
    SUBCASE("accepted without the note") {
        Builder b = static_pie();
        ValidationResult r = b.validate_now();
        REQUIRE_MESSAGE(r.ok, reject_reason(r.reason));
        CHECK(r.image.personality == Personality::kLinux);
        CHECK(r.image.position_independent);
        // Link-time addresses, not moved into the range.
        CHECK(r.image.entry == 0x100);
        CHECK(r.image.phdr_vaddr == 0x40);
        CHECK(r.image.segments[0].vaddr == 0);
        CHECK(r.image.lowest_vaddr == 0);
        CHECK(r.image.highest_vaddr_end == 0x4000);
    }
    SUBCASE("refused with the note (NyanOS programs are ET_EXEC)") {
        Builder b;
        b.eh.e_type = ET_DYN;
        require_reject(b, Reject::kNotExecutable);
    }
    SUBCASE("refused with PT_INTERP (a dynamically linked PIE)") {
        Builder b = static_pie();
        Elf64_Phdr interp{};
        interp.p_type = PT_INTERP;
        interp.p_offset = 0x1000;
        interp.p_filesz = 0x10;
        b.ph.push_back(interp);
        require_reject(b, Reject::kHasInterpreter);
    }
    SUBCASE("the span must fit in the Linux range, from the lowest page") {
        Builder b = static_pie();
        auto bytes = b.bytes();
        const UserRange nyanos{kUserMin, kUserLimit};
        // [0, 0x4000): exactly four pages.
        CHECK(validate(bytes.data(), bytes.size(), {nyanos, {0x10000, 0x14000}}).ok);
        ValidationResult r = validate(bytes.data(), bytes.size(), {nyanos, {0x10000, 0x13000}});
        CHECK_FALSE(r.ok);
        CHECK(r.reason == Reject::kSegmentOutsideUserRange);
        // The NyanOS range does not apply to it.
        CHECK(validate(bytes.data(), bytes.size(),
                       {{kUserMin, kUserMin + 0x1000}, {0x10000, 0x14000}})
                  .ok);
    }
    SUBCASE("a lowest segment starting mid-page counts from its page") {
        Builder b = static_pie();
        b.ph[0].p_offset = 0x800;  // text at [0x800, 0xa00)
        b.ph[0].p_vaddr = 0x800;
        b.eh.e_entry = 0x900;
        b.ph[1].p_memsz = 0x2800;  // data ends at 0x3800
        auto bytes = b.bytes();
        // 0x3000 bytes from 0x800, but the loader maps whole pages: 0x3800 from 0.
        CHECK_FALSE(
            validate(bytes.data(), bytes.size(), {{kUserMin, kUserLimit}, {0x10000, 0x13000}}).ok);
        CHECK(
            validate(bytes.data(), bytes.size(), {{kUserMin, kUserLimit}, {0x10000, 0x14000}}).ok);
    }
    SUBCASE("linked anywhere: only the span matters") {
        for (uint64_t base : {0x1000ull, 0x7f0000000000ull, 0x7fffffff0000ull}) {
            Builder b = static_pie();
            b.ph[0].p_vaddr = base;
            b.ph[1].p_vaddr = base + 0x1000;
            b.eh.e_entry = base + 0x100;
            ValidationResult r = b.validate_now();
            REQUIRE_MESSAGE(r.ok, reject_reason(r.reason));
            CHECK(r.image.lowest_vaddr == base);
        }
    }
    SUBCASE("wrapping segments are still refused") {
        Builder b = static_pie();
        b.ph[1].p_vaddr = UINT64_MAX - 0xfff;
        require_reject(b, Reject::kSegmentWraps);
    }
    SUBCASE("a span of almost 2^64 is refused, not wrapped") {
        Builder b = static_pie();
        b.ph[1].p_vaddr = 0xfffffffffff00000;
        b.ph[1].p_memsz = 0x1000;
        require_reject(b, Reject::kSegmentOutsideUserRange);
    }
    SUBCASE("the other checks hold as for ET_EXEC") {
        Builder b = static_pie();
        b.ph[1].p_flags = PF_R | PF_W | PF_X;
        require_reject(b, Reject::kWritableAndExecutable);
        b = static_pie();
        b.ph.push_back(Builder::load(PF_R, 0x1010, 0x3010, 0x10, 0x10));
        require_reject(b, Reject::kSegmentsOverlap);
        b = static_pie();
        b.eh.e_entry = 0x1000;
        require_reject(b, Reject::kEntryNotExecutable);
    }
}

TEST_CASE("elf: each personality is checked against its own range") {
    // A Linux range that starts lower and ends sooner than NyanOS's.
    const UserRanges ranges{{kUserMin, kUserLimit}, {0x10000, 0x800000}};
    auto move_to = [](Builder& b, uint64_t base) {
        b.ph[0].p_vaddr = base;
        b.ph[1].p_vaddr = base + 0x1000;
        b.eh.e_entry = base + 0x100;
    };
    Builder linux_prog;
    linux_prog.drop_note();
    move_to(linux_prog, 0x200000);
    auto bytes = linux_prog.bytes();
    ValidationResult r = validate(bytes.data(), bytes.size(), ranges);
    REQUIRE_MESSAGE(r.ok, reject_reason(r.reason));
    CHECK(r.image.personality == Personality::kLinux);
    CHECK_FALSE(r.image.position_independent);

    Builder nyanos_prog;
    move_to(nyanos_prog, 0x200000);
    bytes = nyanos_prog.bytes();
    r = validate(bytes.data(), bytes.size(), ranges);
    CHECK_FALSE(r.ok);
    CHECK(r.reason == Reject::kSegmentOutsideUserRange);

    // And the other way round.
    move_to(nyanos_prog, 0x900000);
    bytes = nyanos_prog.bytes();
    CHECK(validate(bytes.data(), bytes.size(), ranges).ok);
    move_to(linux_prog, 0x900000);
    bytes = linux_prog.bytes();
    r = validate(bytes.data(), bytes.size(), ranges);
    CHECK_FALSE(r.ok);
    CHECK(r.reason == Reject::kSegmentOutsideUserRange);
}

TEST_CASE("elf: PT_GNU_STACK, PT_TLS and e_phentsize are recorded") {
    auto with = [](Builder& b, uint32_t type, uint32_t flags) -> Elf64_Phdr& {
        Elf64_Phdr p{};
        p.p_type = type;
        p.p_flags = flags;
        b.ph.push_back(p);
        return b.ph.back();
    };
    SUBCASE("no PT_GNU_STACK: not executable") {
        Builder b;
        CHECK_FALSE(b.validate_now().image.executable_stack);
    }
    SUBCASE("RW- and RWX stacks; the last one decides, as in Linux") {
        Builder b;
        with(b, PT_GNU_STACK, PF_R | PF_W);
        CHECK_FALSE(b.validate_now().image.executable_stack);
        with(b, PT_GNU_STACK, PF_R | PF_W | PF_X);
        CHECK(b.validate_now().image.executable_stack);
        with(b, PT_GNU_STACK, PF_R | PF_W);
        CHECK_FALSE(b.validate_now().image.executable_stack);
    }
    SUBCASE("the first PT_TLS, as the file says") {
        Builder b;
        Elf64_Phdr& tls = with(b, PT_TLS, PF_R);
        tls.p_vaddr = 0x401000;
        tls.p_filesz = 0x28;
        tls.p_memsz = 0x8a;
        tls.p_align = 8;
        Elf64_Phdr& second = with(b, PT_TLS, PF_R);
        second.p_vaddr = 0x402000;
        ValidationResult r = b.validate_now();
        REQUIRE(r.ok);
        CHECK(r.image.tls.present);
        CHECK(r.image.tls.vaddr == 0x401000);
        CHECK(r.image.tls.filesz == 0x28);
        CHECK(r.image.tls.memsz == 0x8a);
        CHECK(r.image.tls.align == 8);
    }
    SUBCASE("phentsize") {
        Builder b;
        b.drop_note();
        CHECK(b.validate_now().image.phentsize == 56);
    }
}

TEST_CASE("elf: Linux programs keep W^X, page ownership and the other rules") {
    SUBCASE("W+X") {
        Builder b;
        b.drop_note();
        b.ph[1].p_flags = PF_R | PF_W | PF_X;
        require_reject(b, Reject::kWritableAndExecutable);
    }
    SUBCASE("two segments in one page") {
        Builder b;
        b.drop_note();
        b.ph[1].p_memsz = 0x1001;
        b.ph.push_back(Builder::load(PF_R, 0x1010, 0x402010, 0, 0x10));
        require_reject(b, Reject::kSegmentsOverlap);
    }
    SUBCASE("relocatable and core files") {
        for (uint16_t type : {ET_REL, ET_CORE, ET_NONE}) {
            Builder b;
            b.drop_note();
            b.eh.e_type = type;
            require_reject(b, Reject::kNotExecutable);
        }
    }
}

// ---- Real Linux programs ----------------------------------------------------

namespace {

// Linux's user range for the real programs: above mmap_min_addr, below a
// stack under 2^47.
constexpr UserRange kLinuxRange{0x10000, 0x7ff000000000};

void check_real_linux(const std::string& name, bool pie) {
    CAPTURE(name);
    auto bytes = read_file(std::string(NYANOS_ELF_LINUX_DIR) + "/" + name);
    ValidationResult r =
        validate(bytes.data(), bytes.size(), UserRanges{{kUserMin, kUserLimit}, kLinuxRange});
    REQUIRE_MESSAGE(r.ok, "rejected: " << reject_reason(r.reason)
                                       << " (busybox: is /bin/busybox Debian's busybox-static?)");
    const Image& im = r.image;
    CHECK(im.personality == Personality::kLinux);
    CHECK(im.position_independent == pie);
    CHECK(im.phentsize == sizeof(Elf64_Phdr));

    // Against the file's own headers, read independently.
    Elf64_Ehdr eh;
    memcpy(&eh, bytes.data(), sizeof(eh));
    CHECK(eh.e_type == (pie ? ET_DYN : ET_EXEC));
    CHECK(im.entry == eh.e_entry);
    CHECK(im.phnum == eh.e_phnum);
    size_t loads = 0;
    bool saw_tls = false, mid_page_data = false;
    bool exec_stack = false;
    for (size_t i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        memcpy(&ph, bytes.data() + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        CHECK(ph.p_type != PT_INTERP);
        if (ph.p_type == PT_GNU_STACK) exec_stack = (ph.p_flags & PF_X) != 0;
        if (ph.p_type == PT_TLS && !saw_tls) {
            saw_tls = true;
            CHECK(im.tls.present);
            CHECK(im.tls.vaddr == ph.p_vaddr);
            CHECK(im.tls.memsz == ph.p_memsz);
            CHECK(im.tls.filesz == ph.p_filesz);
            CHECK(im.tls.align == ph.p_align);
        }
        if (ph.p_type != PT_LOAD) continue;
        REQUIRE(loads < im.segment_count);
        const Segment& s = im.segments[loads++];
        CHECK(s.vaddr == ph.p_vaddr);
        CHECK(s.memsz == ph.p_memsz);
        CHECK(s.file_offset == ph.p_offset);
        CHECK(s.filesz == ph.p_filesz);
        CHECK(s.writable == ((ph.p_flags & PF_W) != 0));
        CHECK(s.executable == ((ph.p_flags & PF_X) != 0));
        if (s.writable && s.vaddr % kPageSize != 0) mid_page_data = true;
    }
    CHECK(loads == im.segment_count);
    CHECK(loads >= 2);
    CHECK(saw_tls == im.tls.present);
    CHECK(im.executable_stack == exec_stack);
    CHECK_FALSE(im.executable_stack);
    // GNU ld starts the RELRO/data segment mid-page (right after the previous
    // segment's last file byte, one virtual page on): the case the loader
    // must handle.
    CHECK(mid_page_data);
    // Not one of them puts two segments in one page of memory (validate()
    // would have refused it), even where two share a page of the file.
    if (pie) {
        CHECK(im.lowest_vaddr == 0);
    }
}

}  // namespace

TEST_CASE("elf: real Linux programs validate with the Linux personality") {
    SUBCASE("Debian's busybox-static (glibc, ET_EXEC at 0x400000, PT_TLS)") {
        check_real_linux("busybox", false);
        auto bytes = read_file(std::string(NYANOS_ELF_LINUX_DIR) + "/busybox");
        ValidationResult r =
            validate(bytes.data(), bytes.size(), {{kUserMin, kUserLimit}, kLinuxRange});
        REQUIRE(r.ok);
        CHECK(r.image.tls.present);
        CHECK(r.image.lowest_vaddr == 0x400000);
    }
    SUBCASE("musl-gcc -static") {
        check_real_linux("musl-static", false);
    }
    SUBCASE("a musl static-PIE (rcrt1.o)") {
        check_real_linux("musl-static-pie", true);
    }
    SUBCASE("gcc -static-pie (glibc)") {
        check_real_linux("glibc-static-pie", true);
    }
}
