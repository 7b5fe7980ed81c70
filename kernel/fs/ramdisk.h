// The ramdisk: a read-only USTAR archive in memory (build/initrd.tar), with
// path lookup, directories and file sizes.
//
// The whole archive is checked once, up front: every header's checksum, magic,
// NUL-terminated names, octal sizes, and that every file's bytes lie inside the
// archive. After that lookups hand out pointers straight into the archive, so
// the archive must stay mapped (its file data unmodified) for as long as the
// Ramdisk is used; the Ramdisk never copies or frees file data.
//
// Storage: the index lives inside the object (kMaxEntries entries, names in a
// kNamePoolSize-byte pool), so parsing needs no heap and can run before the
// heap exists. An archive that needs more gets ENOMEM and a message. The object
// is about 90 KiB: keep the kernel's instance in static storage and fill it
// with try_load() rather than moving a try_parse() result around the stack.
//
// Accepted format: POSIX ustar ("ustar\0" "00") and GNU tar's ("ustar  \0")
// headers, type flags '0' and '\0' (regular file), '5' (directory) and '2'
// (symbolic link: a non-empty target with its NUL inside the 100-byte
// linkname field, and no data); names of at most 99 bytes in the name field
// and 154 in the prefix field, each with a terminating NUL inside its field
// (a name that fills its whole field is refused, as are ".." components).
// Build with `tar --format=ustar` or Python's tarfile with
// format=tarfile.USTAR_FORMAT. Hard links, devices, PAX ('x', 'g') and GNU
// long-name ('L') headers are refused with a message naming the type.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::fs {

struct FileEntry {
    const char* name;     // normalized absolute path ("/bin/sh"; "/" for the root), no trailing '/'
    const uint8_t* data;  // inside the archive; nullptr for directories
    uint64_t size;        // 0 for directories
    bool is_directory;
    // Permission bits from the header (07777); directories the archive only
    // implies, and the root, get 0755.
    uint32_t permissions = 0;
    // A symbolic link's target as the archive wrote it (relative to the
    // link's directory unless it starts with '/'); nullptr for files and
    // directories. A link has no data and size 0. The Ramdisk stores links
    // and never follows them: path resolution (fs/vfs.h) does.
    const char* link_target = nullptr;

    bool is_symlink() const { return link_target != nullptr; }
};

// Where a file's bytes sit in physical memory, for mapping its read-only
// pages into processes (proc::load_program): the physical address of its
// first byte, and how many bytes from there on lie in whole pages that stay
// in memory, unchanged, for longer than any process. {0, 0}: not mappable
// (the default; the loader then copies).
struct FileFrames {
    uint64_t phys = 0;
    uint64_t mappable = 0;
};

class Ramdisk {
public:
    // Room for busybox's applets as links (about 270) beside the rest.
    static constexpr size_t kMaxEntries = 1024;
    static constexpr size_t kNamePoolSize = 32768;
    static constexpr size_t kMaxPath = 256;  // bytes of a normalized path, without the NUL

    // An empty ramdisk: only "/" exists.
    Ramdisk();
    Ramdisk(Ramdisk&& other);
    Ramdisk& operator=(Ramdisk&& other);
    Ramdisk(const Ramdisk&) = delete;
    Ramdisk& operator=(const Ramdisk&) = delete;

    // Parses and checks the whole archive. On failure returns kCorrupt (a
    // malformed archive) or kNoMemory (more than kMaxEntries entries or names
    // over kNamePoolSize) and writes a one-line message such as
    // "initrd: entry 3 'bin/x' (offset 0x600): checksum mismatch" into
    // `message` (always NUL terminated when message_size > 0; may be null).
    static Result<Ramdisk> try_parse(const uint8_t* archive, size_t size, char* message,
                                     size_t message_size);
    // The same, in place. On failure *this is left empty (only "/").
    Result<void> try_load(const uint8_t* archive, size_t size, char* message, size_t message_size);

    // "/bin/sh", "bin/sh", "/bin/", "//bin/./sh" and "/usr/../bin/sh" all find
    // /bin/sh; "/" and "" find the root. nullptr if absent (or the path is
    // longer than kMaxPath). The pointer lives as long as this object.
    const FileEntry* lookup(const char* path) const;

    // The entries directly inside directory `dir` ("/" or "/bin"), in archive
    // order; writes at most `max` pointers and returns how many it wrote. 0
    // when `dir` is absent or is a file.
    size_t list(const char* dir, const FileEntry** out, size_t max) const;

    // Zeroes every byte of the archive that is not some file's data: the
    // headers, their padding and the end marker, which nothing reads after
    // parsing. `archive` must be the (writable) archive this ramdisk was
    // loaded from. The kernel does this so that the tail of a file's last
    // page reads as zeros when that page is mapped into a process.
    void zero_gaps(uint8_t* archive, size_t size) const;

    // Files and directories, implied ones included, the root not included.
    size_t count() const { return m_count; }

    // Navigation for path resolution (fs/vfs.h). All take and return entries
    // of this ramdisk (or nullptr).
    const FileEntry* root() const { return &m_root; }
    // The directory holding `entry`; the root for the root.
    const FileEntry* parent_of(const FileEntry* entry) const;
    // The entry named `name` (`length` bytes, no '/') directly inside
    // directory `dir`; nullptr if there is none.
    const FileEntry* child(const FileEntry* dir, const char* name, size_t length) const;
    // Child number `index` (archive order) of directory `dir`; nullptr past
    // the last. O(entries) per call.
    const FileEntry* child_at(const FileEntry* dir, size_t index) const;
    // A number unique to each entry: 1 for the root, 2 + its index otherwise.
    uint64_t serial_of(const FileEntry* entry) const;
    // The entry with that serial number; nullptr if none.
    const FileEntry* entry_by_serial(uint64_t serial) const;

private:
    struct Parser;
    friend struct Parser;

    void clear();
    void adopt(const Ramdisk& other);
    const FileEntry* find_normalized(const char* path) const;
    // Puts entry `index` in the name index.
    void index_entry(size_t index);

    // The entries by name, for lookups in constant time (a ramdisk with
    // busybox's links has hundreds, and the parser looks each one's
    // directories up): an open-addressed table of entry index + 1, 0 free,
    // at most half full.
    static constexpr size_t kHashSlots = 2 * kMaxEntries;

    FileEntry m_root;
    FileEntry m_entries[kMaxEntries];
    size_t m_count = 0;
    char m_names[kNamePoolSize];
    size_t m_names_used = 0;
    uint16_t m_by_name[kHashSlots] = {};
};

// Normalizes `path` into `out` (out_size bytes) as an absolute path without
// trailing '/', dropping empty and "." components and resolving ".." (which
// stops at the root). Returns false when the result does not fit.
bool normalize_path(const char* path, char* out, size_t out_size);

}  // namespace nyanos::fs
