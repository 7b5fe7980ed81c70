// Shared by the file-layer host tests: a description kind that counts its
// live instances (so a test sees every release), and a small USTAR writer
// for test trees.
#pragma once

#include <doctest/doctest.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <new>
#include <string>
#include <vector>

#include "fake_memory_context.h"
#include "fs/file_description.h"
#include "fs/ramdisk.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"

namespace nyanos::test {

class CountedFile final : public fs::FileDescription {
public:
    static inline int live = 0;

    static fs::DescriptionRef make(uint32_t flags = fs::open_flags::kReadWrite) {
        auto* f = new (std::nothrow) CountedFile(flags);
        REQUIRE(f);
        return fs::DescriptionRef::adopt(f);
    }
    void stat(fs::FileStat& out) override { out = fs::FileStat{}; }

private:
    explicit CountedFile(uint32_t flags) : FileDescription(flags) { ++live; }
    ~CountedFile() override { --live; }
};

// Writes a POSIX ustar archive (the parts the ramdisk reads).
struct TarBuilder {
    std::vector<uint8_t> bytes;

    void add(const std::string& name, char type, const std::string& data, unsigned mode,
             const std::string& link_target = "") {
        size_t at = bytes.size();
        bytes.resize(at + 512, 0);
        uint8_t* h = &bytes[at];
        memcpy(h, name.data(), std::min<size_t>(name.size(), 99));
        snprintf(reinterpret_cast<char*>(h + 100), 8, "%07o", mode);
        memcpy(h + 108, "0000000", 8);
        memcpy(h + 116, "0000000", 8);
        snprintf(reinterpret_cast<char*>(h + 124), 12, "%011lo", (unsigned long)data.size());
        memcpy(h + 136, "00000000000", 12);
        h[156] = uint8_t(type);
        memcpy(h + 157, link_target.data(), std::min<size_t>(link_target.size(), 99));
        memcpy(h + 257, "ustar", 6);
        memcpy(h + 263, "00", 2);
        memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (int i = 0; i < 512; ++i) sum += h[i];
        snprintf(reinterpret_cast<char*>(h + 148), 8, "%06o", sum);
        bytes.insert(bytes.end(), data.begin(), data.end());
        bytes.resize((bytes.size() + 511) / 512 * 512, 0);
    }
    void file(const std::string& name, const std::string& data, unsigned mode = 0644) {
        add(name, '0', data, mode);
    }
    void dir(const std::string& name, unsigned mode = 0755) { add(name, '5', "", mode); }
    void symlink(const std::string& name, const std::string& target) {
        add(name, '2', "", 0777, target);
    }
    std::vector<uint8_t>& finish() {
        bytes.resize(bytes.size() + 1024, 0);
        return bytes;
    }
};

// A root tree filled from an archive, over fake RAM, with a clock that
// ticks one second per reading. The tree is emptied before the memory and
// the archive go (members are destroyed in reverse order).
struct TestTree {
    std::vector<uint8_t> archive;
    fs::Ramdisk disk;
    FakeMemoryContext memory{4096};
    fs::Tmpfs tree;
    fs::Vfs vfs{tree};

    static inline int64_t seconds = 1000;
    static fs::FileTime now() { return fs::FileTime{++seconds, 0}; }

    // `max_pages`, `max_inodes`: the tree's caps (0 inodes: as many as pages).
    explicit TestTree(std::vector<uint8_t> bytes, fs::Tmpfs::FramesOf frames_of = nullptr,
                      uint64_t max_pages = 1024, uint64_t max_inodes = 0)
        : archive(static_cast<std::vector<uint8_t>&&>(bytes)) {
        char message[160];
        REQUIRE(disk.try_load(archive.data(), archive.size(), message, sizeof message).ok());
        REQUIRE(fs::Tmpfs::try_init(tree, memory, now, max_pages, max_inodes).ok());
        REQUIRE(tree.populate(disk, frames_of).ok());
        memory.baseline = memory.allocator.outstanding();
    }
    fs::Node at(const char* path) {
        auto r = vfs.resolve(fs::LookupContext{}, fs::Node{}, path, true);
        REQUIRE(r.ok());
        return r.release_value();
    }
};

}  // namespace nyanos::test
