// The descriptions of nodes opened by path (fs/vfs.h): ramdisk regular files
// (read-only, seekable), directories (getdents), and the memory devices
// /dev/null, /dev/zero and /dev/full. Portable: the console, which needs the
// kernel's input and output, is in fs/console_file.h.
#pragma once

#include "fs/file_description.h"
#include "fs/vfs.h"

namespace nyanos::fs {

// A ramdisk file: reads at the shared offset, pread, lseek. Writes never
// reach it (the ramdisk is read-only: opening one for writing is EROFS).
class RamdiskFile final : public FileDescription {
public:
    // `vfs` outlives every description.
    static Result<DescriptionRef> try_create(const Vfs& vfs, Node node, uint32_t flags);

    Result<size_t> read(IoBuffer& out) override;
    Result<size_t> pread(IoBuffer& out, uint64_t offset) override;
    Result<uint64_t> seek(int64_t offset, int whence) override;
    void stat(FileStat& out) override;
    const Node* node() const override { return &m_node; }

private:
    RamdiskFile(const Vfs& vfs, Node node, uint32_t flags)
        : FileDescription(flags), m_vfs(vfs), m_node(node) {}
    // Copies from byte `offset` of the file; how many bytes it copied.
    Result<size_t> copy_out(IoBuffer& out, uint64_t offset);

    const Vfs& m_vfs;
    Node m_node;
};

// A directory of the tree: getdents from the offset (an entry index), lseek
// to an index (SEEK_SET, SEEK_CUR), read gives EISDIR.
class DirectoryFile final : public FileDescription {
public:
    static Result<DescriptionRef> try_create(const Vfs& vfs, Node node, uint32_t flags);

    Result<size_t> read(IoBuffer& out) override;
    Result<uint64_t> seek(int64_t offset, int whence) override;
    void stat(FileStat& out) override;
    Result<void> read_directory(EntrySink emit, void* ctx) override;
    const Node* node() const override { return &m_node; }

private:
    DirectoryFile(const Vfs& vfs, Node node, uint32_t flags)
        : FileDescription(flags), m_vfs(vfs), m_node(node) {}

    const Vfs& m_vfs;
    Node m_node;
};

// /dev/null, /dev/zero, /dev/full: reads give end-of-file, zeros, zeros;
// writes are swallowed, swallowed, ENOSPC; lseek always lands on 0 (as
// Linux's null_lseek).
class MemoryDevice final : public FileDescription {
public:
    static Result<DescriptionRef> try_create(const Vfs& vfs, Node node, uint32_t flags);

    Result<size_t> read(IoBuffer& out) override;
    Result<size_t> write(IoBuffer& in) override;
    Result<size_t> pread(IoBuffer& out, uint64_t) override { return read(out); }
    Result<size_t> pwrite(IoBuffer& in, uint64_t) override { return write(in); }
    Result<uint64_t> seek(int64_t, int) override { return uint64_t(0); }
    void stat(FileStat& out) override;
    const Node* node() const override { return &m_node; }

private:
    MemoryDevice(const Vfs& vfs, Node node, uint32_t flags)
        : FileDescription(flags), m_vfs(vfs), m_node(node) {}

    const Vfs& m_vfs;
    Node m_node;
};

// Fills `out` with zeros in chunks, stopping early at a pending kill.
Result<size_t> fill_zeros(IoBuffer& out);

}  // namespace nyanos::fs
