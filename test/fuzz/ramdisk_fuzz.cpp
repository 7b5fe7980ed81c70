// libFuzzer target: the USTAR ramdisk parser (fs::Ramdisk::try_load) and the
// path normalizer, on arbitrary bytes.
//
// A rejected archive must leave an empty ramdisk and a NUL-terminated
// message. An accepted one must describe a consistent tree: every entry has
// a normalized absolute name, lookup() finds it again, file bytes lie inside
// the archive, and walking the directories from "/" with list() reaches
// every entry exactly once. zero_gaps() on a copy of an accepted archive
// keeps every file's bytes and zeroes all the others.
#include <stdint.h>
#include <string.h>

#include <set>
#include <string>
#include <vector>

#include "fs/ramdisk.h"
#include "fuzz_check.h"

using namespace nyanos;

namespace {

void check_normalized(const char* name) {
    FUZZ_CHECK(name[0] == '/', "'%s' is not absolute", name);
    size_t len = strlen(name);
    FUZZ_CHECK(len <= fs::Ramdisk::kMaxPath, "'%s' too long", name);
    if (len > 1) FUZZ_CHECK(name[len - 1] != '/', "'%s' ends with /", name);
    FUZZ_CHECK(!strstr(name, "//"), "'%s' has an empty component", name);
    std::string wrapped = std::string(name) + "/";
    FUZZ_CHECK(wrapped.find("/./") == std::string::npos, "'%s' has a . component", name);
    FUZZ_CHECK(wrapped.find("/../") == std::string::npos, "'%s' has a .. component", name);
}

void check_tree(const fs::Ramdisk& disk, const uint8_t* archive, size_t size) {
    FUZZ_CHECK(disk.count() <= fs::Ramdisk::kMaxEntries, "count %zu", disk.count());
    const fs::FileEntry* root = disk.lookup("/");
    FUZZ_CHECK(root && root->is_directory, "no root");
    std::set<const fs::FileEntry*> seen;
    std::vector<const fs::FileEntry*> dirs{root};
    static const fs::FileEntry* listed[fs::Ramdisk::kMaxEntries + 1];
    while (!dirs.empty()) {
        const fs::FileEntry* dir = dirs.back();
        dirs.pop_back();
        size_t n = disk.list(dir->name, listed, fs::Ramdisk::kMaxEntries + 1);
        FUZZ_CHECK(n <= disk.count(), "list gave %zu of %zu", n, disk.count());
        for (size_t i = 0; i < n; ++i) {
            const fs::FileEntry* e = listed[i];
            FUZZ_CHECK(seen.insert(e).second, "'%s' listed twice", e->name);
            check_normalized(e->name);
            FUZZ_CHECK(disk.lookup(e->name) == e, "lookup('%s') finds another entry", e->name);
            if (e->is_directory) {
                FUZZ_CHECK(e->data == nullptr && e->size == 0, "directory '%s' has data", e->name);
                dirs.push_back(e);
            } else if (e->size > 0) {
                FUZZ_CHECK(
                    e->data >= archive && e->size <= size && e->data <= archive + size - e->size,
                    "'%s' data outside the archive", e->name);
            }
        }
    }
    FUZZ_CHECK(seen.size() == disk.count(), "walk reached %zu of %zu entries", seen.size(),
               disk.count());
}

// The input's first bytes as a path (a tar's first bytes are a name).
void check_path(const fs::Ramdisk& disk, const uint8_t* data, size_t size) {
    std::string path(reinterpret_cast<const char*>(data), size < 400 ? size : 400);
    path = path.c_str();  // up to the first NUL
    char out[fs::Ramdisk::kMaxPath + 1];
    if (fs::normalize_path(path.c_str(), out, sizeof(out))) {
        check_normalized(out);
        char again[sizeof(out)];
        FUZZ_CHECK(fs::normalize_path(out, again, sizeof(again)) && strcmp(out, again) == 0,
                   "normalize_path is not idempotent on '%s'", out);
        FUZZ_CHECK(disk.lookup(path.c_str()) == disk.lookup(out), "lookup differs");
    } else {
        FUZZ_CHECK(disk.lookup(path.c_str()) == nullptr, "lookup of an unnormalizable path");
    }
    // Tiny output buffers must fail cleanly, never overflow (ASan watches).
    for (size_t cap = 0; cap < 4; ++cap) {
        std::vector<char> small(cap);
        (void)fs::normalize_path(path.c_str(), small.data(), cap);
    }
}

// Loads a copy of the archive, zeroes its gaps, and compares it byte by byte
// with the original: file data kept, everything else zero.
void check_zero_gaps(const uint8_t* data, size_t size) {
    static fs::Ramdisk copy_disk;
    std::vector<uint8_t> copy(data, data + size);
    FUZZ_CHECK(copy_disk.try_load(copy.data(), size, nullptr, 0).ok(), "a copy was refused");
    copy_disk.zero_gaps(copy.data(), size);
    std::vector<bool> is_file(size, false);
    std::vector<const fs::FileEntry*> dirs{copy_disk.lookup("/")};
    static const fs::FileEntry* listed[fs::Ramdisk::kMaxEntries + 1];
    while (!dirs.empty()) {
        const fs::FileEntry* dir = dirs.back();
        dirs.pop_back();
        size_t n = copy_disk.list(dir->name, listed, fs::Ramdisk::kMaxEntries + 1);
        for (size_t i = 0; i < n; ++i) {
            if (listed[i]->is_directory) {
                dirs.push_back(listed[i]);
                continue;
            }
            size_t start = size_t(listed[i]->data - copy.data());
            for (size_t b = 0; b < listed[i]->size; ++b) is_file[start + b] = true;
        }
    }
    for (size_t i = 0; i < size; ++i) {
        FUZZ_CHECK(copy[i] == (is_file[i] ? data[i] : 0), "byte %zu: %s", i,
                   is_file[i] ? "file byte changed" : "gap byte not zeroed");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Static: the object is ~16 KiB and the kernel keeps it in static storage too.
    static fs::Ramdisk disk;
    fuzz::no_panic("fs::Ramdisk", [&] {
        char message[128];
        memset(message, 'x', sizeof(message));
        auto r = disk.try_load(data, size, message, sizeof(message));
        if (r.ok()) {
            check_tree(disk, data, size);
            check_zero_gaps(data, size);
        } else {
            FUZZ_CHECK(r.error() == Error::kCorrupt || r.error() == Error::kNoMemory, "error %s",
                       error_name(r.error()));
            FUZZ_CHECK(memchr(message, 0, sizeof(message)) && message[0], "no message");
            FUZZ_CHECK(disk.count() == 0, "a failed load left %zu entries", disk.count());
            // No message buffer at all is allowed too.
            FUZZ_CHECK(!disk.try_load(data, size, nullptr, 0).ok(), "verdict changed");
        }
        check_path(disk, data, size);
    });
    return 0;
}
