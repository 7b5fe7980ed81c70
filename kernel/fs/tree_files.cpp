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

Result<DescriptionRef> RegularFile::try_create(const Vfs& vfs, Node node, uint32_t flags) {
    Tmpfs& tree = vfs.tree();
    // Write access for what writable() will say (not access mode 3, which
    // Linux gives neither reading nor writing).
    const uint32_t access = flags & open_flags::kAccessMode;
    const bool writes = access == open_flags::kWriteOnly || access == open_flags::kReadWrite;
    if (writes) TRY(tree.get_write_access(node.inode.get()));
    auto* file = new (std::nothrow) RegularFile(vfs, static_cast<Node&&>(node), flags);
    if (!file) {
        if (writes) tree.put_write_access(node.inode.get());
        return Error::kNoMemory;
    }
    return DescriptionRef::adopt(file);
}

RegularFile::~RegularFile() {
    if (writable()) m_vfs.tree().put_write_access(inode());
}

Result<size_t> RegularFile::read(IoBuffer& out) {
    // Reads and writes through one description take turns on the offset
    // only as far as they move it: each takes its start, copies without
    // the lock, and moves the offset on if nobody else did meanwhile.
    uint64_t start;
    {
        sync::Guard lock(m_offset_lock);
        start = m_offset;
    }
    size_t n = TRY(m_vfs.tree().read(inode(), out, start));
    sync::Guard lock(m_offset_lock);
    if (m_offset == start) m_offset = start + n;
    return n;
}

Result<size_t> RegularFile::write(IoBuffer& in) {
    uint64_t start;
    {
        sync::Guard lock(m_offset_lock);
        start = m_offset;
    }
    uint64_t at = start;
    size_t n = TRY(limited_write(in, at));
    sync::Guard lock(m_offset_lock);
    if (m_offset == start) m_offset = at + n;
    return n;
}

Result<size_t> RegularFile::pread(IoBuffer& out, uint64_t offset) {
    return m_vfs.tree().read(inode(), out, offset);
}

Result<size_t> RegularFile::pwrite(IoBuffer& in, uint64_t offset) {
    // Linux: pwrite on an O_APPEND description appends (a known quirk).
    return limited_write(in, offset);
}

Result<size_t> RegularFile::limited_write(IoBuffer& in, uint64_t& offset) {
    const uint64_t limit = file_size_limit();
    auto n = m_vfs.tree().write(inode(), in, offset, flags() & open_flags::kAppend, limit);
    // EFBIG below the largest file's size is the limit's (Linux signals
    // only for the limit, not for its file system's largest file).
    if (!n.ok() && n.error() == Error::kFileTooBig && limit < kMaxFileSize)
        file_size_limit_exceeded();
    return n;
}

Result<uint64_t> RegularFile::seek(int64_t offset, int whence) {
    constexpr int kSeekData = 3, kSeekHole = 4;
    const uint64_t size = m_vfs.tree().size_of(inode());
    if (whence == kSeekData || whence == kSeekHole) {
        // As Linux's generic answer: the whole file is data, with the one
        // hole at its end; ENXIO at or past the end (or before the start).
        if (offset < 0 || uint64_t(offset) >= size) return Error::kNoDeviceOrAddress;
        return seek_within(whence == kSeekData ? offset : int64_t(size), 0, size);
    }
    return seek_within(offset, whence, size);
}

Result<void> RegularFile::truncate(uint64_t size) {
    return m_vfs.tree().truncate(inode(), size);
}

void RegularFile::stat(FileStat& out) {
    m_vfs.stat(m_node, out);
}

Result<DescriptionRef> BytesFile::try_create_owning(const Vfs& vfs, Node node, uint32_t flags,
                                                    HeapPtr<char[]>& text, size_t length) {
    auto* file = new (std::nothrow)
        BytesFile(vfs, node, flags, reinterpret_cast<const uint8_t*>(text.get()), length);
    if (!file) return Error::kNoMemory;
    text.release();
    return DescriptionRef::adopt(file);
}

BytesFile::~BytesFile() {
    delete[] reinterpret_cast<const char*>(m_data);
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
    // A removed directory lists nothing, not even "." and ".." (Linux's
    // dcache_readdir on a dead directory: ENOENT).
    if (m_node.inode) {
        FileStat st;
        m_vfs.stat(m_node, st);
        if (st.links == 0) return Error::kNoEntry;
    }
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
