#include "fs/fd_table.h"

#include <new>

#include "fs/kernel_hooks.h"
#include "lib/nospec.h"

namespace nyanos::fs {

Result<FdTable*> FdTable::try_create() {
    FdTable* t = new (std::nothrow) FdTable;
    if (!t) return Error::kNoMemory;
    return t;
}

FdTable::~FdTable() {
    // The last reference is gone: nobody else can reach the slots.
    for (int fd = 0; fd < m_capacity; ++fd) {
        if (m_slots[fd].description) let_go(m_slots[fd].description);
    }
    if (m_slots != m_first_slots) delete[] m_slots;
}

void FdTable::let_go(FileDescription* d) {
    release_table_record_locks(this, d);
    d->release_ref();
}

void FdTable::release_ref() {
    if (m_refs.drop()) delete this;
}

void FdTable::release(FdTable*& table) {
    if (table) table->release_ref();
    table = nullptr;
}

Result<FdTable*> FdTable::copy_if_shared(FdTable* table) {
    if (!table->is_shared()) return nullptr;
    return table->try_clone();
}

Result<FdTable*> FdTable::try_clone() {
    return clone(false);
}

Result<FdTable*> FdTable::try_clone_for_spawn() {
    return clone(true);
}

Result<FdTable*> FdTable::clone(bool skip_cloexec) {
    FdTable* copy = new (std::nothrow) FdTable;
    if (!copy) return Error::kNoMemory;
    // The copy's own first slots unless the descriptors need more. Nobody
    // else knows the copy yet, so they are filled without its lock.
    Slot* slots = copy->unshared_first_slots();
    int capacity = kFirstCapacity;
    {
        sync::Guard lock(m_lock);
        int top = -1;
        for (int fd = 0; fd < m_capacity; ++fd) {
            const Slot& s = m_slots[fd];
            if (s.description && !(skip_cloexec && s.cloexec)) top = fd;
        }
        if (top + 1 > kFirstCapacity) {
            capacity = top + 1;
            slots = new (std::nothrow) Slot[capacity];
            if (!slots) {
                delete copy;
                return Error::kNoMemory;
            }
        }
        for (int fd = 0; fd <= top; ++fd) {
            const Slot& s = m_slots[fd];
            if (!s.description || (skip_cloexec && s.cloexec)) continue;
            s.description->add_ref();
            slots[fd] = s;
        }
    }
    // Nobody else knows the copy yet; its lock is taken only to say so.
    sync::Guard lock(copy->m_lock);
    copy->m_slots = slots;
    copy->m_capacity = capacity;
    return copy;
}

FdTable::Slot& FdTable::slot_locked(int fd) const {
    return m_slots[array_index_nospec(size_t(fd), size_t(m_capacity))];
}

bool FdTable::is_open_locked(int fd) const {
    return fd >= 0 && fd < m_capacity && slot_locked(fd).description;
}

namespace {
int clamp_limit(int limit) {
    return limit < 0 ? 0 : limit > FdTable::kMaxFds ? FdTable::kMaxFds : limit;
}
}  // namespace

int FdTable::lowest_free_locked(int lowest, int limit) const {
    if (lowest < 0) lowest = 0;
    for (int fd = lowest; fd < m_capacity && fd < limit; ++fd) {
        if (!slot_locked(fd).description) return fd;
    }
    int fd = lowest > m_capacity ? lowest : m_capacity;
    return fd < limit ? fd : limit;
}

Result<void> FdTable::ensure_capacity_locked(int fd) {
    if (fd < m_capacity) return {};
    int capacity = m_capacity;
    while (capacity <= fd) capacity *= 2;
    if (capacity > kMaxFds) capacity = kMaxFds;
    Slot* slots = new (std::nothrow) Slot[capacity];
    if (!slots) return Error::kNoMemory;
    for (int i = 0; i < m_capacity; ++i) slots[i] = m_slots[i];
    if (m_slots != m_first_slots) delete[] m_slots;
    m_slots = slots;
    m_capacity = capacity;
    return {};
}

Result<int> FdTable::install(DescriptionRef d, bool cloexec, int lowest, int limit) {
    limit = clamp_limit(limit);
    sync::Guard lock(m_lock);
    int fd = lowest_free_locked(lowest, limit);
    if (fd >= limit) return Error::kTooManyFiles;
    TRY(ensure_capacity_locked(fd));
    m_slots[fd] = Slot{d.leak(), cloexec};
    return fd;
}

Result<void> FdTable::install_pair(DescriptionRef a, DescriptionRef b, bool cloexec, int fds[2],
                                   int limit) {
    limit = clamp_limit(limit);
    sync::Guard lock(m_lock);
    int first = lowest_free_locked(0, limit);
    if (first >= limit) return Error::kTooManyFiles;
    TRY(ensure_capacity_locked(first));
    int second = lowest_free_locked(first + 1, limit);
    if (second >= limit) return Error::kTooManyFiles;
    TRY(ensure_capacity_locked(second));
    m_slots[first] = Slot{a.leak(), cloexec};
    m_slots[second] = Slot{b.leak(), cloexec};
    fds[0] = first;
    fds[1] = second;
    return {};
}

Result<DescriptionRef> FdTable::get(int fd) {
    sync::Guard lock(m_lock);
    if (!is_open_locked(fd)) return Error::kBadFd;
    return DescriptionRef::share(slot_locked(fd).description);
}

Result<void> FdTable::close(int fd) {
    FileDescription* d;
    {
        sync::Guard lock(m_lock);
        if (!is_open_locked(fd)) return Error::kBadFd;
        d = slot_locked(fd).description;
        slot_locked(fd) = Slot{};
    }
    let_go(d);
    return {};
}

Result<int> FdTable::duplicate(int fd, int lowest, bool cloexec, int limit) {
    limit = clamp_limit(limit);
    sync::Guard lock(m_lock);
    if (!is_open_locked(fd)) return Error::kBadFd;
    int target = lowest_free_locked(lowest, limit);
    if (target >= limit) return Error::kTooManyFiles;
    TRY(ensure_capacity_locked(target));
    FileDescription* d = slot_locked(fd).description;
    d->add_ref();
    slot_locked(target) = Slot{d, cloexec};
    return target;
}

Result<int> FdTable::duplicate_to(int fd, int target, bool cloexec, int limit) {
    limit = clamp_limit(limit);
    FileDescription* replaced;
    {
        sync::Guard lock(m_lock);
        if (!is_open_locked(fd)) return Error::kBadFd;
        if (target < 0 || target >= limit) return Error::kBadFd;
        if (fd == target) return target;
        TRY(ensure_capacity_locked(target));
        FileDescription* d = slot_locked(fd).description;
        d->add_ref();
        replaced = slot_locked(target).description;
        slot_locked(target) = Slot{d, cloexec};
    }
    if (replaced) let_go(replaced);
    return target;
}

Result<bool> FdTable::close_on_exec_flag(int fd) {
    sync::Guard lock(m_lock);
    if (!is_open_locked(fd)) return Error::kBadFd;
    return slot_locked(fd).cloexec;
}

Result<void> FdTable::set_close_on_exec_flag(int fd, bool cloexec) {
    sync::Guard lock(m_lock);
    if (!is_open_locked(fd)) return Error::kBadFd;
    slot_locked(fd).cloexec = cloexec;
    return {};
}

template <typename Pick>
void FdTable::close_matching(int first, int last, Pick&& pick) {
    int fd = first;
    for (;;) {
        FileDescription* d = nullptr;
        {
            sync::Guard lock(m_lock);
            for (; fd <= last && fd < m_capacity; ++fd) {
                Slot& s = slot_locked(fd);
                if (s.description && pick(s)) {
                    d = s.description;
                    s = Slot{};
                    break;
                }
            }
        }
        if (!d) return;
        let_go(d);
    }
}

void FdTable::close_on_exec() {
    close_matching(0, kMaxFds - 1, [](const Slot& s) { return s.cloexec; });
}

void FdTable::close_range(unsigned first, unsigned last, bool only_mark) {
    if (first >= unsigned(kMaxFds) || first > last) return;
    int hi = last >= unsigned(kMaxFds) ? kMaxFds - 1 : int(last);
    if (only_mark) {
        sync::Guard lock(m_lock);
        for (int fd = int(first); fd <= hi && fd < m_capacity; ++fd) {
            if (slot_locked(fd).description) slot_locked(fd).cloexec = true;
        }
        return;
    }
    close_matching(int(first), hi, [](const Slot&) { return true; });
}

int FdTable::capacity() const {
    sync::Guard lock(m_lock);
    return m_capacity;
}

int FdTable::first_open_from(int fd) const {
    sync::Guard lock(m_lock);
    for (int i = fd < 0 ? 0 : fd; i < m_capacity; ++i) {
        if (slot_locked(i).description) return i;
    }
    return -1;
}

int FdTable::open_count() const {
    sync::Guard lock(m_lock);
    int n = 0;
    for (int fd = 0; fd < m_capacity; ++fd) {
        if (m_slots[fd].description) ++n;
    }
    return n;
}

}  // namespace nyanos::fs
