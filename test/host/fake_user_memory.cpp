#include "fake_user_memory.h"

#include <stdio.h>
#include <string.h>

#include <map>
#include <new>

#include "fs/kernel_hooks.h"
#include "fs/open.h"
#include "fs/tree_files.h"
#include "syscall/user_memory.h"

namespace nyanos::test {
namespace {
uint64_t g_fault_begin = 0, g_fault_end = 0;
size_t g_checkpoints = 0;
bool g_kill_pending = false;
uint64_t g_file_size_limit = ~0ull;
size_t g_file_size_signals = 0;
}  // namespace

void set_file_size_limit(uint64_t limit) {
    g_file_size_limit = limit;
}
size_t file_size_signals() {
    return g_file_size_signals;
}

struct FakeProcess {
    const void* program;
    uint32_t cwd;
    std::map<int32_t, fs::DescriptionRef> files;
};
extern std::map<int32_t, FakeProcess> g_fake_processes;
std::map<int32_t, FakeProcess> g_fake_processes;

void set_fake_process(int32_t pid, const void* program, uint32_t cwd) {
    g_fake_processes[pid] = FakeProcess{program, cwd, {}};
}
void set_fake_process_file(int32_t pid, int32_t fd, fs::DescriptionRef file) {
    g_fake_processes[pid].files[fd] = static_cast<fs::DescriptionRef&&>(file);
}
void clear_fake_processes() {
    g_fake_processes.clear();
}

void set_user_fault_range(const void* begin, size_t length) {
    g_fault_begin = reinterpret_cast<uint64_t>(begin);
    g_fault_end = g_fault_begin + length;
}
void clear_user_fault_range() {
    g_fault_begin = g_fault_end = 0;
}
size_t io_checkpoints() {
    return g_checkpoints;
}
void set_kill_pending(bool pending) {
    g_kill_pending = pending;
}

// How many bytes of [address, address + length) come before the fault
// range (length if none of it is in the range).
size_t usable_prefix(uint64_t address, size_t length) {
    if (g_fault_end == g_fault_begin) return length;
    uint64_t end = address + length;
    if (end <= g_fault_begin || address >= g_fault_end) return length;
    return address < g_fault_begin ? size_t(g_fault_begin - address) : 0;
}

}  // namespace nyanos::test

namespace nyanos::sys {

Result<void> copy_from_user(void* dst, uint64_t user_src, size_t length) {
    if (!is_user_range(user_src, length)) return Error::kFault;
    size_t ok = test::usable_prefix(user_src, length);
    memcpy(dst, reinterpret_cast<const void*>(user_src), ok);
    if (ok < length) return Error::kFault;
    return {};
}

Result<void> copy_to_user(uint64_t user_dst, const void* src, size_t length) {
    if (!is_user_range(user_dst, length)) return Error::kFault;
    size_t ok = test::usable_prefix(user_dst, length);
    memcpy(reinterpret_cast<void*>(user_dst), src, ok);
    if (ok < length) return Error::kFault;
    return {};
}

Result<size_t> copy_string_from_user(char* dst, uint64_t user_src, size_t max) {
    if (max == 0 || !is_user_range(user_src, 1)) return Error::kFault;
    const char* s = reinterpret_cast<const char*>(user_src);
    size_t n = strnlen(s, max);
    if (n == max) return Error::kNameTooLong;
    TRY(copy_from_user(dst, user_src, n + 1));
    return n;
}

}  // namespace nyanos::sys

