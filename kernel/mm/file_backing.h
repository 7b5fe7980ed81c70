// FileBacking: what a file mapping's pages are filled from. One is made for
// each mmap of a file (fs/file_mapping.h makes the kernel's) and describes
// the file's bytes as that mapping sees them: where they are, how many there
// are, which of them sit in whole frames that may be mapped as they are, and
// whether a shared mapping may ever write them.
//
// Ownership (reference counted, like an open file description):
//  - the creator holds the first reference and drops it once mmap has
//    returned, success or failure (a RefPtr does it);
//  - every region of a VmMap that names the backing holds one reference,
//    taken and dropped by VmMap alone: a region added in a new slot takes
//    one; splitting a region in two (munmap or mprotect inside it) gives the
//    new half one of its own; cloning the map (fork) takes one per copied
//    region; a region erased (munmap, MAP_FIXED over it, merged into a
//    neighbour after mprotect) drops its own; destroying the map (exec
//    replacing the space, exit) drops every one. A region widened or
//    trimmed keeps the one it has.
//  - the last reference runs `destroy`, which the creator chose: the kernel
//    frees the heap object. nullptr: the creator owns the storage itself and
//    no reference outlives it (the host tests keep one on the stack and check
//    that the count comes back to 1).
// Counts are atomic: after fork two processes drop theirs independently.
//
// A backing describes its file one of two ways. Borrowed bytes (`data`,
// `phys`): they are not owned by it and must stay in memory, unchanged, for
// longer than any backing made for them (a ramdisk file's bytes in the boot
// archive, which lives until power-off). Or shared pages (`share_page`): the
// file's own frames, one reference per mapped page (a file of the root
// tree, which the backing holds a reference to and drops in `destroy`).
#pragma once

#include <stdint.h>

#include "lib/ref_ptr.h"
#include "nyanos/lib/result.h"
#include "nyanos/paging/pte.h"

namespace nyanos::mm {

struct FileBacking {
    const uint8_t* data = nullptr;  // the file's bytes, readable by the kernel
    uint64_t size = 0;              // in bytes
    // Where data[0] lies in physical memory (page aligned), and how many
    // bytes from there on lie in whole frames that may be mapped into a
    // process as they are (borrowed, read-only: fs::FileFrames). {0, 0}: every
    // page is copied.
    paging::PhysAddr phys = 0;
    uint64_t mappable = 0;
    // Whether a shared mapping may be made writable, now or by a later
    // mprotect (Linux's VM_MAYWRITE): the description was opened for writing
    // (Linux: EACCES for a writable MAP_SHARED of a file opened
    // read-only).
    bool writable = false;
    // The file's pages as shared frames: the frame of page `index` with one
    // reference for the caller, kRange past the file's end, ENOSPC/ENOMEM
    // (then the fault fails); data, phys and mappable are unused then.
    // `size_now` gives the file's size at the moment (it changes: with
    // borrowed bytes too, a fault past it raises SIGBUS); nullptr: `size`.
    Result<paging::PhysAddr> (*share_page)(FileBacking* self, uint64_t index) = nullptr;
    uint64_t (*size_now)(FileBacking* self) = nullptr;
    // The file's inode number in the root tree (/proc/<pid>/maps names the
    // mapping after it); 0: none.
    uint32_t inode = 0;
    // Runs when the last reference goes (see above); nullptr: nothing.
    void (*destroy)(FileBacking*) = nullptr;
    // Starts at 1: the creator's reference.
    RefCount refs;

    void add_ref() { refs.add(); }
    void release_ref() {
        if (refs.drop() && destroy) destroy(this);
    }
    uint32_t reference_count() const { return refs.count(); }
};

}  // namespace nyanos::mm
