// Tmpfs: the writable tree in memory that is the root file system, as
// Linux's initramfs is: at boot the ramdisk's files, directories and links
// populate it (their bytes stay in the boot archive until first written),
// and programs create, write, truncate, rename, link and remove from then
// on. File pages are user frames the file holds one reference to; a file
// mapping shares the frame (mm/file_backing.h), so MAP_SHARED sees writes,
// and a private mapping copies on its first store.
//
// The operations take directory inodes and names (one component, no '/',
// not "." or ".."): path resolution is fs/vfs.h's. They make Linux's
// checks in Linux's order and give its errors. Pages count against a cap
// (ENOSPC past it, as a full tmpfs); the heap's and frame allocator's
// failures are ENOMEM and ENOSPC, and leave the tree as it was.
//
// Portable: the frames come from a MemoryContext (the kernel's, or the
// host tests' fake RAM), the time from `now`.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/file_description.h"
#include "fs/inode.h"
#include "fs/io_buffer.h"
#include "fs/ramdisk.h"
#include "lib/ref_ptr.h"
#include "mm/address_space.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

using InodeRef = RefPtr<Inode>;

// renameat2's flags (Linux's values).
inline constexpr uint32_t kRenameNoReplace = 1;
inline constexpr uint32_t kRenameExchange = 2;

// What utimensat asks of one time stamp.
struct TimeChange {
    enum class Kind : uint8_t { kOmit, kNow, kSet } kind = Kind::kOmit;
    FileTime time;
};

// The largest file (Linux's MAX_LFS_FILESIZE on tmpfs is larger; a page
// list of this many pages is what this tree can index).
inline constexpr uint64_t kMaxFileSize = uint64_t(1) << 40;

class Tmpfs {
public:
    using Clock = FileTime (*)();

    // A tree with an empty root directory (0755), at most `max_pages` file
    // pages and `max_inodes` inodes (0: as many as pages, Linux's default).
    // kNoMemory if the root cannot be allocated.
    static Result<void> try_init(Tmpfs& fs, mm::MemoryContext& memory, Clock now,
                                 uint64_t max_pages, uint64_t max_inodes = 0);
    Tmpfs() = default;
    Tmpfs(const Tmpfs&) = delete;
    Tmpfs& operator=(const Tmpfs&) = delete;
    // Empties the tree (the host tests make one per test): every inode no
    // one else holds goes, with its pages.
    ~Tmpfs();

    // Adds every entry of `disk` (its directories, files and links, with
    // their modes). A file's bytes stay in the archive, borrowed, until it
    // is written; `frames_of` says which of them lie in whole frames a
    // process may map (nullptr: none). kNoMemory (the tree then holds what
    // was added so far).
    using FramesOf = FileFrames (*)(const FileEntry*);
    Result<void> populate(const Ramdisk& disk, FramesOf frames_of);

    Inode* root() const { return m_root; }

    // The inode `name` names in directory `dir`; null if none.
    InodeRef lookup(Inode* dir, const char* name, size_t length);
    // The inode numbered `number`, if it still exists.
    InodeRef find(uint32_t number);

