#include "proc/program_loader.h"

#include <string.h>

#include "lib/panic.h"
#include "proc/linux_layout.h"
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

bool any_string_longer(const char* const* strings, size_t count, uint64_t max) {
    for (size_t i = 0; i < count; ++i)
        if (strlen(strings[i]) + 1 > max) return true;
    return false;
}

constexpr char kPlatform[] = "x86_64";

// Where each part of the initial stack goes, from stack.top down:
//   NyanOS: the 16 random bytes, the argv and envp strings, then (16-byte
//           aligned) the table: argc, argv[], NULL, envp[], NULL, auxv.
//   Linux:  a zero word, the AT_EXECFN string, the argv and envp strings,
//           `shift` bytes, the AT_PLATFORM string, the 16 random bytes,
//           then the table (16-byte aligned), as fs/binfmt_elf.c does.
struct StackPlan {
    uint64_t strings_at;   // argv[0]'s first byte; envp's strings follow argv's
    uint64_t execfn_at;    // Linux only
    uint64_t platform_at;  // Linux only
    uint64_t random_at;
    uint64_t sp;  // the table's start: argc
    size_t aux_pairs;
};

size_t aux_pairs(const StackSpec& stack) {
    if (!stack.execfn) return 7;  // PHDR PHENT PHNUM PAGESZ ENTRY RANDOM NULL
    return 20 + (stack.hwcap2 ? 1 : 0);
}

Result<StackPlan> plan_stack(const ProgramArgs& args, const StackSpec& stack) {
    if (args.argc > stack.max_args || args.envc > stack.max_args) return Error::kArgListTooBig;
    size_t strings = string_bytes(args.argv, args.argc) + string_bytes(args.envp, args.envc);
    StackPlan plan{};
    plan.aux_pairs = aux_pairs(stack);
    size_t words = 1 + (args.argc + 1) + (args.envc + 1) + 2 * plan.aux_pairs;
    if (!stack.execfn) {
        if (strings + 16 + words * 8 + 16 > stack.max_arg_bytes) return Error::kArgListTooBig;
        plan.random_at = stack.top - 16;
        plan.strings_at = plan.random_at - strings;
        plan.sp = (plan.strings_at - words * 8) & ~uint64_t(15);
        return plan;
    }
    // Linux counts the strings (AT_EXECFN's included) and one pointer per
    // argument against its limit (bprm_stack_limits), and each string
    // against MAX_ARG_STRLEN.
    size_t execfn = strlen(stack.execfn) + 1;
    size_t pointers = ((args.argc ? args.argc : 1) + args.envc) * 8;
    if (strings + execfn + pointers > stack.max_arg_bytes) return Error::kArgListTooBig;
    if (any_string_longer(args.argv, args.argc, kLinuxMaxArgString) ||
        any_string_longer(args.envp, args.envc, kLinuxMaxArgString) || execfn > kLinuxMaxArgString)
        return Error::kArgListTooBig;
    plan.execfn_at = stack.top - 8 - execfn;
    plan.strings_at = plan.execfn_at - strings;
    plan.platform_at = ((plan.strings_at - stack.shift) & ~uint64_t(15)) - sizeof(kPlatform);
    plan.random_at = plan.platform_at - 16;
    plan.sp = (plan.random_at - words * 8) & ~uint64_t(15);
    return plan;
}

}  // namespace

StackSpec nyanos_stack_spec() {
    return StackSpec{kStackTop, 0, kMaxArgBytes, kMaxArgs, nullptr, 0, 0, 0};
}

void relocate_image(elf::Image& out, uint64_t bias) {
    out.entry += bias;
    if (out.phdr_vaddr) out.phdr_vaddr += bias;
    for (size_t i = 0; i < out.segment_count; ++i) out.segments[i].vaddr += bias;
    if (out.tls.present) out.tls.vaddr += bias;
    out.lowest_vaddr += bias;
    out.highest_vaddr_end += bias;
}

Result<uint64_t> initial_stack_bytes(const ProgramArgs& args, const StackSpec& stack) {
    StackPlan plan = TRY(plan_stack(args, stack));
    return stack.top - plan.sp;
}

