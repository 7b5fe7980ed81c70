// The USTAR ramdisk. See ramdisk.h for the accepted format and the storage
// contract.
#include "fs/ramdisk.h"

#include <stdarg.h>

#include "lib/format.h"
#include "lib/panic.h"

namespace nyanos::fs {

namespace {

constexpr size_t kBlock = 512;

// Header field offsets and sizes (POSIX.1-1988 ustar).
constexpr size_t kNameOff = 0, kNameLen = 100;
constexpr size_t kModeOff = 100, kModeLen = 8;
constexpr size_t kSizeOff = 124, kSizeLen = 12;
constexpr size_t kChksumOff = 148, kChksumLen = 8;
constexpr size_t kTypeOff = 156;
constexpr size_t kLinkOff = 157, kLinkLen = 100;
constexpr size_t kMagicOff = 257;
constexpr size_t kPrefixOff = 345, kPrefixLen = 155;

size_t str_len(const char* s) {
    size_t n = 0;
    while (s[n]) ++n;
    return n;
}

bool str_eq(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

// The index of the first NUL in field[0, len), or len when there is none.
size_t field_len(const uint8_t* field, size_t len) {
    size_t n = 0;
    while (n < len && field[n] != 0) ++n;
    return n;
}

bool all_zero(const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        if (p[i]) return false;
    }
    return true;
}

// An octal number field: optional leading spaces, at least one digit, then the
// end of the field or a NUL/space terminator. False on anything else
// (including GNU's base-256 encoding, whose first byte has bit 7 set).
bool parse_octal(const uint8_t* field, size_t len, uint64_t& value) {
    size_t i = 0;
    while (i < len && field[i] == ' ') ++i;
    size_t digits = 0;
    value = 0;
    for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i, ++digits)
        value = value * 8 + (field[i] - '0');
    if (digits == 0) return false;
    return i == len || field[i] == 0 || field[i] == ' ';
}

// Both sums that historical tars computed (unsigned and signed bytes), with the
// checksum field counted as eight spaces.
bool checksum_matches(const uint8_t* h, uint64_t stored) {
    uint64_t unsigned_sum = 0;
    int64_t signed_sum = 0;
    for (size_t i = 0; i < kBlock; ++i) {
        uint8_t b = (i >= kChksumOff && i < kChksumOff + kChksumLen) ? ' ' : h[i];
        unsigned_sum += b;
        signed_sum += static_cast<int8_t>(b);
    }
    return stored == unsigned_sum || static_cast<int64_t>(stored) == signed_sum;
}

// Copies a raw header field for a message: at most `len` bytes, stopping at
// NUL, non-printable bytes as '?'. Returns the new end of `out`.
size_t append_printable(char* out, size_t at, size_t cap, const uint8_t* field, size_t len) {
    for (size_t i = 0; i < len && field[i] && at + 1 < cap; ++i)
        out[at++] = (field[i] >= 0x20 && field[i] < 0x7f) ? char(field[i]) : '?';
    out[at] = 0;
    return at;
}

}  // namespace

bool normalize_path(const char* path, char* out, size_t out_size) {
    if (path == nullptr || out_size < 2) return false;
    size_t len = 0;
    out[len++] = '/';
    const char* p = path;
    while (*p) {
        while (*p == '/') ++p;
        if (!*p) break;
        const char* start = p;
        while (*p && *p != '/') ++p;
        size_t n = static_cast<size_t>(p - start);
        if (n == 1 && start[0] == '.') continue;
        if (n == 2 && start[0] == '.' && start[1] == '.') {
            while (len > 1 && out[len - 1] != '/') --len;  // drop the last component
            if (len > 1) --len;                            // and its '/'
            continue;
        }
        size_t need = (len > 1 ? 1 : 0) + n + 1;  // separator, component, NUL
        if (need > out_size - len) return false;
        if (len > 1) out[len++] = '/';
        for (size_t i = 0; i < n; ++i) out[len++] = start[i];
    }
    out[len] = 0;
    return true;
}

