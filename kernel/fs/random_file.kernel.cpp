// /dev/random and /dev/urandom: the kernel CSPRNG (dev/random.h). Both
// read at once whatever they are asked, as Linux's do once the generator is
// seeded (it is, before init runs). Writes are accepted and dropped (Linux
// mixes them into its pool; the CSPRNG reseeds from the CPU on its own).
#include <new>

#include "dev/random.h"
#include "fs/kernel_hooks.h"
#include "fs/open.h"

namespace nyanos::fs {

namespace {

constexpr size_t kChunk = 256;

class RandomFile final : public FileDescription {
public:
    RandomFile(const Vfs& vfs, Node node, uint32_t flags)
        : FileDescription(flags), m_vfs(vfs), m_node(node) {}

    // In chunks, with a checkpoint between them: a pending signal ends a
    // long read with what it has (Linux's urandom_read_iter does the same).
    Result<size_t> read(IoBuffer& out) override {
        uint8_t chunk[kChunk];
        size_t done = 0;
        while (done < out.length()) {
            size_t n = out.length() - done < kChunk ? out.length() - done : kChunk;
            random_bytes(chunk, n);
            auto r = out.store(done, chunk, n);
            __builtin_memset(chunk, 0, sizeof(chunk));  // no copy of them lingers
            if (!r.ok()) return done ? Result<size_t>(done) : r.error();
            done += n;
            if (done < out.length() && io_checkpoint()) break;
        }
        return done;
    }
    Result<size_t> write(IoBuffer& in) override { return in.length(); }
    void stat(FileStat& out) override { m_vfs.stat(m_node, out); }
    const Node* node() const override { return &m_node; }

private:
    const Vfs& m_vfs;
    Node m_node;
};

}  // namespace

Result<DescriptionRef> open_random(const Vfs& vfs, Node node, uint32_t flags) {
    auto* d = new (std::nothrow) RandomFile(vfs, node, flags);
    if (!d) return Error::kNoMemory;
    return DescriptionRef::adopt(d);
}

}  // namespace nyanos::fs