Result<InitialStack> build_initial_stack(mm::AddressSpace& space, const elf::Image& image,
                                         const ProgramArgs& args, const uint8_t random16[16],
                                         const StackSpec& stack) {
    StackPlan plan = TRY(plan_stack(args, stack));
    TRY(space.copy_to(plan.random_at, random16, 16));
    if (stack.execfn) {
        const uint64_t zero = 0;
        TRY(space.copy_to(stack.top - 8, &zero, 8));
        TRY(space.copy_to(plan.execfn_at, stack.execfn, strlen(stack.execfn) + 1));
        TRY(space.copy_to(plan.platform_at, kPlatform, sizeof(kPlatform)));
    }

    // The pointer area is written through a small buffer: one copy per 32
    // words instead of a page walk per word.
    uint64_t word_at = plan.sp;
    uint64_t cursor = plan.strings_at;
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
    auto put_aux = [&](uint64_t key, uint64_t value) -> Result<void> {
        TRY(put_word(key));
        return put_word(value);
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
    const uint64_t args_end = cursor;
    TRY(put_strings(args.envp, args.envc));
    const uint64_t env_end = cursor;
    if (!stack.execfn) {
        TRY(put_aux(kAtPhdr, image.phdr_vaddr));
        TRY(put_aux(kAtPhent, sizeof(Elf64_Phdr)));
        TRY(put_aux(kAtPhnum, image.phnum));
        TRY(put_aux(kAtPagesz, kPageSize));
        TRY(put_aux(kAtEntry, image.entry));
        TRY(put_aux(kAtRandom, plan.random_at));
    } else {
        TRY(put_aux(kAtMinsigstksz, stack.minsigstksz));
        TRY(put_aux(kAtHwcap, stack.hwcap));
        TRY(put_aux(kAtPagesz, kPageSize));
        TRY(put_aux(kAtClktck, 100));
        TRY(put_aux(kAtPhdr, image.phdr_vaddr));
        TRY(put_aux(kAtPhent, sizeof(Elf64_Phdr)));
        TRY(put_aux(kAtPhnum, image.phnum));
        TRY(put_aux(kAtBase, 0));
        TRY(put_aux(kAtFlags, 0));
        TRY(put_aux(kAtEntry, image.entry));
        TRY(put_aux(kAtUid, 0));
        TRY(put_aux(kAtEuid, 0));
        TRY(put_aux(kAtGid, 0));
        TRY(put_aux(kAtEgid, 0));
        TRY(put_aux(kAtSecure, 0));
        TRY(put_aux(kAtRandom, plan.random_at));
        if (stack.hwcap2) TRY(put_aux(kAtHwcap2, stack.hwcap2));
        TRY(put_aux(kAtExecfn, plan.execfn_at));
        TRY(put_aux(kAtPlatform, plan.platform_at));
    }
    TRY(put_aux(kAtNull, 0));
    TRY(flush());
    VERIFY(word_at <= plan.strings_at);
    return InitialStack{plan.sp, plan.strings_at, args_end, env_end};
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
                                   const uint8_t random16[16], const StackSpec& stack,
                                   const FileFrames& frames) {
    uint64_t stack_bytes = TRY(initial_stack_bytes(args, stack));
    for (size_t i = 0; i < image.segment_count; ++i)
        TRY(map_segment(space, image.segments[i], file, frames));
    // Only the pages the initial stack occupies are mapped now; the rest of
    // the stack region is mapped on first touch (the fault handler knows
    // it), so a minimal process costs one stack page.
    size_t stack_pages = (stack_bytes + kPageSize - 1) / kPageSize;
    TRY(space.map_anonymous(stack.top - stack_pages * kPageSize, stack_pages,
                            mm::PageFlags{.writable = true, .executable = false}));
    InitialStack built = TRY(build_initial_stack(space, image, args, random16, stack));
    return LoadedProgram{image.entry,      built.stack_pointer, page_up(image.highest_vaddr_end),
                         built.args_start, built.args_end,      built.env_end};
}

}  // namespace nyanos::proc
