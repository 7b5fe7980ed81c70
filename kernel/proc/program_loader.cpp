#include "proc/program_loader.h"

#include <string.h>

#include "proc/user_layout.h"

namespace nyanos::proc {

namespace {

uint64_t page_down(uint64_t v) {
    return v & ~(kPageSize - 1);
}
uint64_t page_up(uint64_t v) {
    return (v + kPageSize - 1) & ~(kPageSize - 1);
}

// Whether segment `s`, covering `pages` pages, can be mapped straight from
// the file's frames (the segment was validated: its file bytes lie inside
// the file).
bool can_share(const elf::Segment& s, uint64_t pages, const FileFrames& frames) {
    if (!frames.phys || s.writable || s.memsz != s.filesz || s.filesz == 0) return false;
    if ((s.vaddr - s.file_offset) % kPageSize) return false;
    uint64_t first_byte = s.file_offset - s.vaddr % kPageSize;
    return (frames.phys + first_byte) % kPageSize == 0 && first_byte <= frames.mappable &&
           pages <= (frames.mappable - first_byte) / kPageSize;
}

Result<void> map_segment(mm::AddressSpace& space, const elf::Segment& s, const uint8_t* file,
                         const FileFrames& frames) {
    uint64_t first = page_down(s.vaddr);
    uint64_t pages = (page_up(s.vaddr + s.memsz) - first) / kPageSize;
    if (can_share(s, pages, frames)) {
        return space.map_borrowed(first, frames.phys + s.file_offset - s.vaddr % kPageSize, pages,
                                  mm::PageFlags{.writable = false, .executable = s.executable});
    }
    // Frames come zeroed: the bss and the page slack need no extra work.
    TRY(space.map_anonymous(first, pages,
                            mm::PageFlags{.writable = s.writable, .executable = s.executable}));
    TRY(space.copy_to(s.vaddr, file + s.file_offset, s.filesz));
    return {};
}

size_t string_bytes(const char* const* strings, size_t count) {
    size_t total = 0;
    for (size_t i = 0; i < count; ++i) total += strlen(strings[i]) + 1;
    return total;
}

}  // namespace

Result<uint64_t> build_initial_stack(mm::AddressSpace& space, const elf::Image& image,
                                     const ProgramArgs& args, const uint8_t random16[16]) {
    if (args.argc > kMaxArgs || args.envc > kMaxArgs) return Error::kArgListTooBig;
    const uint64_t auxv[][2] = {
        {kAtPhdr, image.phdr_vaddr},
        {kAtPhent, sizeof(Elf64_Phdr)},
        {kAtPhnum, image.phnum},
        {kAtPagesz, kPageSize},
        {kAtEntry, image.entry},
        {kAtRandom, 0},
        {kAtNull, 0},
    };
    constexpr size_t kAuxWords = sizeof(auxv) / sizeof(uint64_t);
    size_t strings = string_bytes(args.argv, args.argc) + string_bytes(args.envp, args.envc);
    size_t words = 1 + (args.argc + 1) + (args.envc + 1) + kAuxWords;
    if (strings + 16 + words * 8 + 16 > kMaxArgBytes) return Error::kArgListTooBig;

    // From the top down: 16 random bytes, the strings, then (16-byte
    // aligned) argc, argv[], NULL, envp[], NULL, auxv.
    uint64_t random_at = kStackTop - 16;
    TRY(space.copy_to(random_at, random16, 16));
    uint64_t strings_at = random_at - strings;
    uint64_t sp = (strings_at - words * 8) & ~uint64_t(15);

    // The pointer area is written through a small buffer: one copy per 32
    // words instead of a page walk per word.
    uint64_t word_at = sp;
    uint64_t cursor = strings_at;
    uint64_t pending[32];
    size_t pending_count = 0;
    auto flush = [&]() -> Result<void> {
        TRY(space.copy_to(word_at, pending, pending_count * sizeof(uint64_t)));
        word_at += pending_count * sizeof(uint64_t);
        pending_count = 0;
        return {};
    };
    auto put_word = [&](uint64_t value) -> Result<void> {
        pending[pending_count++] = value;
        if (pending_count == sizeof(pending) / sizeof(pending[0])) TRY(flush());
        return {};
    };
    auto put_strings = [&](const char* const* list, size_t count) -> Result<void> {
        for (size_t i = 0; i < count; ++i) {
            size_t len = strlen(list[i]) + 1;
            TRY(space.copy_to(cursor, list[i], len));
            TRY(put_word(cursor));
            cursor += len;
        }
        return put_word(0);
    };
    TRY(put_word(args.argc));
    TRY(put_strings(args.argv, args.argc));
    TRY(put_strings(args.envp, args.envc));
    for (const auto& pair : auxv) {
        TRY(put_word(pair[0]));
        TRY(put_word(pair[0] == kAtRandom ? random_at : pair[1]));
    }
    TRY(flush());
    return sp;
}

Result<void> record_image_regions(mm::ProcessMemory& memory, const elf::Image& image) {
    for (size_t i = 0; i < image.segment_count; ++i) {
        const elf::Segment& s = image.segments[i];
        if (s.memsz == 0) continue;
        uint8_t prot =
            uint8_t((s.readable ? mm::kProtRead : 0) | (s.writable ? mm::kProtWrite : 0) |
                    (s.executable ? mm::kProtExec : 0));
        TRY(memory.add_loaded_region(page_down(s.vaddr), page_up(s.vaddr + s.memsz), prot));
    }
    return {};
}

Result<LoadedProgram> load_program(mm::AddressSpace& space, const elf::Image& image,
                                   const uint8_t* file, const ProgramArgs& args,
                                   const uint8_t random16[16], const FileFrames& frames) {
    for (size_t i = 0; i < image.segment_count; ++i)
        TRY(map_segment(space, image.segments[i], file, frames));
    // Only the pages the initial stack occupies are mapped now; the rest of
    // the stack region is mapped on first touch (the fault handler knows
    // [kStackBottom, kStackTop)), so a minimal process costs one stack page.
    size_t arg_bytes = 16 + 16 + (1 + args.argc + 1 + args.envc + 1 + 14) * 8;
    for (size_t i = 0; i < args.argc && arg_bytes <= kMaxArgBytes; ++i)
        arg_bytes += strlen(args.argv[i]) + 1;
    for (size_t i = 0; i < args.envc && arg_bytes <= kMaxArgBytes; ++i)
        arg_bytes += strlen(args.envp[i]) + 1;
    if (arg_bytes > kMaxArgBytes || args.argc > kMaxArgs || args.envc > kMaxArgs)
        return Error::kArgListTooBig;
    size_t stack_pages = (arg_bytes + kPageSize - 1) / kPageSize;
    TRY(space.map_anonymous(kStackTop - stack_pages * kPageSize, stack_pages,
                            mm::PageFlags{.writable = true, .executable = false}));
    uint64_t sp = TRY(build_initial_stack(space, image, args, random16));
    return LoadedProgram{image.entry, sp};
}

}  // namespace nyanos::proc
