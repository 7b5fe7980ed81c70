// ELF64 validation: everything about a user program's file is checked here,
// before a single page is mapped. The loader (which maps segments into an
// AddressSpace) consumes the Image this produces and trusts it; validate()
// itself allocates nothing and touches nothing but the bytes it is given.
//
// validate() also decides the program's personality (its "brand", as FreeBSD
// calls it): a file with the NyanOS ABI note (include/nyanos/abi/note.h) is a
// NyanOS program; every other static executable is a Linux program.
//
// Types come from <elf.h> (glibc's header is plain type definitions and builds
// with the kernel's freestanding flags too).
#pragma once

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::elf {

// Which system calls, process-start layout and address-space layout a
// program gets. Decided by validate() from the file alone.
enum class Personality : uint8_t {
    kNyanOS,  // carries the NyanOS ABI note, version 1
    kLinux,   // every other accepted file (no NyanOS ABI note)
};

// Why a file was refused. Each reason has a short English phrase, see
// reject_reason(). The checks run in this order: the ELF header (magic to
// e_type, which must be ET_EXEC or ET_DYN, then the program header table),
// the ABI note (kBadAbiNote) and the type against the personality (ET_DYN is
// Linux only), then segment by segment (file bounds, sizes, range, alignment,
// permissions, overlap; PT_INTERP as met), for ET_DYN the span of all
// segments, then the entry point. A file with several faults reports the
// first one.
enum class Reject : uint8_t {
    kTooSmall,                 // shorter than an ELF64 header (includes empty files)
    kBadMagic,                 // not \x7fELF
    kBadClass,                 // not ELFCLASS64
    kBadData,                  // not little endian
    kBadVersion,               // e_ident[EI_VERSION] or e_version is not EV_CURRENT
    kBadMachine,               // not EM_X86_64
    kNotExecutable,            // e_type not ET_EXEC or ET_DYN, or ET_DYN with the NyanOS note
    kBadPhentsize,             // e_phentsize != sizeof(Elf64_Phdr)
    kTooManyPhdrs,             // e_phnum == 0 or > kMaxPhdrs, or > kMaxSegments PT_LOADs
    kPhdrsOutsideFile,         // [e_phoff, e_phoff + e_phnum * e_phentsize) not in the file
    kSegmentOutsideFile,       // [p_offset, p_offset + p_filesz) not in the file
    kFileszOverMemsz,          // p_filesz > p_memsz
    kSegmentOutsideUserRange,  // p_vaddr < min or p_vaddr + p_memsz > limit (ET_DYN: the span)
    kSegmentWraps,             // p_vaddr + p_memsz overflows 64 bits
    kSegmentsOverlap,          // two PT_LOADs touch the same 4 KiB page
    kBadAlignment,             // p_align not 0 or a power of two, or vaddr/offset not congruent
    kEntryNotCanonical,        // e_entry is not a canonical 48-bit address
    kEntryNotExecutable,       // e_entry outside every executable PT_LOAD
    kNoLoadableSegment,        // no PT_LOAD with p_memsz > 0
    kWritableAndExecutable,    // a PT_LOAD with both PF_W and PF_X (W^X)
    kHasInterpreter,           // PT_INTERP: dynamically linked programs are not supported
    kBadAbiNote,               // a NyanOS ABI note (name "NyanOS", type 1) not descsz 4, version 1
};

// A short English phrase ("PT_LOAD overlaps another segment"), never null.
const char* reject_reason(Reject r);
// The enumerator's name without the k ("SegmentsOverlap"), never null. Used by
// the test corpus index (scripts/gen-elf-corpus.py writes these names).
const char* reject_name(Reject r);

// One PT_LOAD, as the loader must map it: [vaddr, vaddr + memsz) with the file
// bytes [file_offset, file_offset + filesz) copied to vaddr and the rest zero.
// vaddr is not page aligned in general (Linux toolchains start the data
// segment, and with lld every segment, mid-page); vaddr and file_offset are
// congruent modulo min(p_align, 4 KiB) when p_align > 1. No two segments
// share a page of memory, for either personality, so the loader can map each
// page with exactly one segment's permissions. (Two segments may share a page
// of the file: Debian's busybox-static has its R segment end at file offset
// 0x1da017 and its RW segment start at 0x1da708, one virtual page further on.
// No static binary from GNU ld, lld, glibc or musl that we checked shares a
// page of memory: docs/design.md, decision 7.)
struct Segment {
    uint64_t vaddr, memsz, file_offset, filesz;
    bool readable, writable, executable;
};

inline constexpr size_t kMaxSegments = 16;
inline constexpr uint16_t kMaxPhdrs = 64;
inline constexpr uint64_t kPageSize = 4096;
// Notes read per file when looking for the ABI note (in program header order,
// then in segment order); notes after these are not looked at.
inline constexpr size_t kMaxNotes = 64;

// The first PT_TLS, as the file states it (not checked: information for the
// loader; static programs set up their TLS themselves from AT_PHDR).
struct TlsTemplate {
    bool present;
    uint64_t vaddr, memsz, filesz, align;
};

struct Image {
    Personality personality;
    // ET_DYN (a Linux static-PIE; never a NyanOS program): entry, phdr_vaddr,
    // every segment's vaddr, lowest_vaddr, highest_vaddr_end and tls.vaddr are
    // link-time addresses, relative to a load bias the loader chooses: it maps
    // segment s at bias + s.vaddr. validate() checked that the span
    // [page_floor(lowest_vaddr), highest_vaddr_end) is no longer than the
    // range: any page-aligned bias with range.min <= bias +
    // page_floor(lowest_vaddr) and bias + highest_vaddr_end <= range.limit
    // works, e.g. bias = range.min - page_floor(lowest_vaddr) (mod 2^64).
    // ET_EXEC (false): the addresses are final and inside the range.
    bool position_independent;
    // The last PT_GNU_STACK has PF_X: the program asks for an executable
    // stack. (Without PT_GNU_STACK, x86_64 Linux gives a non-executable one.)
    bool executable_stack;
    uint16_t phentsize;  // AT_PHENT: e_phentsize, always sizeof(Elf64_Phdr)
    TlsTemplate tls;
    uint64_t entry;
    // AT_PHDR: where the program headers appear in memory (inside the PT_LOAD
    // whose file bytes contain them), 0 when no PT_LOAD covers them.
    uint64_t phdr_vaddr;
    uint16_t phnum;  // AT_PHNUM
    Segment segments[kMaxSegments];
    size_t segment_count;  // segments in file order, all with memsz > 0
    // The smallest vaddr and the largest vaddr + memsz over all segments
    // (exact, not page rounded).
    uint64_t lowest_vaddr, highest_vaddr_end;
};

struct ValidationResult {
    bool ok;
    Reject reason;  // meaningful only when !ok
    Image image;    // meaningful only when ok
};

// Where a program's PT_LOADs must lie: [min, limit) (limit exclusive, e.g.
// the bottom of the stack region). Both page aligned, min < limit <= 2^47.
struct UserRange {
    uint64_t min, limit;
};
// The range for each personality: which one applies is known only once the
// notes have been read.
struct UserRanges {
    UserRange for_nyanos, for_linux;
};

// Checks `file` (size bytes, any alignment) as a static x86_64 executable:
// ET_EXEC for either personality, whose every PT_LOAD must fit in its
// personality's range, or (Linux only, no PT_INTERP) ET_DYN, whose span must
// fit in the Linux range once biased (see Image::position_independent).
// Never reads outside [file, file + size).
ValidationResult validate(const uint8_t* file, size_t size, const UserRanges& ranges);

// The same range for both personalities.
inline ValidationResult validate(const uint8_t* file, size_t size, uint64_t user_min,
                                 uint64_t user_limit) {
    return validate(file, size, UserRanges{{user_min, user_limit}, {user_min, user_limit}});
}

// The exec-facing form: ENOEXEC for every rejection (log reject_reason first
// if the caller wants the detail).
inline Result<Image> try_validate(const uint8_t* file, size_t size, uint64_t user_min,
                                  uint64_t user_limit) {
    ValidationResult r = validate(file, size, user_min, user_limit);
    if (!r.ok) return Error::kNotExecutable;
    return r.image;
}

}  // namespace nyanos::elf
