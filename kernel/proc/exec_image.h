// A program file loaded into a new address space, complete and ready to
// become a process's image: spawn makes a new process of it, execve
// replaces the caller's image with it. Nothing of the caller is touched
// while it is built, so a failure leaves the caller as it was.
#pragma once

#include <stdint.h>

#include "fs/tmpfs.h"
#include "mm/process_memory.h"
#include "nyanos/lib/result.h"
#include "proc/elf.h"
#include "proc/personality.h"
#include "proc/program_loader.h"

namespace nyanos::proc {

struct ExecImage {
    // The address space with the program loaded, and its regions (the
    // segments, the stack, the heap's start).
    mm::ProcessMemory memory;
    Personality personality = Personality::kNyanOS;
    uint64_t entry = 0;
    uint64_t stack_pointer = 0;
    // The program file the image runs (a script's interpreter, not the
    // script): what /proc/self/exe will name. Held (fs::hold_running)
    // until a process takes it over (and sets this to null) or the image
    // goes.
    fs::Inode* file = nullptr;
    // Where the loader checks the program's ELF headers (elf::validate's
    // result, ~750 bytes: too big for a one-page kernel stack). Part of the
    // image, which is on the heap anyway, so that an exec allocates once for
    // both. Only the loader uses it, while it loads.
    alignas(elf::ValidationResult) unsigned char validation_space[sizeof(elf::ValidationResult)];

    ExecImage() = default;
    ExecImage(const ExecImage&) = delete;
    ExecImage& operator=(const ExecImage&) = delete;
    ~ExecImage() { fs::drop_running(file); }
};

// Loads `path` (a file of the tree) with `args`, choosing the personality from
// the file (proc/elf.h): NyanOS programs get their fixed layout
// (proc/user_layout.h), Linux programs Linux's (proc/linux_layout.h,
// randomised unless `norandmaps`). A `#!` script loads its interpreter
// (proc/shebang.h; ELOOP after kShebangMaxDepth of them). ENOENT, EISDIR,
// ENOEXEC (the reason is logged), E2BIG, ELOOP, ENOMEM; nothing leaks on
// failure. `out` (new, on the
// heap: it is big for a kernel stack) receives the image; on failure it may
// hold a partly built space, which its destructor frees.
Result<void> load_exec_image(const char* path, const ProgramArgs& args, ExecImage& out);

}  // namespace nyanos::proc