// One pass over the archive, filling a cleared Ramdisk. Every failure goes
// through fail(), which writes the message.
struct Ramdisk::Parser {
    Ramdisk& disk;
    const uint8_t* archive;
    size_t size;
    char* message;
    size_t message_size;
    size_t entry = 0;      // index of the header being parsed
    size_t offset = 0;     // its offset in the archive
    char shown[272] = {};  // its name as written, for messages
    static constexpr size_t kShownMax = 64;

    Error fail(Error error, const char* fmt, ...) __attribute__((format(printf, 3, 4))) {
        if (message == nullptr || message_size == 0) return error;
        char reason[160];
        va_list args;
        va_start(args, fmt);
        vformat(reason, sizeof(reason), fmt, args);
        va_end(args);
        if (shown[0])
            format(message, message_size, "initrd: entry %zu '%s' (offset 0x%zx): %s", entry, shown,
                   offset, reason);
        else
            format(message, message_size, "initrd: entry %zu (offset 0x%zx): %s", entry, offset,
                   reason);
        return error;
    }

    Result<void> run() {
        if (message && message_size) message[0] = 0;
        if (archive == nullptr && size != 0) return fail(Error::kInvalid, "no archive");
        while (offset < size) {
            shown[0] = 0;
            const size_t left = size - offset;
            const uint8_t* h = archive + offset;
            if (left < kBlock) {
                if (all_zero(h, left)) break;  // short zero padding at the end
                return fail(Error::kCorrupt, "truncated header (%zu of 512 bytes)", left);
            }
            // The end-of-archive marker is a zero block (tar writes two);
            // whatever follows it is padding and ignored.
            if (all_zero(h, kBlock)) break;
            TRY(parse_header(h, left));
            ++entry;
        }
        return {};
    }