    // Creates `name` in `dir`: a regular file, a directory, a FIFO, a
    // character device numbered `device`, or a symbolic link to `target`
    // (a non-empty string, at most kPathMax - 1 bytes), with `permissions` (already masked by the
    // umask) and the owner. EEXIST if the name is taken; ENOENT if `dir` was removed; EMLINK if
    // `dir` has too many subdirectories; ENOSPC (as many inodes as the cap
    // has pages, as Linux's nr_inodes), ENOMEM.
    Result<InodeRef> create(Inode* dir, const char* name, size_t length, NodeType type,
                            uint32_t permissions, uint32_t uid, uint32_t gid,
                            const char* target = nullptr, uint32_t device = 0);
    // A regular file with no name (memfd_create): no links, its parent the
    // root, and `last_name` kept as the name a removed file had, so that
    // its path reads "/<last_name> (deleted)" as Linux shows a memfd.
    // ENAMETOOLONG past kNameMax, ENOSPC, ENOMEM.
    Result<InodeRef> create_unlinked(const char* last_name, uint32_t permissions, uint32_t uid,
                                     uint32_t gid);
    // link(): another name for `inode` in `dir`. EPERM for a directory,
    // ENOENT if `inode` has no name left (unlinked while open) or `dir` was
    // removed, EEXIST, EMLINK, ENOMEM.
    Result<void> link(Inode* dir, const char* name, size_t length, Inode* inode);
    // unlink() (`directory` false) or rmdir() (true) of `name` in `dir`:
    // ENOENT; unlink of a directory EISDIR; rmdir of a non-directory
    // ENOTDIR, of a non-empty one ENOTEMPTY, of the root EBUSY.
    Result<void> remove(Inode* dir, const char* name, size_t length, bool directory);
    // rename()/renameat2(): Linux's rules (see tmpfs.cpp). EINVAL for a
    // directory moved under itself or unknown flags, EEXIST
    // (RENAME_NOREPLACE), ENOENT, EISDIR, ENOTDIR, ENOTEMPTY, EBUSY, ENOMEM.
    Result<void> rename(Inode* from_dir, const char* from, size_t from_length, Inode* to_dir,
                        const char* to, size_t to_length, uint32_t flags);

    // File data. read: at most out.length() bytes from `offset` (0 at or
    // past the end). write: all of `in` at `offset` (with `append`, at the
    // end: `offset` then tells where it went), growing the file; a short
    // count if the tree fills (ENOSPC when nothing was written), EFAULT as
    // the buffer gives it. EFBIG past the largest file. `size_limit` (the
    // writer's RLIMIT_FSIZE) bounds the file as the largest one does: a
    // write that starts below it stops there (a short count), one that
    // starts at or past it is EFBIG.
    Result<size_t> read(Inode* file, IoBuffer& out, uint64_t offset);
    Result<size_t> write(Inode* file, IoBuffer& in, uint64_t& offset, bool append,
                         uint64_t size_limit = kMaxFileSize);
    // truncate(): the file becomes `size` bytes (zeros when it grows).
    // EFBIG, ENOSPC (copying a borrowed file's bytes), ENOMEM.
    Result<void> truncate(Inode* file, uint64_t size);
    // A truncate by name (truncate(2), open's O_TRUNC), as Linux's
    // do_truncate: the write access first (ETXTBSY for a running program),
    // then truncate().
    Result<void> truncate_by_name(Inode* file, uint64_t size);
    uint64_t size_of(Inode* file);
    // fallocate's growth: the file becomes at least `size` bytes (zeros),
    // never shorter, atomically with respect to writes. EFBIG, ENOSPC, ENOMEM.
    Result<void> grow(Inode* file, uint64_t size);

    // The file's page `index` for a mapping, with one reference for the
    // caller (mm::FileBacking): a borrowed file's bytes are first copied
    // into pages of its own, so every mapping shares one frame per page.
    // kRange past the end, ENOSPC/ENOMEM.
    Result<paging::PhysAddr> page_for_mapping(Inode* file, uint64_t index);

    // A file mapping of `file` was made, or went (truncate unmaps pages
    // past the end in processes only while there are mappings).
    void note_mapped(Inode* file);
    void note_unmapped(Inode* file);

    // Exec and open-for-writing exclude each other (ETXTBSY): each takes
    // its side if the other is not taken, and gives it back later.
    Result<void> deny_write(Inode* file);
    void allow_write(Inode* file);
    Result<void> get_write_access(Inode* file);
    void put_write_access(Inode* file);

    // A program's bytes for exec, read in place: a borrowed file's in the
    // archive (with the frames a process may map), else a copy made into
    // `copy` (a heap block the caller frees after loading). ENOMEM.
    struct ProgramBytes {
        const uint8_t* data = nullptr;
        uint64_t size = 0;
        FileFrames frames;
    };
    Result<ProgramBytes> program_bytes(Inode* file, uint8_t*& copy);
    // A file's bytes if they are still the archive's (data null if not).
    ProgramBytes borrowed_bytes(Inode* file);

