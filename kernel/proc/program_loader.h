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
};

// The auxiliary vector keys NyanOS provides (Linux's numbers).
inline constexpr uint64_t kAtNull = 0, kAtPhdr = 3, kAtPhent = 4, kAtPhnum = 5, kAtPagesz = 6,
                          kAtEntry = 9, kAtRandom = 25;

// Maps each segment with its own permissions (W^X), copies the file bytes,
// leaves the rest zero (bss), maps the top of the stack (the pages the
// arguments need; the rest of [kStackBottom, kStackTop) is demand-paged by
// the caller's fault handler, and the guard page below is never mapped),
// and writes argc, argv, envp, auxv (AT_PHDR, AT_PHENT,
// AT_PHNUM, AT_PAGESZ, AT_ENTRY, AT_RANDOM with `random16`, AT_NULL).
// E2BIG when the arguments do not fit kMaxArgBytes, ENOMEM when frames run out.
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
                                   const uint8_t random16[16], const FileFrames& frames = {});

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

// Builds only the initial stack (exposed for tests).
Result<uint64_t> build_initial_stack(mm::AddressSpace& space, const elf::Image& image,
                                     const ProgramArgs& args, const uint8_t random16[16]);

}  // namespace nyanos::proc
