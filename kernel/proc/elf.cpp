// ELF64 validation. See elf.h for the contract; the comments here say why each
// check exists.
#include "proc/elf.h"

#include "nyanos/abi/note.h"

namespace nyanos::elf {

const char* reject_reason(Reject r) {
    switch (r) {
        case Reject::kTooSmall:
            return "file is smaller than an ELF64 header";
        case Reject::kBadMagic:
            return "not an ELF file (bad magic)";
        case Reject::kBadClass:
            return "not a 64-bit ELF file";
        case Reject::kBadData:
            return "not a little-endian ELF file";
        case Reject::kBadVersion:
            return "unknown ELF version";
        case Reject::kBadMachine:
            return "not an x86_64 program";
        case Reject::kNotExecutable:
            return "not a static executable (NyanOS programs must be ET_EXEC, Linux ones ET_EXEC "
                   "or ET_DYN)";
        case Reject::kBadPhentsize:
            return "program header entry size is not sizeof(Elf64_Phdr)";
        case Reject::kTooManyPhdrs:
            return "too many or no program headers";
        case Reject::kPhdrsOutsideFile:
            return "program headers extend past the end of the file";
        case Reject::kSegmentOutsideFile:
            return "PT_LOAD file bytes extend past the end of the file";
        case Reject::kFileszOverMemsz:
            return "PT_LOAD has p_filesz > p_memsz";
        case Reject::kSegmentOutsideUserRange:
            return "PT_LOAD outside the user address range";
        case Reject::kSegmentWraps:
            return "PT_LOAD wraps around the address space";
        case Reject::kSegmentsOverlap:
            return "PT_LOAD overlaps another segment";
        case Reject::kBadAlignment:
            return "PT_LOAD has a bad p_align or vaddr/offset congruence";
        case Reject::kEntryNotCanonical:
            return "entry point is not a canonical address";
        case Reject::kEntryNotExecutable:
            return "entry point is outside every executable segment";
        case Reject::kNoLoadableSegment:
            return "no loadable segment";
        case Reject::kWritableAndExecutable:
            return "PT_LOAD is both writable and executable";
        case Reject::kHasInterpreter:
            return "dynamically linked (PT_INTERP) programs are not supported";
        case Reject::kBadAbiNote:
            return "unsupported NyanOS ABI version";
    }
    return "unknown ELF rejection";
}

const char* reject_name(Reject r) {
    switch (r) {
        case Reject::kTooSmall:
            return "TooSmall";
        case Reject::kBadMagic:
            return "BadMagic";
        case Reject::kBadClass:
            return "BadClass";
        case Reject::kBadData:
            return "BadData";
        case Reject::kBadVersion:
            return "BadVersion";
        case Reject::kBadMachine:
            return "BadMachine";
        case Reject::kNotExecutable:
            return "NotExecutable";
        case Reject::kBadPhentsize:
            return "BadPhentsize";
        case Reject::kTooManyPhdrs:
            return "TooManyPhdrs";
        case Reject::kPhdrsOutsideFile:
            return "PhdrsOutsideFile";
        case Reject::kSegmentOutsideFile:
            return "SegmentOutsideFile";
        case Reject::kFileszOverMemsz:
            return "FileszOverMemsz";
        case Reject::kSegmentOutsideUserRange:
            return "SegmentOutsideUserRange";
        case Reject::kSegmentWraps:
            return "SegmentWraps";
        case Reject::kSegmentsOverlap:
            return "SegmentsOverlap";
        case Reject::kBadAlignment:
            return "BadAlignment";
        case Reject::kEntryNotCanonical:
            return "EntryNotCanonical";
        case Reject::kEntryNotExecutable:
            return "EntryNotExecutable";
        case Reject::kNoLoadableSegment:
            return "NoLoadableSegment";
        case Reject::kWritableAndExecutable:
            return "WritableAndExecutable";
        case Reject::kHasInterpreter:
            return "HasInterpreter";
        case Reject::kBadAbiNote:
            return "BadAbiNote";
    }
    return "Unknown";
}

namespace {

static_assert(sizeof(Elf64_Ehdr) == 64);
static_assert(sizeof(Elf64_Phdr) == 56);

bool reject(Reject& out, Reject why) {
    out = why;
    return false;
}

bool is_power_of_two(uint64_t x) {
    return x != 0 && (x & (x - 1)) == 0;
}

// Canonical with 48-bit virtual addresses: bits 63..47 all equal. (With LA57
// more addresses are canonical, but user programs never live there.)
bool is_canonical(uint64_t addr) {
    uint64_t top = addr >> 47;
    return top == 0 || top == 0x1ffff;
}

uint64_t page_floor(uint64_t a) {
    return a & ~(kPageSize - 1);
}

// [first, last] page numbers touched by [vaddr, end); end > vaddr.
struct PageSpan {
    uint64_t first, last;
};
PageSpan pages_of(uint64_t vaddr, uint64_t end) {
    return {page_floor(vaddr) / kPageSize, page_floor(end - 1) / kPageSize};
}

// ---- The ABI note ----------------------------------------------------------

enum class AbiNote : uint8_t { kAbsent, kValid, kBad };

// Little endian (checked in the header), at any alignment.
uint32_t read_u32(const uint8_t* p) {
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

uint64_t align_up(uint64_t v, uint64_t align) {
    return (v + align - 1) & ~(align - 1);
}

// The NyanOS ABI notes among the first kMaxNotes notes of the PT_NOTE
// segments: kValid if there is one and every one says version 1 with descsz 4,
// kBad if any says something else, kAbsent if none.
//
// What is ignored, as Linux ignores notes it does not know: a PT_NOTE whose
// bytes are not all in the file, one with a p_align above 4 but not 8 (readelf
// calls it corrupt), and the rest of a segment from the first note whose name
// or desc would run past its end. Padding follows binutils (readelf's
// process_notes_at): 4-byte for p_align <= 4, 8-byte for p_align 8 (GNU
// property notes); the name and the desc each start at an offset from the
// note's start rounded up to that alignment. Every read is inside
// [file, file + size).
AbiNote find_abi_note(const uint8_t* file, size_t size, const Elf64_Ehdr& eh) {
    constexpr uint64_t kNoteHeader = 12;  // namesz, descsz, type
    static_assert(sizeof(NYAN_ABI_NOTE_NAME) == NYAN_ABI_NOTE_NAMESZ);
    AbiNote found = AbiNote::kAbsent;
    size_t walked = 0;
    for (uint16_t i = 0; i < eh.e_phnum && walked < kMaxNotes; ++i) {
        Elf64_Phdr ph;
        __builtin_memcpy(&ph, file + eh.e_phoff + uint64_t{i} * sizeof(Elf64_Phdr), sizeof(ph));
        if (ph.p_type != PT_NOTE) continue;
        if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset) continue;
        uint64_t align;
        if (ph.p_align <= 4)
            align = 4;
        else if (ph.p_align == 8)
            align = 8;
        else
            continue;
        const uint8_t* seg = file + ph.p_offset;
        const uint64_t len = ph.p_filesz;
        // pos is a multiple of align; the sizes are 32-bit, so nothing below
        // can overflow 64 bits.
        for (uint64_t pos = 0; pos <= len && len - pos >= kNoteHeader && walked < kMaxNotes;
             ++walked) {
            const uint32_t namesz = read_u32(seg + pos);
            const uint32_t descsz = read_u32(seg + pos + 4);
            const uint32_t type = read_u32(seg + pos + 8);
            const uint64_t desc = pos + align_up(kNoteHeader + namesz, align);
            // desc >= name's end, so the name fits when the desc does.
            if (desc > len || descsz > len - desc) break;
            if (namesz == NYAN_ABI_NOTE_NAMESZ && type == NYAN_ABI_NOTE_TYPE &&
                __builtin_memcmp(seg + pos + kNoteHeader, NYAN_ABI_NOTE_NAME,
                                 NYAN_ABI_NOTE_NAMESZ) == 0) {
                if (descsz != NYAN_ABI_NOTE_DESCSZ || read_u32(seg + desc) != NYAN_ABI_VERSION)
                    return AbiNote::kBad;
                found = AbiNote::kValid;
            }
            pos = align_up(desc + descsz, align);
        }
    }
    return found;
}

// ---- Segments ---------------------------------------------------------------

// The checks for one PT_LOAD that do not depend on the others. For an ET_DYN
// image the caller passes [0, UINT64_MAX) and checks the span afterwards.
bool check_load(const Elf64_Phdr& ph, size_t file_size, uint64_t user_min, uint64_t user_limit,
                Reject& why) {
    // File bytes: offset + filesz may overflow, so compare by subtraction.
    if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset) {
        why = Reject::kSegmentOutsideFile;
        return false;
    }
    if (ph.p_filesz > ph.p_memsz) {
        why = Reject::kFileszOverMemsz;
        return false;
    }
    // The wrap check comes first: a wrapping end would otherwise compare as
    // "small" and slip under user_limit.
    if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr) {
        why = Reject::kSegmentWraps;
        return false;
    }
    if (ph.p_vaddr < user_min || ph.p_vaddr + ph.p_memsz > user_limit) {
        why = Reject::kSegmentOutsideUserRange;
        return false;
    }
    // The loader copies file bytes page by page, so what it needs is that a
    // byte's offset within its page is the same in the file and in memory;
    // for smaller alignments the congruence the file claims must still hold.
    if (ph.p_align > 1) {
        if (!is_power_of_two(ph.p_align)) {
            why = Reject::kBadAlignment;
            return false;
        }
        uint64_t modulus = ph.p_align < kPageSize ? ph.p_align : kPageSize;
        if (ph.p_vaddr % modulus != ph.p_offset % modulus) {
            why = Reject::kBadAlignment;
            return false;
        }
    }
    if ((ph.p_flags & PF_W) && (ph.p_flags & PF_X)) {
        why = Reject::kWritableAndExecutable;
        return false;
    }
    return true;
}

