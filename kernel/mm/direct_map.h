// How portable memory code reaches physical memory: through the direct map,
// one phys-to-virt accessor (the HHDM in the kernel, a heap arena in the
// host tests, identity in the boot loaders). Every unit that touches frames
// is given it; none computes an address on its own.
//
// It is injected in one of two ways, by what the unit is:
//  - Code instantiated for its environment (paging::PageTable, and the
//    kernel stack area through it) takes it at compile time, as the member
//    `void* phys_to_virt(PhysAddr)` of its `Env` type parameter
//    (nyanos/paging/page_table.h). The boot loaders build page tables with
//    it before any kernel object exists, and a walk calls it once per level,
//    where it inlines to an addition. (acpi::find_table's Env is the same
//    idea for memory that must first be mapped: `map(phys, size)`.)
//  - Objects that are stored and must stay one type wherever they go (the
//    frame allocator, which the heap holds; an AddressSpace, which a task
//    holds and the program loader fills) take it at run time, as this
//    interface or MemoryContext (mm/address_space.h), which extends it with
//    frames, the TLB, the roots and PCIDs. The host tests give each instance
//    its own fake.
// The member has the same name and contract either way, so one type can
// serve both (the host tests' FakeRam is a DirectMap and backs their
// PageTable Env).
#pragma once

#include "nyanos/paging/pte.h"

namespace nyanos::mm {

class DirectMap {
public:
    // Where physical address `phys` is readable and writable. Defined for
    // every frame the user of the map was given.
    virtual void* phys_to_virt(paging::PhysAddr phys) = 0;

protected:
    ~DirectMap() = default;
};

}  // namespace nyanos::mm
