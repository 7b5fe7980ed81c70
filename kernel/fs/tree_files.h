// The descriptions of nodes opened by path (fs/vfs.h): regular files of the
// root tree (fs/tmpfs.h), /proc's generated ones (read-only, seekable),
// directories (getdents), and the memory devices /dev/null, /dev/zero and
// /dev/full. Portable: the terminals, which need the
// kernel's input and output, are in fs/terminal.h.
#pragma once

#include "fs/file_description.h"
#include "fs/vfs.h"
#include "lib/heap_ptr.h"

namespace nyanos::fs {

// A regular file of the root tree: read, write (at the end with
// O_APPEND), pread, pwrite, lseek, ftruncate. A description open for
// writing holds the file's write access (exec of it is ETXTBSY meanwhile).
class RegularFile final : public FileDescription {
public:
    // ETXTBSY for writing a running program, ENOMEM.
    static Result<DescriptionRef> try_create(const Vfs& vfs, Node node, uint32_t flags);

    Result<size_t> read(IoBuffer& out) override;
    Result<size_t> write(IoBuffer& in) override;
    Result<size_t> pread(IoBuffer& out, uint64_t offset) override;
    Result<size_t> pwrite(IoBuffer& in, uint64_t offset) override;
    Result<uint64_t> seek(int64_t offset, int whence) override;
    Result<void> truncate(uint64_t size) override;
    Result<void> sync() override { return {}; }
    void stat(FileStat& out) override;
    const Node* node() const override { return &m_node; }
    ~RegularFile() override;

private:
    RegularFile(const Vfs& vfs, Node node, uint32_t flags)
        : FileDescription(flags), m_vfs(vfs), m_node(static_cast<Node&&>(node)) {}
    Inode* inode() const { return m_node.inode.get(); }
    // A write at `offset` (appending if the description does) within the
    // writer's RLIMIT_FSIZE: SIGXFSZ and EFBIG when it starts past it.
    Result<size_t> limited_write(IoBuffer& in, uint64_t& offset);

    const Vfs& m_vfs;
    Node m_node;
};

// A read-only snapshot of bytes the description owns (a /proc file's
// text, made when it is opened, as Linux's seq_file makes it on the first
// read). Reads at the shared offset, pread, lseek. Writes never reach it
// (opening one for writing is EACCES).
class BytesFile final : public FileDescription {
public:
    // The text in text[0..length), a heap array the description takes
    // over when it is created (on failure `text` keeps it).
    static Result<DescriptionRef> try_create_owning(const Vfs& vfs, Node node, uint32_t flags,
                                                    HeapPtr<char[]>& text, size_t length);

    Result<size_t> read(IoBuffer& out) override;
    Result<size_t> pread(IoBuffer& out, uint64_t offset) override;
    Result<uint64_t> seek(int64_t offset, int whence) override;
    void stat(FileStat& out) override;
    const Node* node() const override { return &m_node; }
    ~BytesFile() override;

private:
    BytesFile(const Vfs& vfs, Node node, uint32_t flags, const uint8_t* data, uint64_t size)
        : FileDescription(flags), m_vfs(vfs), m_node(node), m_data(data), m_size(size) {}
    // Copies from byte `offset` of the file; how many bytes it copied.
    Result<size_t> copy_out(IoBuffer& out, uint64_t offset);

    const Vfs& m_vfs;
    Node m_node;
    const uint8_t* m_data;  // a heap block this description frees
    uint64_t m_size;
};

// A directory of the tree: getdents from the offset (an entry index), lseek
// to an index (SEEK_SET, SEEK_CUR), read gives EISDIR.
class DirectoryFile final : public FileDescription {
public:
    static Result<DescriptionRef> try_create(const Vfs& vfs, Node node, uint32_t flags);

    Result<size_t> read(IoBuffer& out) override;
    Result<uint64_t> seek(int64_t offset, int whence) override;
    Result<void> sync() override { return {}; }
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
    bool can_poll() const override { return false; }  // as Linux's null, zero and full
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
