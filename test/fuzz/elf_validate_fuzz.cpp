// libFuzzer target: nyanos::elf::validate on arbitrary bytes.
//
// Beyond "no crash, no out-of-bounds read" (ASan), every accepted image must
// satisfy the promises the loader relies on: segments inside the user range
// (for ET_DYN: the span from the lowest page fits in it) and inside the file,
// filesz <= memsz, W^X, no two segments sharing a page, an entry point inside
// an executable segment, ET_DYN only for Linux programs. The validator must
// also not care about the buffer's alignment. Each personality is given its
// own range, so a mix-up shows.
#include <stdint.h>
#include <string.h>

#include <vector>

#include "fuzz_check.h"
#include "proc/elf.h"
#include "proc/user_layout.h"

using namespace nyanos;

namespace {

uint64_t page_down(uint64_t v) {
    return v & ~(elf::kPageSize - 1);
}

void check_image(const elf::Image& im, size_t size, const elf::UserRanges& ranges) {
    FUZZ_CHECK(im.segment_count >= 1 && im.segment_count <= elf::kMaxSegments, "count %zu",
               im.segment_count);
    FUZZ_CHECK(im.phnum >= 1 && im.phnum <= elf::kMaxPhdrs, "phnum %u", im.phnum);
    FUZZ_CHECK(im.phentsize == sizeof(Elf64_Phdr), "phentsize %u", im.phentsize);
    const bool nyanos = im.personality == elf::Personality::kNyanOS;
    FUZZ_CHECK(nyanos || im.personality == elf::Personality::kLinux, "personality %d",
               static_cast<int>(im.personality));
    FUZZ_CHECK(!(nyanos && im.position_independent), "a position-independent NyanOS program");
    const elf::UserRange& range = nyanos ? ranges.for_nyanos : ranges.for_linux;
    // An ET_DYN image is checked where the lowest-bias placement puts it.
    const uint64_t bias = im.position_independent ? range.min - page_down(im.lowest_vaddr) : 0;
    const uint64_t user_min = range.min, user_limit = range.limit;
    bool entry_ok = false;
    uint64_t lowest = ~0ull, highest = 0;
    for (size_t i = 0; i < im.segment_count; ++i) {
        const elf::Segment& s = im.segments[i];
        FUZZ_CHECK(s.memsz > 0, "segment %zu empty", i);
        FUZZ_CHECK(s.filesz <= s.memsz, "segment %zu filesz > memsz", i);
        FUZZ_CHECK(s.vaddr + s.memsz > s.vaddr, "segment %zu wraps", i);
        FUZZ_CHECK(bias + s.vaddr >= user_min, "segment %zu below the user range", i);
        FUZZ_CHECK(bias + s.vaddr + s.memsz > bias + s.vaddr, "segment %zu wraps once biased", i);
        FUZZ_CHECK(bias + s.vaddr + s.memsz <= user_limit, "segment %zu above the user range", i);
        FUZZ_CHECK(s.file_offset <= size && s.filesz <= size - s.file_offset,
                   "segment %zu outside the file", i);
        FUZZ_CHECK(!(s.writable && s.executable), "segment %zu is W+X", i);
        if (s.executable && im.entry >= s.vaddr && im.entry < s.vaddr + s.memsz) entry_ok = true;
        if (s.vaddr < lowest) lowest = s.vaddr;
        if (s.vaddr + s.memsz > highest) highest = s.vaddr + s.memsz;
        for (size_t j = 0; j < i; ++j) {
            const elf::Segment& t = im.segments[j];
            uint64_t s_first = page_down(s.vaddr), s_last = page_down(s.vaddr + s.memsz - 1);
            uint64_t t_first = page_down(t.vaddr), t_last = page_down(t.vaddr + t.memsz - 1);
            FUZZ_CHECK(s_last < t_first || t_last < s_first, "segments %zu and %zu share a page", j,
                       i);
        }
    }
    FUZZ_CHECK(entry_ok, "entry %#llx outside every executable segment",
               (unsigned long long)im.entry);
    FUZZ_CHECK(lowest == im.lowest_vaddr && highest == im.highest_vaddr_end,
               "lowest/highest do not match the segments");
}

// Field by field: the structs have padding, so memcmp would compare garbage.
bool same(const elf::Image& a, const elf::Image& b) {
    if (a.entry != b.entry || a.phdr_vaddr != b.phdr_vaddr || a.phnum != b.phnum ||
        a.segment_count != b.segment_count || a.lowest_vaddr != b.lowest_vaddr ||
        a.highest_vaddr_end != b.highest_vaddr_end || a.personality != b.personality ||
        a.position_independent != b.position_independent ||
        a.executable_stack != b.executable_stack || a.phentsize != b.phentsize ||
        a.tls.present != b.tls.present || a.tls.vaddr != b.tls.vaddr ||
        a.tls.memsz != b.tls.memsz || a.tls.filesz != b.tls.filesz || a.tls.align != b.tls.align)
        return false;
    for (size_t i = 0; i < a.segment_count; ++i) {
        const elf::Segment &s = a.segments[i], &t = b.segments[i];
        if (s.vaddr != t.vaddr || s.memsz != t.memsz || s.file_offset != t.file_offset ||
            s.filesz != t.filesz || s.readable != t.readable || s.writable != t.writable ||
            s.executable != t.executable)
            return false;
    }
    return true;
}

void run(const uint8_t* data, size_t size, const elf::UserRanges& ranges) {
    elf::ValidationResult r = elf::validate(data, size, ranges);
    if (r.ok) {
        check_image(r.image, size, ranges);
    } else {
        FUZZ_CHECK(elf::reject_reason(r.reason) && elf::reject_name(r.reason), "no reason text");
    }
    // The same bytes at an odd address must give the same answer (the file
    // comes from a tar archive: no alignment is promised).
    std::vector<uint8_t> shifted(size + 1);
    memcpy(shifted.data() + 1, data, size);
    elf::ValidationResult again = elf::validate(shifted.data() + 1, size, ranges);
    FUZZ_CHECK(again.ok == r.ok, "alignment changed the verdict");
    if (r.ok) {
        FUZZ_CHECK(same(r.image, again.image), "alignment changed the image");
    } else {
        FUZZ_CHECK(again.reason == r.reason, "alignment changed the reason");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::no_panic("elf::validate", [&] {
        // The kernel's own range, and the widest one the contract allows (to
        // reach the wrap-around checks near the top of the lower half), each
        // with the other for the other personality.
        const elf::UserRange kernel{proc::kImageBase, proc::kImageLimit};
        const elf::UserRange widest{elf::kPageSize, 1ull << 47};
        run(data, size, {kernel, widest});
        run(data, size, {widest, kernel});
    });
    return 0;
}
