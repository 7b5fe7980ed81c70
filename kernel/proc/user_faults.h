// User-mode CPU exceptions: demand paging through the process's memory, or
// the faulting task dies alone with the reason recorded.
#pragma once

#include <stdint.h>

namespace nyanos::proc {

// Installs the handler arch calls for exceptions from user mode.
void init_user_faults();

// Maps `address`'s page if it is a never-touched demand-zero page of the
// current process (a user copy is about to touch it). True if it mapped it.
bool prefault_user_page(uint64_t address);

}  // namespace nyanos::proc
