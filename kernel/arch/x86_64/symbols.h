// The kernel's function symbols, generated at build time (mk/symbols.mk):
// the kernel is linked once, `nm -n` lists its text symbols, and a table is
// assembled and linked into the final image. Text addresses do not move
// between the two links (the table lives in .rodata, after .text), and the
// build checks that.
#pragma once

#include <stdint.h>

namespace nyanos::arch {

struct SymbolLookup {
    const char* name;  // demangled; nullptr if the address is in no known function
    uint64_t offset;   // address - symbol start
};

SymbolLookup lookup_symbol(uint64_t address);

// Prints "  #n 0x... name+0xoff" lines for `rip`, then for each return
// address found by following the saved-RBP chain from `rbp` (the kernel is
// built with frame pointers). Stops at a zero, unmapped, misaligned or
// non-increasing frame pointer, or after a fixed depth.
void print_backtrace(uint64_t rip, uint64_t rbp);
// The backtrace of the caller.
void print_backtrace_here();

}  // namespace nyanos::arch
