// The host's stand-in for user memory and the kernel hooks the portable file
// code calls (fake_user_memory.cpp): "user" addresses are host addresses,
// checked against the user half like the kernel does, and any range
// touching [fault_begin, fault_end) faults (EFAULT), as an unmapped user
// page would.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/file_description.h"

namespace nyanos::test {

// Makes copies that touch [begin, begin + length) fail with EFAULT (after
// copying the bytes before it, as the kernel's copy may have), until reset.
void set_user_fault_range(const void* begin, size_t length);
void clear_user_fault_range();

// fs::io_checkpoint(): how often it was called, and whether it reports a
// pending kill.
size_t io_checkpoints();
void set_kill_pending(bool pending);

// fs::file_size_limit() (RLIMIT_FSIZE; ~0 at start), and how often
// fs::file_size_limit_exceeded() was called (SIGXFSZ).
void set_file_size_limit(uint64_t limit);
size_t file_size_signals();

// The process table /proc sees (fs::process_exists and friends): pid ->
// the program it runs (nullptr: none) and its working directory (a node
// id; 0: the root). Empty unless a test fills it.
void set_fake_process(int32_t pid, const void* program, uint32_t cwd = 0);
// An open file of a fake process (its descriptor table, for /proc/<pid>/fd).
void set_fake_process_file(int32_t pid, int32_t fd, fs::DescriptionRef file);
void clear_fake_processes();

}  // namespace nyanos::test
