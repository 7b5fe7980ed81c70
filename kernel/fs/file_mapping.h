// What mmap makes of an open file description: the checks Linux's do_mmap
// makes on the file (in its order), then what the file's own mmap gives
// (Linux's f_op->mmap): a root-tree file's pages, anonymous memory for
// /dev/zero, or ENODEV for everything that cannot be mapped (pipes, the
// console, directories, the other devices).
//
// For a file, the result carries a new mm::FileBacking (mm/file_backing.h)
// holding the creator's reference: the mmap system call hands it to
// ProcessMemory::map, whose region takes a reference of its own, and drops
// the creator's when it returns (the RefPtr), so a failed map frees it. The
// backing holds the file (not the description, which the program may
// close while the mapping lives on, as Linux's mapping keeps its file).
// Portable and host-tested.
#pragma once

#include <stdint.h>

#include "fs/file_description.h"
#include "fs/ramdisk.h"
#include "lib/ref_ptr.h"
#include "mm/file_backing.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

struct FileMapping {
    // Anonymous memory instead of the file (/dev/zero), shared or not as
    // `shared` says: Linux makes it shared only for a description open for
    // writing (it clears VM_SHARED otherwise), else private.
    bool anonymous = false;
    bool shared = false;
    // Whether the mapping may ever be writable (Linux's VM_MAYWRITE): not
    // for MAP_SHARED of a description not open for writing, whose
    // mprotect(PROT_WRITE) is EACCES too.
    bool may_write = true;
    // The file's pages (not anonymous): the creator's reference.
    RefPtr<mm::FileBacking> backing;
};

// mmap of description `d` with Linux's `flags` (MAP_*) and `prot`
// (PROT_*), in Linux 6.1's order: EINVAL for MAP_HUGETLB (not a hugetlbfs
// file) or a mapping type that is none of SHARED, PRIVATE and
// SHARED_VALIDATE; EOPNOTSUPP for SHARED_VALIDATE with a flag the file does
// not know; EACCES for a writable shared mapping of a description not open
// for writing, and for a description not open for reading; ENODEV for what cannot be mapped;
// EINVAL for MAP_GROWSDOWN; ENOMEM (the backing).
Result<FileMapping> prepare_file_mapping(const FileDescription& d, uint32_t flags, uint8_t prot);

}  // namespace nyanos::fs
