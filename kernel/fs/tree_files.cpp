#include "fs/tree_files.h"

#include <new>

#include "fs/kernel_hooks.h"

namespace nyanos::fs {

namespace {

// A large read is copied in pieces of this size, with a checkpoint between
// them (a kill, or another thread's turn, need not wait for a whole file).
constexpr size_t kCopyPiece = 64 * 1024;

const uint8_t kZeros[4096] = {};

Result<DescriptionRef> adopt_new(FileDescription* d) {
    if (!d) return Error::kNoMemory;
    return DescriptionRef::adopt(d);
}

}  // namespace

Result<DescriptionRef> BytesFile::try_create(const Vfs& vfs, Node node, uint32_t flags) {
    return adopt_new(new (std::nothrow) BytesFile(vfs, node, flags, node.entry->data,
                                                  node.entry->size, /*owned=*/false));
}

Result<DescriptionRef> BytesFile::try_create_owning(const Vfs& vfs, Node node, uint32_t flags,
                                                    HeapPtr<char[]>& text, size_t length) {
    auto* file = new (std::nothrow) BytesFile(
        vfs, node, flags, reinterpret_cast<const uint8_t*>(text.get()), length, /*owned=*/true);
    if (!file) return Error::kNoMemory;
    text.release();
    return DescriptionRef::adopt(file);
}

BytesFile::~BytesFile() {
    if (m_owned) delete[] reinterpret_cast<const char*>(m_data);
}

Result<size_t> BytesFile::copy_out(IoBuffer& out, uint64_t offset) {
    uint64_t size = m_size;
    if (offset >= size) return size_t(0);
    size_t want = out.length() < size - offset ? out.length() : size_t(size - offset);
    size_t done = 0;
    while (done < want) {
        size_t piece = want - done < kCopyPiece ? want - done : kCopyPiece;
        auto r = out.store(done, m_data + offset + done, piece);
        if (!r.ok()) {
            if (done) return done;
            return r.error();
        }
        done += piece;
        if (done < want && io_checkpoint()) break;
    }
    return done;
}

Result<size_t> BytesFile::read(IoBuffer& out) {
    // The range is taken from the shared offset first, and given back if
    // the copy fell short and nobody moved the offset meanwhile: two
    // processes reading one description never read the same bytes, and the
    // copy (which may fault pages in) runs without the lock.
    uint64_t start, end;
    {
        sync::Guard lock(m_offset_lock);
        start = m_offset;
        uint64_t size = m_size;
        uint64_t left = start < size ? size - start : 0;
        end = start + (out.length() < left ? out.length() : left);
        m_offset = end;
    }
    auto copied = copy_out(out, start);
    size_t n = copied.ok() ? copied.value() : 0;
    if (start + n != end) {
        sync::Guard lock(m_offset_lock);
        if (m_offset == end) m_offset = start + n;
    }
    return copied;
}

Result<size_t> BytesFile::pread(IoBuffer& out, uint64_t offset) {
    return copy_out(out, offset);
}

Result<uint64_t> BytesFile::seek(int64_t offset, int whence) {
    return seek_within(offset, whence, m_size);
}

void BytesFile::stat(FileStat& out) {
    m_vfs.stat(m_node, out);
}

Result<DescriptionRef> DirectoryFile::try_create(const Vfs& vfs, Node node, uint32_t flags) {
    return adopt_new(new (std::nothrow) DirectoryFile(vfs, node, flags));
}

Result<size_t> DirectoryFile::read(IoBuffer&) {
    return Error::kIsDirectory;
}

Result<uint64_t> DirectoryFile::seek(int64_t offset, int whence) {
    if (whence != 0 && whence != 1) return Error::kInvalid;
    return seek_within(offset, whence, 0);
}

void DirectoryFile::stat(FileStat& out) {
    m_vfs.stat(m_node, out);
}

Result<void> DirectoryFile::read_directory(EntrySink emit, void* ctx) {
    uint64_t index;
    {
        sync::Guard lock(m_offset_lock);
        index = m_offset;
    }
    uint64_t start = index;
    DirectoryEntry entry;
    while (m_vfs.entry_at(m_node, size_t(index), entry)) {
        if (!emit(ctx, entry)) break;
        index = entry.next_offset;
    }
    sync::Guard lock(m_offset_lock);
    if (m_offset == start) m_offset = index;
    return {};
}

Result<DescriptionRef> MemoryDevice::try_create(const Vfs& vfs, Node node, uint32_t flags) {
    return adopt_new(new (std::nothrow) MemoryDevice(vfs, node, flags));
}

Result<size_t> fill_zeros(IoBuffer& out) {
    size_t done = 0;
    while (done < out.length()) {
        size_t left = out.length() - done;
        size_t piece = left < sizeof(kZeros) ? left : sizeof(kZeros);
        auto r = out.store(done, kZeros, piece);
        if (!r.ok()) {
            if (done) return done;
            return r.error();
        }
        done += piece;
        if (done < out.length() && io_checkpoint()) break;
    }
    return done;
}

Result<size_t> MemoryDevice::read(IoBuffer& out) {
    if (m_node.special == Special::kNull) return size_t(0);
    return fill_zeros(out);
}

Result<size_t> MemoryDevice::write(IoBuffer& in) {
    if (m_node.special == Special::kFull) return Error::kNoSpace;
    return in.length();
}

void MemoryDevice::stat(FileStat& out) {
    m_vfs.stat(m_node, out);
}

}  // namespace nyanos::fs
