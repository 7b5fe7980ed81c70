// A process's user memory: its address space and the regions that are
// mapped lazily (the stack and the sbrk heap), with the policy that decides
// what a fault in them means. The process layer owns one per process and
// asks it; it never interprets a user address itself.
//
// Portable and host-tested; the caller serialises access (one thread per
// process today, so the process's own thread).
#pragma once

#include <stdint.h>

#include "mm/address_space.h"
#include "nyanos/lib/result.h"

namespace nyanos::mm {

class ProcessMemory {
public:
    // The user address space; empty (root 0) until a program is loaded.
    AddressSpace space;

    // Demand-zero regions: [stack_bottom, stack_top) and [heap_base, heap_break).
    // The heap may grow up to heap_limit.
    uint64_t stack_bottom = 0;
    uint64_t stack_top = 0;
    uint64_t heap_base = 0;
    uint64_t heap_break = 0;
    uint64_t heap_limit = 0;

    // Maps a never-touched page of a demand-zero region. Returns true if
    // `address` lies in one and its page is now mapped (writable, NX, zeroed);
    // false if the access is a real fault (outside every region, or no
    // memory). `known_absent`: the caller knows nothing is mapped there (a
    // not-present page fault), which saves the lookup.
    bool resolve_fault(uint64_t address, bool known_absent);

    // The program break: grows or shrinks the heap and returns the previous
    // break. ENOMEM past heap_limit, EINVAL below heap_base. Shrinking
    // unmaps the whole pages above the new break (their frames return).
    Result<uint64_t> sbrk(int64_t increment);
};

}  // namespace nyanos::mm
