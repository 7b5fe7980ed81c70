// ELF64 validation: everything about a user program's file is checked here,
// before a single page is mapped. The loader (which maps segments into an
// AddressSpace) consumes the Image this produces and trusts it; validate()
// itself allocates nothing and touches nothing but the bytes it is given.
//
// Types come from <elf.h> (glibc's header is plain type definitions and builds
// with the kernel's freestanding flags too).
#pragma once

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::elf {

// Why a file was refused. Each reason has a short English phrase, see
// reject_reason(). The checks run in this order for the header, then segment by
// segment (file bounds, sizes, range, alignment, permissions, overlap), then
// the entry point, so a file with several faults reports the first one.
enum class Reject : uint8_t {
    kTooSmall,                 // shorter than an ELF64 header (includes empty files)
    kBadMagic,                 // not \x7fELF
    kBadClass,                 // not ELFCLASS64
    kBadData,                  // not little endian
    kBadVersion,               // e_ident[EI_VERSION] or e_version is not EV_CURRENT
    kBadMachine,               // not EM_X86_64
    kNotExecutable,            // e_type != ET_EXEC (shared objects, PIE, core files)
    kBadPhentsize,             // e_phentsize != sizeof(Elf64_Phdr)
    kTooManyPhdrs,             // e_phnum == 0 or > kMaxPhdrs, or > kMaxSegments PT_LOADs
    kPhdrsOutsideFile,         // [e_phoff, e_phoff + e_phnum * e_phentsize) not in the file
    kSegmentOutsideFile,       // [p_offset, p_offset + p_filesz) not in the file
    kFileszOverMemsz,          // p_filesz > p_memsz
    kSegmentOutsideUserRange,  // p_vaddr < user_min or p_vaddr + p_memsz > user_limit
    kSegmentWraps,             // p_vaddr + p_memsz overflows 64 bits
    kSegmentsOverlap,          // two PT_LOADs touch the same 4 KiB page
    kBadAlignment,             // p_align not 0 or a power of two, or vaddr/offset not congruent
    kEntryNotCanonical,        // e_entry is not a canonical 48-bit address
    kEntryNotExecutable,       // e_entry outside every executable PT_LOAD
    kNoLoadableSegment,        // no PT_LOAD with p_memsz > 0
    kWritableAndExecutable,    // a PT_LOAD with both PF_W and PF_X (W^X)
    kHasInterpreter,           // PT_INTERP: dynamically linked programs are not supported
};

// A short English phrase ("PT_LOAD overlaps another segment"), never null.
const char* reject_reason(Reject r);
// The enumerator's name without the k ("SegmentsOverlap"), never null. Used by
// the test corpus index (scripts/gen-elf-corpus.py writes these names).
const char* reject_name(Reject r);

// One PT_LOAD, as the loader must map it: [vaddr, vaddr + memsz) with the file
// bytes [file_offset, file_offset + filesz) copied to vaddr and the rest zero.
// vaddr is not page aligned in general; no two segments share a page, so the
// loader can map each page with exactly one segment's permissions.
struct Segment {
    uint64_t vaddr, memsz, file_offset, filesz;
    bool readable, writable, executable;
};

inline constexpr size_t kMaxSegments = 16;
inline constexpr uint16_t kMaxPhdrs = 64;
inline constexpr uint64_t kPageSize = 4096;

struct Image {
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

// Checks `file` (size bytes, any alignment) as a static x86_64 executable whose
// every PT_LOAD must fit in [user_min, user_limit) (user_limit exclusive, e.g.
// the bottom of the stack region). user_min and user_limit must be page aligned
// and user_limit <= 2^47. Never reads outside [file, file + size).
ValidationResult validate(const uint8_t* file, size_t size, uint64_t user_min, uint64_t user_limit);

// The exec-facing form: ENOEXEC for every rejection (log reject_reason first
// if the caller wants the detail).
inline Result<Image> try_validate(const uint8_t* file, size_t size, uint64_t user_min,
                                  uint64_t user_limit) {
    ValidationResult r = validate(file, size, user_min, user_limit);
    if (!r.ok) return Error::kNotExecutable;
    return r.image;
}

}  // namespace nyanos::elf
