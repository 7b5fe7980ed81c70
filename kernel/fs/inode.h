// Inode: one file, directory or symbolic link of the writable tree
// (fs/tmpfs.h), whatever names it has. Reference counted: every directory
// entry naming it holds one reference, and so does every holder of a Node
// (fs/vfs.h) or RefPtr<Inode> — an open description, a lookup in flight, a
// file mapping, a running program. The last reference frees it and its
// pages, so a file unlinked while open lives until it is closed (Linux's
// rule), and nothing else need be counted.
//
// Everything an inode holds that changes is under the tree lock
// (g_tree_lock, below): its names, its size, its pages, its times. Only
// the reference count is atomic outside it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/file_description.h"
#include "fs/ramdisk.h"
#include "lib/ref_ptr.h"
#include "nyanos/paging/pte.h"
#include "sync/spinlock.h"

namespace nyanos::fs {

class Tmpfs;
class Pipe;

// kSocket: a bound Unix-domain socket's name (fs/unix_socket.h finds the
// socket from the inode; opening one is ENXIO, as on Linux).
enum class NodeType : uint8_t { kRegular, kDirectory, kCharDevice, kSymlink, kFifo, kSocket };

// The one lock of the writable tree: directory contents, every inode's
// fields below and the tree's page count. A leaf for everything but the
// heap and the frame allocator, which it takes (docs/locking.md). Never
// held across a user copy: file data is copied with a frame reference
// taken under it, and the lock released.
extern sync::SpinLock g_tree_lock;

struct Inode;

// A name in a directory and the inode it names (one reference).
struct DirEntry {
    char* name;       // heap, NUL terminated, `length` bytes
    uint32_t length;  // 1..kNameMax
    // Where the entry sits in the directory's listing: entries are kept in
    // increasing cookie order and a cookie is never reused, so a listing
    // resumed by offset neither skips nor repeats an entry when others are
    // removed or added meanwhile (rm -r deletes while it reads).
    uint64_t cookie;
    Inode* inode;
};

struct Inode {
    Tmpfs* fs = nullptr;
    // The inode number, never reused while the tree lives (a working
    // directory kept as a number finds a removed directory gone rather
    // than another one).
    uint32_t number = 0;
    NodeType type = NodeType::kRegular;
    uint32_t permissions GUARDED_BY(g_tree_lock) = 0;  // 07777
    uint32_t uid GUARDED_BY(g_tree_lock) = 0;
    uint32_t gid GUARDED_BY(g_tree_lock) = 0;
    // Names it has in directories (a directory: its name, its own "." and
    // each subdirectory's ".."); 0 once removed.
    uint32_t links GUARDED_BY(g_tree_lock) = 0;
    FileTime atime GUARDED_BY(g_tree_lock);
    FileTime mtime GUARDED_BY(g_tree_lock);
    FileTime ctime GUARDED_BY(g_tree_lock);

    // --- Regular files ---
    uint64_t size GUARDED_BY(g_tree_lock) = 0;
    // The file's pages: a user frame per page (one reference the file
    // holds), 0 for a hole; `page_slots` entries (heap). Past them, holes.
    paging::PhysAddr* pages GUARDED_BY(g_tree_lock) = nullptr;
    size_t page_slots GUARDED_BY(g_tree_lock) = 0;
    size_t page_count GUARDED_BY(g_tree_lock) = 0;  // slots holding a frame
    // A ramdisk file keeps its bytes in the boot archive until it is first
    // written (then they are copied into pages of its own): the archive
    // outlives the tree, so nothing is counted. nullptr: the file has pages.
    const uint8_t* borrowed GUARDED_BY(g_tree_lock) = nullptr;
    FileFrames borrowed_frames GUARDED_BY(g_tree_lock);
    // Running images of it (exec): opening it for writing is ETXTBSY
    // meanwhile. Descriptions open for writing: exec is ETXTBSY meanwhile.
    uint32_t running GUARDED_BY(g_tree_lock) = 0;
    uint32_t writers GUARDED_BY(g_tree_lock) = 0;
    // File mappings of it (mm::FileBacking): a truncation has pages to
    // unmap in processes only while there are some.
    uint32_t mappings GUARDED_BY(g_tree_lock) = 0;

    // The name it had when its last link went (heap; null while it has
    // names, or if none could be kept): /proc's links name a removed file
    // "<dir>/<name> (deleted)", as Linux's.
    char* last_name GUARDED_BY(g_tree_lock) = nullptr;
    // The directory it was last named in (one reference; itself for the
    // root, which holds none). Set when it is created or renamed, kept
    // when it is removed (a hard link's other names are not tracked).
    Inode* parent GUARDED_BY(g_tree_lock) = nullptr;

    // --- Directories ---
    DirEntry* entries GUARDED_BY(g_tree_lock) = nullptr;  // heap, `entry_count` used
    size_t entry_count GUARDED_BY(g_tree_lock) = 0;
    size_t entry_capacity GUARDED_BY(g_tree_lock) = 0;
    uint64_t next_cookie GUARDED_BY(g_tree_lock) = 0;

    // --- FIFOs ---
    // The pipe its openers share, while any end is open (fs/pipe.h); null
    // otherwise. The pipe clears it when its last end goes.
    Pipe* fifo GUARDED_BY(g_tree_lock) = nullptr;

    // --- Symbolic links ---
    char* target = nullptr;  // heap, NUL terminated, fixed at creation

    // --- Character devices (mknod) ---
    uint32_t device = 0;  // the device number (st_rdev, Linux's encoding), fixed at creation

    // Hashing by number (Tmpfs::find), under the tree lock.
    Inode* next_in_bucket GUARDED_BY(g_tree_lock) = nullptr;

    RefCount refs;
    void add_ref() { refs.add(); }
    void release_ref();
    // add_ref unless the count is already 0 (an inode on its way out,
    // found by number): Tmpfs::find.
    bool try_add_ref();
};

}  // namespace nyanos::fs