    Result<void> parse_header(const uint8_t* h, size_t left) {
        // The name for messages, before anything is trusted.
        bool gnu = h[kMagicOff + 5] == ' ';
        size_t at = 0;
        if (!gnu && h[kPrefixOff]) {
            at = append_printable(shown, 0, sizeof(shown), h + kPrefixOff, kPrefixLen);
            at = append_printable(shown, at, sizeof(shown), reinterpret_cast<const uint8_t*>("/"),
                                  1);
        }
        append_printable(shown, at, sizeof(shown), h + kNameOff, kNameLen);
        // Long (or garbage) names are shortened so the reason stays visible.
        if (at = str_len(shown); at > kShownMax) {
            shown[kShownMax - 3] = shown[kShownMax - 2] = shown[kShownMax - 1] = '.';
            shown[kShownMax] = 0;
        }

        uint64_t stored_sum;
        if (!parse_octal(h + kChksumOff, kChksumLen, stored_sum))
            return fail(Error::kCorrupt, "checksum field is not an octal number");
        if (!checksum_matches(h, stored_sum)) return fail(Error::kCorrupt, "checksum mismatch");

        // "ustar\0" (POSIX, version "00") or "ustar " + " \0" (GNU tar).
        static constexpr char kUstar[] = "ustar";
        for (size_t i = 0; i < 5; ++i) {
            if (h[kMagicOff + i] != uint8_t(kUstar[i]))
                return fail(Error::kCorrupt, "not a ustar header (bad magic)");
        }
        if (h[kMagicOff + 5] != 0 && h[kMagicOff + 5] != ' ')
            return fail(Error::kCorrupt, "not a ustar header (bad magic)");

        size_t name_len = field_len(h + kNameOff, kNameLen);
        if (name_len == kNameLen) return fail(Error::kCorrupt, "name field has no NUL terminator");
        if (name_len == 0) return fail(Error::kCorrupt, "empty name");
        // GNU headers keep other data (atime, ctime) where ustar has the prefix.
        size_t prefix_len = gnu ? 0 : field_len(h + kPrefixOff, kPrefixLen);
        if (prefix_len == kPrefixLen)
            return fail(Error::kCorrupt, "prefix field has no NUL terminator");

        const char type = char(h[kTypeOff]);
        bool is_dir = false, is_link = false;
        if (type == '0' || type == '\0') {
            is_dir = false;
        } else if (type == '5') {
            is_dir = true;
        } else if (type == '2') {
            is_link = true;
        } else if (type >= 0x20 && type < 0x7f) {
            return fail(Error::kCorrupt,
                        "unsupported entry type '%c' (only files, directories and symbolic links)",
                        type);
        } else {
            return fail(Error::kCorrupt, "unsupported entry type 0x%x", unsigned(uint8_t(type)));
        }

        uint64_t file_size;
        if (!parse_octal(h + kSizeOff, kSizeLen, file_size))
            return fail(Error::kCorrupt, "size field is not an octal number");
        if (file_size > left - kBlock)
            return fail(Error::kCorrupt,
                        "size %lu extends past the end of the archive (%zu bytes left)",
                        static_cast<unsigned long>(file_size), left - kBlock);

        // prefix + '/' + name, checked for "..", then normalized.
        char joined[kPrefixLen + kNameLen + 2];
        size_t j = 0;
        for (size_t i = 0; i < prefix_len; ++i) joined[j++] = char(h[kPrefixOff + i]);
        if (prefix_len) joined[j++] = '/';
        for (size_t i = 0; i < name_len; ++i) joined[j++] = char(h[kNameOff + i]);
        joined[j] = 0;
        if (has_dotdot(joined)) return fail(Error::kCorrupt, "'..' in the path");
        char path[kMaxPath + 1];
        if (!normalize_path(joined, path, sizeof(path)))
            return fail(Error::kNameTooLong, "path too long");

        // The mode is informational (permission bits for stat and access):
        // an unreadable one gets the default rather than failing the archive.
        uint64_t mode;
        if (!parse_octal(h + kModeOff, kModeLen, mode)) mode = is_dir ? 0755 : 0644;

        // A symbolic link keeps its target in the header and has no data.
        char target[kLinkLen] = {};
        if (is_link) {
            size_t target_len = field_len(h + kLinkOff, kLinkLen);
            if (target_len == kLinkLen)
                return fail(Error::kCorrupt, "link target field has no NUL terminator");
            if (target_len == 0) return fail(Error::kCorrupt, "empty link target");
            if (file_size != 0) return fail(Error::kCorrupt, "a symbolic link with data");
            for (size_t i = 0; i < target_len; ++i) target[i] = char(h[kLinkOff + i]);
        }

        if (path[1] == 0) {
            // "./" or "/": the root, which always exists.
            if (!is_dir) return fail(Error::kCorrupt, "a file cannot be the root directory");
        } else {
            const uint8_t* data = is_dir || is_link ? nullptr : h + kBlock;
            TRY(insert(path, is_dir, data, data ? file_size : 0, uint32_t(mode & 07777),
                       is_link ? target : nullptr));
        }

        // The data is padded to whole blocks; an archive cut inside the
        // padding of its last file still has all the bytes, so it is accepted.
        uint64_t padded = (file_size + kBlock - 1) / kBlock * kBlock;
        offset = (padded > left - kBlock) ? size : offset + kBlock + padded;
        return {};
    }

    static bool has_dotdot(const char* s) {
        for (const char* p = s; *p;) {
            while (*p == '/') ++p;
            const char* start = p;
            while (*p && *p != '/') ++p;
            if (p - start == 2 && start[0] == '.' && start[1] == '.') return true;
        }
        return false;
    }

    // Adds `path` (normalized, not the root) and every missing ancestor as an
    // implied directory. `link_target` is a symbolic link's target (nullptr
    // for anything else).
    Result<void> insert(const char* path, bool is_dir, const uint8_t* data, uint64_t file_size,
                        uint32_t mode, const char* link_target) {
        char ancestor[kMaxPath + 1];
        for (size_t i = 1; path[i]; ++i) {
            if (path[i] != '/') continue;
            for (size_t k = 0; k < i; ++k) ancestor[k] = path[k];
            ancestor[i] = 0;
            const FileEntry* existing = disk.find_normalized(ancestor);
            if (existing && !existing->is_directory)
                return fail(Error::kCorrupt, "'%s' is a file, not a directory", ancestor);
            if (!existing) TRY(add(ancestor, true, nullptr, 0, 0755, nullptr));
        }
        const FileEntry* existing = disk.find_normalized(path);
        if (existing) {
            if (existing->is_directory && is_dir) {
                // e.g. "bin/" after "bin/sh": the header's mode replaces the implied one.
                disk.m_entries[existing - disk.m_entries].permissions = mode;
                return {};
            }
            return fail(Error::kCorrupt, "duplicate entry '%s'", path);
        }
        return add(path, is_dir, data, file_size, mode, link_target);
    }