namespace nyanos::fs {

bool process_exists(int32_t pid) {
    return test::g_fake_processes.count(pid) != 0;
}

int32_t first_process_from(int32_t from) {
    auto it = test::g_fake_processes.lower_bound(from);
    return it == test::g_fake_processes.end() ? 0 : it->first;
}

// A fake process has one thread, its leader (tid = pid).
bool thread_exists(int32_t pid, int32_t tid) {
    return pid == tid && process_exists(pid);
}

int32_t first_thread_from(int32_t pid, int32_t from) {
    return process_exists(pid) && pid >= from ? pid : 0;
}

int32_t thread_group_of(int32_t tid) {
    return process_exists(tid) ? tid : 0;
}

RefPtr<Inode> process_program(int32_t pid) {
    auto it = test::g_fake_processes.find(pid);
    if (it == test::g_fake_processes.end() || !it->second.program) return {};
    return RefPtr<Inode>::share(static_cast<Inode*>(const_cast<void*>(it->second.program)));
}

Result<DescriptionRef> process_file(int32_t pid, int32_t fd) {
    auto it = test::g_fake_processes.find(pid);
    if (it == test::g_fake_processes.end()) return Error::kNoProcess;
    auto file = it->second.files.find(fd);
    if (file == it->second.files.end()) return Error::kBadFd;
    DescriptionRef copy = file->second;
    return copy;
}

int32_t first_fd_from(int32_t pid, int32_t from) {
    auto it = test::g_fake_processes.find(pid);
    if (it == test::g_fake_processes.end()) return -1;
    auto file = it->second.files.lower_bound(from);
    return file == it->second.files.end() ? -1 : file->first;
}

Result<uint32_t> process_cwd(int32_t pid) {
    auto it = test::g_fake_processes.find(pid);
    if (it == test::g_fake_processes.end()) return Error::kNoProcess;
    return it->second.cwd;
}

void*& socket_messages_to_free() {
    static void* slot = nullptr;  // the host tests run on one thread
    return slot;
}

bool io_checkpoint() {
    ++test::g_checkpoints;
    return test::g_kill_pending;
}

uint64_t file_size_limit() {
    return test::g_file_size_limit;
}

void file_size_limit_exceeded() {
    ++test::g_file_size_signals;
}

namespace {
// The console's stand-in: reads find no input (end of file), writes vanish.
class FakeConsole final : public FileDescription {
public:
    FakeConsole(const Vfs& vfs, Node node, uint32_t flags)
        : FileDescription(flags), m_vfs(vfs), m_node(node) {}
    Result<size_t> read(IoBuffer&) override { return size_t(0); }
    Result<size_t> write(IoBuffer& in) override { return in.length(); }
    void stat(FileStat& out) override { m_vfs.stat(m_node, out); }
    const Node* node() const override { return &m_node; }

private:
    const Vfs& m_vfs;
    Node m_node;
};
// /dev/random's stand-in: a counting pattern.
class FakeRandom final : public FileDescription {
public:
    FakeRandom(const Vfs& vfs, Node node, uint32_t flags)
        : FileDescription(flags), m_vfs(vfs), m_node(node) {}
    Result<size_t> read(IoBuffer& out) override {
        for (size_t i = 0; i < out.length(); ++i) {
            uint8_t b = uint8_t(m_next++ * 151 + 7);
            TRY(out.store(i, &b, 1));
        }
        return out.length();
    }
    Result<size_t> write(IoBuffer& in) override { return in.length(); }
    void stat(FileStat& out) override { m_vfs.stat(m_node, out); }
    const Node* node() const override { return &m_node; }

private:
    const Vfs& m_vfs;
    Node m_node;
    uint32_t m_next = 0;
};
}  // namespace

Result<DescriptionRef> open_random(const Vfs& vfs, Node node, uint32_t flags) {
    auto* d = new (std::nothrow) FakeRandom(vfs, node, flags);
    if (!d) return Error::kNoMemory;
    return DescriptionRef::adopt(d);
}

// The kernel keeps flock's locks; the host tests take none.
void release_flocks(const FileDescription*) {}
void release_description_record_locks(const FileDescription*) {}
void release_table_record_locks(const void*, const FileDescription*) {}
// Nor epoll instances: nothing watches a host test's descriptions.
sync::SpinLock g_epoll_lock;
void forget_epoll_watches(FileDescription*) {}
// Nor sockets: a socket's description is the kernel's (fs/unix_socket), so
// this only runs for one that never was a socket's.
void release_socket_reference(FileDescription* d) {
    if (d->m_refs.drop()) d->destroy();
}

// Processes' mappings are the kernel's: the host tests have none.
void unmap_file_from_processes(uint32_t, uint64_t) {}

// FIFOs need the kernel's pipes: the host tests open none.
Result<DescriptionRef> open_fifo(const Vfs&, Node, uint32_t) {
    return Error::kNoDevice;
}

// /proc's text files: a fixed text naming the node (the real texts come
// from the kernel's figures; test/host/proc_text_test.cpp checks their
// layout).
Result<DescriptionRef> open_proc_text(const Vfs& vfs, Node node, uint32_t flags) {
    char text[32];
    size_t length = size_t(snprintf(text, sizeof(text), "proc text %u\n", unsigned(node.special)));
    HeapPtr<char[]> copy(new (std::nothrow) char[length]);
    if (!copy.get()) return Error::kNoMemory;
    memcpy(copy.get(), text, length);
    return BytesFile::try_create_owning(vfs, node, flags, copy, length);
}

Result<DescriptionRef> open_terminal(const Vfs& vfs, Node node, uint32_t flags) {
    auto* d = new (std::nothrow) FakeConsole(vfs, node, flags);
    if (!d) return Error::kNoMemory;
    return DescriptionRef::adopt(d);
}

}  // namespace nyanos::fs
