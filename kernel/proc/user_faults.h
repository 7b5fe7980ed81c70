// User-mode CPU exceptions: demand paging through the process's memory, or
// the faulting task dies alone with the reason recorded.
#pragma once

#include <stdint.h>

namespace nyanos::proc {

// Installs the handler arch calls for exceptions from user mode.
void init_user_faults();

// Makes `address`'s page of the current process usable for a kernel read
// (or a write, with `write`) that a user copy is about to make: maps a
// never-touched lazy page, breaks copy-on-write. True if the access can go
// ahead; false if it will fault (the copy then returns EFAULT).
bool prefault_user_page(uint64_t address, bool write);

}  // namespace nyanos::proc