// validate()'s work, filling the caller's Image in place: the result is
// written once, into the caller's storage, instead of being built in a
// local and copied (an Image is ~700 bytes, and exec runs on a small
// kernel stack).
bool check_image(const uint8_t* file, size_t size, const UserRanges& ranges, Image& image,
                 Reject& why_rejected) {
    if (file == nullptr || size < sizeof(Elf64_Ehdr))
        return reject(why_rejected, Reject::kTooSmall);

    // Copies, never casts: the file may be at any alignment.
    Elf64_Ehdr eh;
    __builtin_memcpy(&eh, file, sizeof(eh));

    if (eh.e_ident[EI_MAG0] != ELFMAG0 || eh.e_ident[EI_MAG1] != ELFMAG1 ||
        eh.e_ident[EI_MAG2] != ELFMAG2 || eh.e_ident[EI_MAG3] != ELFMAG3)
        return reject(why_rejected, Reject::kBadMagic);
    if (eh.e_ident[EI_CLASS] != ELFCLASS64) return reject(why_rejected, Reject::kBadClass);
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return reject(why_rejected, Reject::kBadData);
    if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
        return reject(why_rejected, Reject::kBadVersion);
    if (eh.e_machine != EM_X86_64) return reject(why_rejected, Reject::kBadMachine);
    // ET_DYN is a static-PIE if there is no PT_INTERP, and only Linux
    // programs may be one: decided once the notes are read.
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
        return reject(why_rejected, Reject::kNotExecutable);
    if (eh.e_phentsize != sizeof(Elf64_Phdr)) return reject(why_rejected, Reject::kBadPhentsize);
    // e_phnum == PN_XNUM (0xffff) means "the real count is elsewhere": it is
    // above the bound anyway.
    if (eh.e_phnum == 0 || eh.e_phnum > kMaxPhdrs)
        return reject(why_rejected, Reject::kTooManyPhdrs);
    // e_phnum <= 64, so the table size cannot overflow; e_phoff can be anything.
    const uint64_t table_size = uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr);
    if (eh.e_phoff > size || table_size > size - eh.e_phoff)
        return reject(why_rejected, Reject::kPhdrsOutsideFile);

    switch (find_abi_note(file, size, eh)) {
        case AbiNote::kBad:
            // A NyanOS program for another ABI version: never run it as a
            // Linux program.
            return reject(why_rejected, Reject::kBadAbiNote);
        case AbiNote::kValid:
            image.personality = Personality::kNyanOS;
            break;
        case AbiNote::kAbsent:
            image.personality = Personality::kLinux;
            break;
    }
    // NyanOS programs are linked at fixed addresses (user/lib/user.ld).
    if (eh.e_type == ET_DYN && image.personality == Personality::kNyanOS)
        return reject(why_rejected, Reject::kNotExecutable);
    image.position_independent = eh.e_type == ET_DYN;
    const UserRange& range =
        image.personality == Personality::kNyanOS ? ranges.for_nyanos : ranges.for_linux;
    // An ET_DYN image's addresses are relative: only its span is checked,
    // after the loop.
    const uint64_t load_min = image.position_independent ? 0 : range.min;
    const uint64_t load_limit = image.position_independent ? UINT64_MAX : range.limit;

    image.entry = eh.e_entry;
    image.phnum = eh.e_phnum;
    image.phentsize = eh.e_phentsize;
    image.lowest_vaddr = UINT64_MAX;

    for (uint16_t i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        __builtin_memcpy(&ph, file + eh.e_phoff + uint64_t{i} * sizeof(Elf64_Phdr), sizeof(ph));
        if (ph.p_type == PT_INTERP) return reject(why_rejected, Reject::kHasInterpreter);
        // Like Linux (load_elf_binary), the last PT_GNU_STACK decides.
        if (ph.p_type == PT_GNU_STACK) image.executable_stack = (ph.p_flags & PF_X) != 0;
        if (ph.p_type == PT_TLS && !image.tls.present)
            image.tls = TlsTemplate{true, ph.p_vaddr, ph.p_memsz, ph.p_filesz, ph.p_align};
        // Other types (PT_NOTE, PT_PHDR, PT_DYNAMIC, ...) need no mapping of
        // their own: whatever they describe lies inside a PT_LOAD.
        if (ph.p_type != PT_LOAD) continue;

        Reject why{};
        if (!check_load(ph, size, load_min, load_limit, why)) return reject(why_rejected, why);
        if (ph.p_memsz == 0) continue;  // maps nothing; harmless

        // Page granularity: the loader maps a page with one segment's
        // permissions, so two segments sharing a page would force one of them
        // to run with the other's rights (W^X broken by a neighbour).
        PageSpan mine = pages_of(ph.p_vaddr, ph.p_vaddr + ph.p_memsz);
        for (size_t j = 0; j < image.segment_count; ++j) {
            const Segment& other = image.segments[j];
            PageSpan theirs = pages_of(other.vaddr, other.vaddr + other.memsz);
            if (mine.first <= theirs.last && theirs.first <= mine.last)
                return reject(why_rejected, Reject::kSegmentsOverlap);
        }
        if (image.segment_count == kMaxSegments) return reject(why_rejected, Reject::kTooManyPhdrs);

        Segment& s = image.segments[image.segment_count++];
        s.vaddr = ph.p_vaddr;
        s.memsz = ph.p_memsz;
        s.file_offset = ph.p_offset;
        s.filesz = ph.p_filesz;
        s.readable = (ph.p_flags & PF_R) != 0;
        s.writable = (ph.p_flags & PF_W) != 0;
        s.executable = (ph.p_flags & PF_X) != 0;
        if (s.vaddr < image.lowest_vaddr) image.lowest_vaddr = s.vaddr;
        if (s.vaddr + s.memsz > image.highest_vaddr_end)
            image.highest_vaddr_end = s.vaddr + s.memsz;

        // AT_PHDR: the program header table appears in memory when this
        // segment's file bytes contain all of it.
        if (image.phdr_vaddr == 0 && ph.p_offset <= eh.e_phoff &&
            eh.e_phoff + table_size <= ph.p_offset + ph.p_filesz)
            image.phdr_vaddr = ph.p_vaddr + (eh.e_phoff - ph.p_offset);
    }
    if (image.segment_count == 0) return reject(why_rejected, Reject::kNoLoadableSegment);

    // ET_DYN: the loader places the lowest page at a page-aligned address of
    // its choice, so what must fit is the span from that page.
    if (image.position_independent &&
        image.highest_vaddr_end - page_floor(image.lowest_vaddr) > range.limit - range.min)
        return reject(why_rejected, Reject::kSegmentOutsideUserRange);

    // sysret to a non-canonical RIP faults in ring 0 on Intel (CVE-2012-0217);
    // the containment check below implies canonical for sane limits, but the
    // distinct reason makes a hostile file's intent visible.
    if (!is_canonical(eh.e_entry)) return reject(why_rejected, Reject::kEntryNotCanonical);
    bool entry_ok = false;
    for (size_t j = 0; j < image.segment_count; ++j) {
        const Segment& s = image.segments[j];
        if (s.executable && eh.e_entry >= s.vaddr && eh.e_entry - s.vaddr < s.memsz)
            entry_ok = true;
    }
    if (!entry_ok) return reject(why_rejected, Reject::kEntryNotExecutable);
    return true;
}

}  // namespace

ValidationResult validate(const uint8_t* file, size_t size, const UserRanges& ranges) {
    ValidationResult result{};
    result.ok = check_image(file, size, ranges, result.image, result.reason);
    return result;
}

}  // namespace nyanos::elf
