// Linux's execve: the path, argv and envp copied in with Linux's limits,
// then proc::exec_current replaces the caller's image.
#include "syscall/linux_exec.h"

#include "lib/heap_ptr.h"
#include "mm/heap.h"
#include "proc/lifecycle.h"
#include "proc/linux_layout.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

namespace {

constexpr size_t kPathMax = 4096;  // PATH_MAX, the terminating NUL included

// argv and envp copied into one kernel block: the strings from the start
// upwards, the pointers from the end downwards, so that together they stay
// within one budget, as Linux counts them (strings + one pointer each,
// at most a quarter of RLIMIT_STACK).
class ArgBlock {
public:
    ~ArgBlock() { kfree(m_block); }

    // Copies both vectors; E2BIG beyond the budget or for a string longer
    // than MAX_ARG_STRLEN, EFAULT for bad pointers.
    Result<void> copy(uint64_t user_argv, uint64_t user_envp) {
        // Most argument lists are small: a 16 KiB block first, the full
        // budget only if that does not do.
        auto first = copy_with(16 * 1024, user_argv, user_envp);
        if (first.ok() || first.error() != Error::kRange) return first;
        return copy_with(proc::kLinuxMaxArgBytes + 2 * sizeof(char*), user_argv, user_envp);
    }

    proc::ProgramArgs args() const { return {m_argv, m_argc, m_envp, m_envc}; }

private:
    Result<void> copy_with(size_t capacity, uint64_t user_argv, uint64_t user_envp) {
        kfree(m_block);
        m_block = static_cast<char*>(kmalloc(capacity));
        if (!m_block) return Error::kNoMemory;
        m_capacity = capacity;
        m_used = 0;
        m_pointers = 0;
        m_argc = TRY(copy_vector(user_argv));
        TRY(push_pointer(nullptr));
        m_envc = TRY(copy_vector(user_envp));
        TRY(push_pointer(nullptr));
        // The pointers were stacked downwards from the block's end: argv
        // is the higher run, envp the lower; reverse both into order.
        auto** top = reinterpret_cast<const char**>(m_block + m_capacity);
        const char** all = top - m_pointers;
        for (size_t i = 0, j = m_pointers - 1; i < j; ++i, --j) {
            const char* t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        m_argv = all;
        m_envp = all + m_argc + 1;
        return {};
    }

    Result<void> push_pointer(const char* p) {
        if (m_used + (m_pointers + 1) * sizeof(char*) > m_capacity) return full();
        reinterpret_cast<const char**>(m_block + m_capacity)[-1 - int64_t(m_pointers)] = p;
        ++m_pointers;
        return {};
    }

    // E2BIG when even the full budget is exceeded, else kRange: retry.
    Error full() const {
        return m_capacity > proc::kLinuxMaxArgBytes ? Error::kArgListTooBig : Error::kRange;
    }

    Result<size_t> copy_vector(uint64_t user_vector) {
        size_t count = 0;
        if (!user_vector) return count;  // Linux treats NULL as an empty list
        for (;; ++count) {
            uint64_t pointer;
            TRY(copy_from_user(&pointer, user_vector + count * 8, 8));
            if (!pointer) return count;
            size_t room = m_capacity - m_used - (m_pointers + 1) * sizeof(char*);
            size_t max = room < proc::kLinuxMaxArgString ? room : proc::kLinuxMaxArgString;
            auto n = copy_string_from_user(m_block + m_used, pointer, max);
            if (!n.ok()) {
                if (n.error() != Error::kNameTooLong) return n.error();
                if (max == proc::kLinuxMaxArgString) return Error::kArgListTooBig;
                return full();
            }
            const char* s = m_block + m_used;
            m_used += n.value() + 1;
            TRY(push_pointer(s));
        }
    }

    char* m_block = nullptr;
    size_t m_capacity = 0, m_used = 0, m_pointers = 0;
    const char** m_argv = nullptr;
    const char** m_envp = nullptr;
    size_t m_argc = 0, m_envc = 0;
};

}  // namespace

// execve(path, argv, envp): returns only on failure; on success the frame
// holds the new program's first registers.
int64_t linux_execve(SyscallFrame& f) {
    HeapPtr<char[]> path(new (std::nothrow) char[kPathMax]);
    if (!path.get()) return errno_of(Error::kNoMemory);
    auto p = copy_string_from_user(path.get(), f.rdi, kPathMax);
    if (!p.ok()) return errno_of(p.error());
    if (p.value() == 0) return errno_of(Error::kNoEntry);
    HeapPtr<ArgBlock> block(new (std::nothrow) ArgBlock);
    if (!block.get()) return errno_of(Error::kNoMemory);
    auto copied = block->copy(f.rsi, f.rdx);
    if (!copied.ok()) return errno_of(copied.error());
    auto r = proc::exec_current(path.get(), block->args(), f);
    if (!r.ok()) {
        // Linux's execve says EACCES for a directory.
        return errno_of(r.error() == Error::kIsDirectory ? Error::kAccess : r.error());
    }
    request_full_return();
    return 0;
}

}  // namespace nyanos::sys