    Result<void> add(const char* path, bool is_dir, const uint8_t* data, uint64_t file_size,
                     uint32_t mode, const char* link_target) {
        if (disk.m_count == kMaxEntries)
            return fail(Error::kNoMemory, "more than %zu entries", kMaxEntries);
        size_t n = str_len(path) + 1;
        size_t t = link_target ? str_len(link_target) + 1 : 0;
        if (n + t > kNamePoolSize - disk.m_names_used)
            return fail(Error::kNoMemory, "names exceed the %zu-byte index", kNamePoolSize);
        char* name = disk.m_names + disk.m_names_used;
        for (size_t i = 0; i < n; ++i) name[i] = path[i];
        char* target = link_target ? name + n : nullptr;
        for (size_t i = 0; i < t; ++i) target[i] = link_target[i];
        disk.m_names_used += n + t;
        disk.m_entries[disk.m_count] = FileEntry{name, data, file_size, is_dir, mode, target};
        disk.index_entry(disk.m_count++);
        return {};
    }
};

Ramdisk::Ramdisk() : m_root{"/", nullptr, 0, true, 0755} {}

void Ramdisk::zero_gaps(uint8_t* archive, size_t size) const {
    // Files are indexed in archive order, so their data ranges ascend.
    size_t cursor = 0;
    for (size_t i = 0; i < m_count; ++i) {
        const FileEntry& e = m_entries[i];
        if (e.is_directory || !e.data) continue;
        size_t start = size_t(e.data - archive);
        VERIFY(start >= cursor && start <= size && e.size <= size - start);
        __builtin_memset(archive + cursor, 0, start - cursor);
        cursor = start + e.size;
    }
    __builtin_memset(archive + cursor, 0, size - cursor);
}

Ramdisk::Ramdisk(Ramdisk&& other) : m_root{"/", nullptr, 0, true, 0755} {
    adopt(other);
    other.clear();
}

Ramdisk& Ramdisk::operator=(Ramdisk&& other) {
    if (this != &other) {
        adopt(other);
        other.clear();
    }
    return *this;
}

void Ramdisk::clear() {
    m_count = 0;
    m_names_used = 0;
    for (uint16_t& slot : m_by_name) slot = 0;
}

namespace {

// FNV-1a over a normalized path: where its slot search starts.
size_t name_hash(const char* path) {
    uint32_t h = 2166136261u;
    for (const char* p = path; *p; ++p) h = (h ^ uint8_t(*p)) * 16777619u;
    return h;
}

}  // namespace

void Ramdisk::index_entry(size_t index) {
    size_t slot = name_hash(m_entries[index].name) % kHashSlots;
    while (m_by_name[slot]) slot = (slot + 1) % kHashSlots;
    m_by_name[slot] = uint16_t(index + 1);
}

// Copies the index; names point into our own pool, so each is rebased.
void Ramdisk::adopt(const Ramdisk& other) {
    for (size_t i = 0; i < other.m_names_used; ++i) m_names[i] = other.m_names[i];
    m_names_used = other.m_names_used;
    for (size_t i = 0; i < other.m_count; ++i) {
        m_entries[i] = other.m_entries[i];
        m_entries[i].name = m_names + (other.m_entries[i].name - other.m_names);
        if (const char* target = other.m_entries[i].link_target)
            m_entries[i].link_target = m_names + (target - other.m_names);
    }
    m_count = other.m_count;
    for (size_t i = 0; i < kHashSlots; ++i) m_by_name[i] = other.m_by_name[i];
}

Result<Ramdisk> Ramdisk::try_parse(const uint8_t* archive, size_t size, char* message,
                                   size_t message_size) {
    Ramdisk disk;
    TRY(disk.try_load(archive, size, message, message_size));
    return Result<Ramdisk>(static_cast<Ramdisk&&>(disk));
}