    // Metadata. chmod keeps the type bits; chown sets what is not
    // kKeepId; times as utimensat asks them (ctime always becomes now).
    static constexpr uint32_t kKeepId = 0xffffffffu;
    void set_permissions(Inode* inode, uint32_t permissions);
    void set_owner(Inode* inode, uint32_t uid, uint32_t gid);
    void set_times(Inode* inode, const TimeChange& atime, const TimeChange& mtime);
    void stat(Inode* inode, FileStat& out);
    // Entry `cookie` or the first after it of `dir`'s listing; false past
    // the last. out.name points into the tree: copy it before the lock is
    // let go (the callback runs under it), so the caller passes a buffer.
    bool entry_from(Inode* dir, uint64_t cookie, DirectoryEntry& out, char* name_buffer,
                    size_t name_size, uint64_t& found_cookie);
    // The parent of a directory (the root's is itself), with a reference.
    InodeRef parent_of(Inode* dir);
    // A name `inode` has in directory `dir` (the first), copied to out;
    // or, for an inode whose last name was removed, that name (`removed`
    // set). False if none.
    bool name_in(Inode* dir, Inode* inode, char* out, size_t size, bool& removed);
    bool directory_empty(Inode* dir);

    // What statfs reports.
    struct Usage {
        uint64_t pages = 0;      // file pages held
        uint64_t max_pages = 0;  // the cap
        uint64_t inodes = 0;
    };
    Usage usage();

    // Called by Inode::release_ref for the last reference.
    void destroy(Inode* inode);

private:
    Inode* new_inode(NodeType type, uint32_t permissions, uint32_t uid, uint32_t gid)
        REQUIRES(g_tree_lock);
    void hash_insert(Inode* inode) REQUIRES(g_tree_lock);
    void hash_remove(Inode* inode) REQUIRES(g_tree_lock);
    DirEntry* entry_named(Inode* dir, const char* name, size_t length) REQUIRES(g_tree_lock);
    Result<void> add_entry(Inode* dir, const char* name, size_t length, Inode* inode)
        REQUIRES(g_tree_lock);
    // Takes the entry out of `dir`'s listing; returns its inode's reference.
    Inode* take_entry(Inode* dir, DirEntry* entry) REQUIRES(g_tree_lock);
    // Copies a borrowed file's bytes into its own pages.
    Result<void> own_pages(Inode* file) REQUIRES(g_tree_lock);
    Result<void> grow_slots(Inode* file, size_t slots) REQUIRES(g_tree_lock);
    // The frame of page `index`, allocated (zeroed) if it is a hole.
    Result<paging::PhysAddr> page_frame(Inode* file, size_t index) REQUIRES(g_tree_lock);
    void free_pages_from(Inode* file, size_t first) REQUIRES(g_tree_lock);
    Result<void> truncate_locked(Inode* file, uint64_t size) REQUIRES(g_tree_lock);
    void touch(Inode* inode, bool modified) REQUIRES(g_tree_lock);
    // A read of `file`: its access time as Linux's relatime moves it.
    void note_access(Inode* file) EXCLUDES(g_tree_lock);
    bool is_ancestor(Inode* maybe_ancestor, Inode* dir) REQUIRES(g_tree_lock);
    // Makes `dir` the directory `inode` is named in (path_of climbs it);
    // returns the old one's reference for the caller to drop after the
    // lock (null if nothing changed).
    [[nodiscard]] Inode* reparent(Inode* inode, Inode* dir) REQUIRES(g_tree_lock);

    static constexpr size_t kBuckets = 256;

    mm::MemoryContext* m_memory = nullptr;
    Clock m_now = nullptr;
    Inode* m_root = nullptr;
    uint64_t m_max_pages = 0;
    uint64_t m_max_inodes = 0;
    uint64_t m_pages GUARDED_BY(g_tree_lock) = 0;
    uint64_t m_inodes GUARDED_BY(g_tree_lock) = 0;
    uint32_t m_next_number GUARDED_BY(g_tree_lock) = 1;
    Inode* m_buckets[kBuckets] GUARDED_BY(g_tree_lock) = {};
};

// A program image's hold on its file (Process::exe): one reference and
// one write denial, taken at exec (ETXTBSY if the file is open for
// writing), shared by fork, given back when the image goes. null: none.
Result<Inode*> hold_running(Inode* file);
void share_running(Inode* file);
void drop_running(Inode* file);

}  // namespace nyanos::fs
