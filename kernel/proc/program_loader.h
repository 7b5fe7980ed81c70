// Loads a validated ELF64 program into a fresh AddressSpace and builds its
// initial stack (System V AMD64 process start).
//
// Contract: `space` is new and owned by the caller. On failure some pages may
// have been mapped in it; the caller destroys the space, which returns every
// frame, so a failed load leaks nothing and the caller's own space was never
// touched.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/ramdisk.h"
#include "mm/address_space.h"
#include "mm/process_memory.h"
#include "nyanos/lib/result.h"
#include "proc/elf.h"
#include "proc/user_layout.h"

namespace nyanos::proc {

// Kernel copies of the new program's arguments and environment.
struct ProgramArgs {
    const char* const* argv;
    size_t argc;
    const char* const* envp;
    size_t envc;
};

struct LoadedProgram {
    uint64_t entry;
    uint64_t stack_pointer;  // 16-byte aligned, pointing at argc
    uint64_t image_end;      // the end of the highest segment, page aligned (brk starts here)
    // The argument strings on the new stack, one after another with their
    // NULs, then the environment's (Linux's arg_start..arg_end and
    // env_start..env_end: /proc/<pid>/cmdline and environ read them).
    uint64_t args_start = 0;
    uint64_t args_end = 0;
    uint64_t env_end = 0;  // the environment starts at args_end
};

// The auxiliary vector keys (Linux's numbers).
inline constexpr uint64_t kAtNull = 0, kAtPhdr = 3, kAtPhent = 4, kAtPhnum = 5, kAtPagesz = 6,
                          kAtBase = 7, kAtFlags = 8, kAtEntry = 9, kAtUid = 11, kAtEuid = 12,
                          kAtGid = 13, kAtEgid = 14, kAtPlatform = 15, kAtHwcap = 16,
                          kAtClktck = 17, kAtSecure = 23, kAtRandom = 25, kAtHwcap2 = 26,
                          kAtExecfn = 31, kAtMinsigstksz = 51;

// Where the initial stack goes and what its auxiliary vector says, per
// personality (nyanos_stack_spec() and the Linux exec path fill it).
struct StackSpec {
    uint64_t top;            // page aligned; everything is written below it
    uint64_t shift;          // the argument table starts this much lower (< 8 KiB, 16-aligned)
    uint64_t max_arg_bytes;  // strings + pointers + auxv beyond this is E2BIG
    uint64_t max_args;       // argc or envc beyond this is E2BIG
    // Linux's full auxv (with AT_EXECFN pointing at this string and
    // AT_PLATFORM, AT_HWCAP...); nullptr: NyanOS's short one.
    const char* execfn;
    uint64_t hwcap, hwcap2, minsigstksz;
};

// NyanOS programs' stack: below kStackTop, kMaxArgBytes of arguments.
StackSpec nyanos_stack_spec();

// Adds `bias` to every address of `image` (a static-PIE's load bias), in
// place: an Image is too big to copy on a kernel stack.
void relocate_image(elf::Image& image, uint64_t bias);

// Maps each segment with its own permissions (W^X), copies the file bytes,
// leaves the rest zero (bss), maps the top of the stack (the pages the
// arguments need below stack.top; the rest of the stack region is
// demand-paged by the caller's fault handler), and writes argc, argv, envp
// and the auxv: NyanOS's (AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_ENTRY,
// AT_RANDOM with `random16`, AT_NULL) or, with stack.execfn, Linux's as
// Linux 6.1 orders it (AT_MINSIGSTKSZ, AT_HWCAP, AT_PAGESZ, AT_CLKTCK,
// AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID,
// AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_HWCAP2 when nonzero, AT_EXECFN,
// AT_PLATFORM). `image` is already relocated. E2BIG when the arguments do
// not fit the spec's limits, ENOMEM when frames run out.
//
// Sharing: `frames` says where the file's bytes sit physically when they
// stay in memory, unchanged, for longer than any process (the ramdisk). A
// read-only segment whose pages line up with whole pages of that memory
// (memsz == filesz, vaddr and offset congruent modulo 4 KiB, the file page
// physically aligned, every page inside frames.mappable) is then mapped
// straight from it with AddressSpace::map_borrowed: every process running the
// program shares those frames and the load copies nothing. The bytes around
// the segment in its first and last page become visible to the process; they
// are the file's own bytes or, past its end, zeros (init_ramdisk zeroes the
// archive's headers and padding). Writable segments are always private
// copies. The default (phys 0) copies every segment.
using fs::FileFrames;

Result<LoadedProgram> load_program(mm::AddressSpace& space, const elf::Image& image,
                                   const uint8_t* file, const ProgramArgs& args,
                                   const uint8_t random16[16], const StackSpec& stack,
                                   const FileFrames& frames = {});

// NyanOS programs' memory (proc/user_layout.h): a fixed 64 KiB stack below
// kStackTop, the sbrk heap from kHeapBase up to kHeapLimit (mmap_base is the
// heap's ceiling), no W+X.
inline constexpr mm::MemoryLayout kNyanMemoryLayout{.stack_top = kStackTop,
                                                    .stack_size = kStackSize,
                                                    .stack_max = kStackSize,
                                                    .brk_start = kHeapBase,
                                                    .mmap_base = kHeapLimit,
                                                    .allow_write_execute = false};

// Makes the segments load_program mapped known to the process's region map
// (mm/vm_map.h), one private region per segment with the segment's
// permissions, covering its whole pages: faults, fork and munmap then treat
// them like any other mapping. kNoMemory; kExists if a segment overlaps a
// region already there (the validator rules that out for the NyanOS layout).
Result<void> record_image_regions(mm::ProcessMemory& memory, const elf::Image& image);

// What build_initial_stack wrote: the stack pointer (at argc) and where
// the argument and environment strings went (see LoadedProgram).
struct InitialStack {
    uint64_t stack_pointer;
    uint64_t args_start, args_end, env_end;
};
// Builds only the initial stack; its pages must be mapped.
Result<InitialStack> build_initial_stack(mm::AddressSpace& space, const elf::Image& image,
                                         const ProgramArgs& args, const uint8_t random16[16],
                                         const StackSpec& stack);

// The bytes the initial stack takes below stack.top (strings, the table
// and alignment), or E2BIG if the arguments break the spec's limits.
Result<uint64_t> initial_stack_bytes(const ProgramArgs& args, const StackSpec& stack);

}  // namespace nyanos::proc