Result<void> Ramdisk::try_load(const uint8_t* archive, size_t size, char* message,
                               size_t message_size) {
    clear();
    Parser parser{*this, archive, size, message, message_size};
    Result<void> result = parser.run();
    if (!result.ok()) clear();
    return result;
}

const FileEntry* Ramdisk::find_normalized(const char* path) const {
    if (path[0] == '/' && path[1] == 0) return &m_root;
    for (size_t slot = name_hash(path) % kHashSlots; m_by_name[slot];
         slot = (slot + 1) % kHashSlots) {
        const FileEntry& e = m_entries[m_by_name[slot] - 1];
        if (str_eq(e.name, path)) return &e;
    }
    return nullptr;
}

const FileEntry* Ramdisk::lookup(const char* path) const {
    char normalized[kMaxPath + 1];
    if (!normalize_path(path, normalized, sizeof(normalized))) return nullptr;
    return find_normalized(normalized);
}

const FileEntry* Ramdisk::parent_of(const FileEntry* entry) const {
    if (entry == &m_root) return &m_root;
    const char* name = entry->name;
    size_t last_slash = 0;
    for (size_t k = 0; name[k]; ++k) {
        if (name[k] == '/') last_slash = k;
    }
    if (last_slash == 0) return &m_root;
    char parent[kMaxPath + 1];
    for (size_t k = 0; k < last_slash; ++k) parent[k] = name[k];
    parent[last_slash] = 0;
    return find_normalized(parent);
}

const FileEntry* Ramdisk::child(const FileEntry* dir, const char* name, size_t length) const {
    if (!dir->is_directory || length == 0) return nullptr;
    size_t dir_len = dir == &m_root ? 0 : str_len(dir->name);
    if (dir_len + 1 + length > kMaxPath) return nullptr;
    char path[kMaxPath + 1];
    for (size_t k = 0; k < dir_len; ++k) path[k] = dir->name[k];
    path[dir_len] = '/';
    for (size_t k = 0; k < length; ++k) path[dir_len + 1 + k] = name[k];
    path[dir_len + 1 + length] = 0;
    return find_normalized(path);
}

const FileEntry* Ramdisk::child_at(const FileEntry* dir, size_t index) const {
    if (!dir->is_directory) return nullptr;
    size_t dir_len = dir == &m_root ? 0 : str_len(dir->name);
    for (size_t i = 0; i < m_count; ++i) {
        const char* name = m_entries[i].name;
        size_t last_slash = 0;
        for (size_t k = 0; name[k]; ++k) {
            if (name[k] == '/') last_slash = k;
        }
        if (last_slash != dir_len) continue;
        bool same = true;
        for (size_t k = 0; k < dir_len && same; ++k) same = name[k] == dir->name[k];
        if (same && index-- == 0) return &m_entries[i];
    }
    return nullptr;
}

uint64_t Ramdisk::serial_of(const FileEntry* entry) const {
    if (entry == &m_root) return 1;
    return 2 + uint64_t(entry - m_entries);
}

const FileEntry* Ramdisk::entry_by_serial(uint64_t serial) const {
    if (serial == 1) return &m_root;
    if (serial < 2 || serial - 2 >= m_count) return nullptr;
    return &m_entries[serial - 2];
}

size_t Ramdisk::list(const char* dir, const FileEntry** out, size_t max) const {
    char normalized[kMaxPath + 1];
    if (!normalize_path(dir, normalized, sizeof(normalized))) return 0;
    const FileEntry* d = find_normalized(normalized);
    if (d == nullptr || !d->is_directory) return 0;
    // The parent of "/bin/sh" is "/bin"; of "/bin", "/" (parent length 0 here).
    size_t dir_len = (normalized[1] == 0) ? 0 : str_len(normalized);
    size_t written = 0;
    for (size_t i = 0; i < m_count && written < max; ++i) {
        const char* name = m_entries[i].name;
        size_t last_slash = 0;
        for (size_t k = 0; name[k]; ++k) {
            if (name[k] == '/') last_slash = k;
        }
        if (last_slash != dir_len) continue;
        bool same = true;
        for (size_t k = 0; k < dir_len && same; ++k) same = name[k] == normalized[k];
        if (same) out[written++] = &m_entries[i];
    }
    return written;
}

}  // namespace nyanos::fs
