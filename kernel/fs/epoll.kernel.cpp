#include "fs/epoll.h"

#include <new>

#include "fs/anon_file.h"
#include "lib/heap_ptr.h"
#include "proc/scheduler_lock.h"
#include "proc/wait_event.h"

namespace nyanos::fs {

sync::SpinLock g_epoll_lock;

namespace {

using proc::g_scheduler_lock;
namespace eb = epoll_bits;

const char kEpollTag = 0;
// Linux's EP_MAX_NESTS: how deep epoll files may watch epoll files.
constexpr int kMaxNesting = 4;

class Epoll;

}  // namespace

// One file in one interest list.
struct EpollItem {
    EpollItem(Epoll* epoll, FileDescription* file, int fd) : owner(epoll), file(file), fd(fd) {
        waiter.set_hook(&EpollItem::fired, this);
    }

    static void fired(void* context);

    Epoll* const owner;
    FileDescription* const file;  // not counted: its release removes the item first
    const int fd;
    uint32_t events GUARDED_BY(g_epoll_lock) = 0;
    uint64_t data GUARDED_BY(g_epoll_lock) = 0;
    EpollItem* next_in_list GUARDED_BY(g_epoll_lock) = nullptr;   // the epoll's interest list
    EpollItem* next_watching GUARDED_BY(g_epoll_lock) = nullptr;  // the file's watchers
    bool queued GUARDED_BY(g_scheduler_lock) = false;             // on the ready list
    EpollItem* next_ready GUARDED_BY(g_scheduler_lock) = nullptr;
    // The file's events: today's kinds subscribe to at most two (a FIFO
    // open for both reading and writing); room for four. A kind needing
    // more would lose the rest (PollWaiter's overflow re-look needs a
    // waiting thread, and an item has none).
    static constexpr size_t kEvents = 4;
    proc::PollEntry entries[kEvents];
    proc::PollWaiter waiter{entries, kEvents};
};

namespace {

class Epoll final : public AnonFile {
public:
    Epoll() : AnonFile(open_flags::kReadWrite) {}

    const void* kind() const override { return &kEpollTag; }

    uint32_t poll(proc::PollWaiter* waiter) override NO_THREAD_SAFETY_ANALYSIS {
        if (waiter) waiter->subscribe(m_event);
        // An outer epoll's wait polls this one with the epoll lock held
        // (which keeps every item and its file alive); poll() and select()
        // come without it.
        if (g_epoll_lock.held_here()) return any_ready_locked() ? kReadable : 0;
        sync::NoInterruptsGuard lock(g_epoll_lock);
        return any_ready_locked() ? kReadable : 0;
    }

    Result<void> control(int op, int fd, FileDescription& target, const EpollEvent& event)
        EXCLUDES(g_epoll_lock);
    Result<int> wait(EpollEvent* out, int max, proc::Deadline deadline, bool look_only)
        EXCLUDES(g_epoll_lock);

    // The hook's part (under the scheduler lock): `item` may be ready.
    void queue_locked(EpollItem* item) REQUIRES(g_scheduler_lock) {
        if (item->queued) {
            // Already queued, but a new event all the same: whoever polls
            // this epoll (an outer one) looks again, as Linux wakes them.
            m_event.notify_locked();
            return;
        }
        item->queued = true;
        item->next_ready = nullptr;
        if (m_ready_tail) {
            m_ready_tail->next_ready = item;
        } else {
            m_ready_head = item;
        }
        m_ready_tail = item;
        m_event.notify_locked();
    }

    // Takes `item` out of every list and frees it.
    void remove_locked(EpollItem* item) REQUIRES(g_epoll_lock);
    // Whether this epoll reaches `target` through epoll items, at most
    // `depth` levels down (a deeper chain counts as reaching it).
    bool reaches_locked(const Epoll* target, int depth) const REQUIRES(g_epoll_lock);

private:
    ~Epoll() override {
        sync::NoInterruptsGuard lock(g_epoll_lock);
        while (m_items) remove_locked(m_items);
    }

    static constexpr uint32_t kReadable = poll_events::kIn | poll_events::kReadNormal;

    // Whether a queued item's file has one of its events now (Linux's
    // ep_eventpoll_poll looks at each the same way).
    bool any_ready_locked() const REQUIRES(g_epoll_lock) {
        for (EpollItem* i = m_items; i; i = i->next_in_list) {
            uint32_t wanted = i->events & ~eb::kPrivate;
            if (!wanted) continue;
            bool queued;
            {
                sync::NoInterruptsGuard sched(g_scheduler_lock);
                queued = i->queued;
            }
            if (queued && (i->file->poll(nullptr) & (wanted | eb::kErr | eb::kHup))) return true;
        }
        return false;
    }

    EpollItem* find_locked(int fd, const FileDescription* file) const REQUIRES(g_epoll_lock) {
        for (EpollItem* i = m_items; i; i = i->next_in_list)
            if (i->fd == fd && i->file == file) return i;
        return nullptr;
    }
    void unqueue_locked(EpollItem* item) REQUIRES(g_scheduler_lock);
    int scan_locked(EpollEvent* out, int max) REQUIRES(g_epoll_lock);

    EpollItem* m_items GUARDED_BY(g_epoll_lock) = nullptr;
    size_t m_count GUARDED_BY(g_epoll_lock) = 0;
    EpollItem* m_ready_head GUARDED_BY(g_scheduler_lock) = nullptr;
    EpollItem* m_ready_tail GUARDED_BY(g_scheduler_lock) = nullptr;
    proc::WaitEvent m_event;  // an item was queued
};

Epoll* as_epoll(FileDescription& file) {
    return file.kind() == &kEpollTag ? static_cast<Epoll*>(&file) : nullptr;
}

void Epoll::unqueue_locked(EpollItem* item) {
    if (!item->queued) return;
    EpollItem* prev = nullptr;
    for (EpollItem* i = m_ready_head; i; prev = i, i = i->next_ready) {
        if (i != item) continue;
        if (prev) {
            prev->next_ready = i->next_ready;
        } else {
            m_ready_head = i->next_ready;
        }
        if (m_ready_tail == i) m_ready_tail = prev;
        break;
    }
    item->queued = false;
    item->next_ready = nullptr;
}

void Epoll::remove_locked(EpollItem* item) {
    for (EpollItem** link = &m_items; *link; link = &(*link)->next_in_list) {
        if (*link != item) continue;
        *link = item->next_in_list;
        break;
    }
    --m_count;
    for (EpollItem** link = &item->file->epoll_watches; *link; link = &(*link)->next_watching) {
        if (*link != item) continue;
        *link = item->next_watching;
        break;
    }
    item->waiter.unsubscribe_all();
    {
        sync::NoInterruptsGuard lock(g_scheduler_lock);
        unqueue_locked(item);
    }
    delete item;
}

bool Epoll::reaches_locked(const Epoll* target, int depth) const {
    for (EpollItem* i = m_items; i; i = i->next_in_list) {
        Epoll* inner = as_epoll(*i->file);
        if (!inner) continue;
        if (inner == target || depth <= 0) return true;
        if (inner->reaches_locked(target, depth - 1)) return true;
    }
    return false;
}

Result<void> Epoll::control(int op, int fd, FileDescription& target, const EpollEvent& event) {
    // (epoll_control checked EPERM first, as Linux does.)
    if (&target == this) return Error::kInvalid;
    Epoll* inner = as_epoll(target);
    if (op != eb::kCtlDel && (event.events & eb::kExclusive)) {
        // EPOLLEXCLUSIVE: ADD only, not on an epoll, with few other bits.
        if (op == eb::kCtlMod || inner) return Error::kInvalid;
        constexpr uint32_t kAllowed = eb::kExclusive | eb::kIn | eb::kOut | eb::kErr | eb::kHup |
                                      eb::kWakeUp | eb::kEdge | eb::kRdNorm | eb::kRdBand |
                                      eb::kWrNorm | eb::kWrBand | eb::kMsg | eb::kRdHup | eb::kPri;
        if (event.events & ~kAllowed) return Error::kInvalid;
    }
    // EPOLLWAKEUP needs CAP_BLOCK_SUSPEND; Linux drops it silently without.
    // NyanOS has no suspend: the bit is kept, and means nothing.
    EpollItem* fresh = nullptr;
    if (op == eb::kCtlAdd) {
        fresh = new (std::nothrow) EpollItem(this, &target, fd);
        if (!fresh) return Error::kNoMemory;
    }
    HeapPtr<EpollItem> spare(fresh);
    if (op != eb::kCtlAdd && op != eb::kCtlDel && op != eb::kCtlMod) return Error::kInvalid;
    bool look = false;
    {
        sync::NoInterruptsGuard lock(g_epoll_lock);
        EpollItem* item = find_locked(fd, &target);
        switch (op) {
            case eb::kCtlAdd: {
                if (item) return Error::kExists;
                if (inner && (inner->reaches_locked(this, kMaxNesting))) return Error::kLoop;
                item = spare.release();
                item->events = event.events;
                item->data = event.data;
                item->next_in_list = m_items;
                m_items = item;
                ++m_count;
                item->next_watching = target.epoll_watches;
                target.epoll_watches = item;
                target.note_epoll_watch();
                // Subscribe before the first look, as poll() does.
                (void)target.poll(&item->waiter);
                look = true;
                break;
            }
            case eb::kCtlMod:
                if (!item) return Error::kNoEntry;
                if (event.events & eb::kExclusive) return Error::kInvalid;
                item->events = event.events;
                item->data = event.data;
                look = true;
                break;
            case eb::kCtlDel:
                if (!item) return Error::kNoEntry;
                remove_locked(item);
                break;
        }
        if (look) {
            // Queue it: the next wait looks at it (and drops it if it is
            // not ready), as Linux's ep_insert and ep_modify check at once.
            sync::NoInterruptsGuard sched(g_scheduler_lock);
            queue_locked(item);
        }
    }
    return {};
}

int Epoll::scan_locked(EpollEvent* out, int max) {
    // The queued items, taken off the list into an array: a hook may queue
    // one again while it is being looked at.
    HeapPtr<EpollItem*[]> batch(m_count ? new (std::nothrow) EpollItem*[m_count] : nullptr);
    if (!batch.get()) return 0;  // nothing to look at, or no memory: nothing reported
    size_t taken = 0;
    {
        sync::NoInterruptsGuard sched(g_scheduler_lock);
        while (m_ready_head && taken < m_count) {
            EpollItem* i = m_ready_head;
            m_ready_head = i->next_ready;
            i->next_ready = nullptr;
            i->queued = false;
            batch[taken++] = i;
        }
        if (!m_ready_head) m_ready_tail = nullptr;
    }
    int n = 0;
    size_t i = 0;
    for (; i < taken && n < max; ++i) {
        EpollItem* item = batch[i];
        uint32_t wanted = item->events & ~eb::kPrivate;
        if (!wanted) continue;  // a EPOLLONESHOT item already reported
        uint32_t mask = item->file->poll(nullptr) & (wanted | eb::kErr | eb::kHup);
        if (!mask) {
            batch[i] = nullptr;  // not ready: off the list until its file's event fires
            continue;
        }
        out[n].events = mask;
        out[n].data = item->data;
        ++n;
        if (item->events & eb::kOneShot) {
            item->events &= eb::kPrivate;
            batch[i] = nullptr;
        } else if (item->events & eb::kEdge) {
            batch[i] = nullptr;
        }
    }
    // Level-triggered items reported stay queued (the next wait looks at
    // them again), and so do the ones there was no room for.
    sync::NoInterruptsGuard sched(g_scheduler_lock);
    for (size_t k = 0; k < taken; ++k)
        if (batch[k] && (k >= i || (batch[k]->events & ~eb::kPrivate))) queue_locked(batch[k]);
    return n;
}

Result<int> Epoll::wait(EpollEvent* out, int max, proc::Deadline deadline, bool look_only) {
    proc::PollEntry entry;
    proc::PollWaiter waiter(&entry, 1);
    waiter.subscribe(m_event);
    for (;;) {
        int n;
        {
            sync::NoInterruptsGuard lock(g_epoll_lock);
            n = scan_locked(out, max);
        }
        if (n || look_only) return n;
        proc::WakeReason woke = waiter.wait(deadline);
        if (proc::wait_interrupted(woke)) return Error::kInterrupted;
        if (woke == proc::WakeReason::kTimedOut) {
            sync::NoInterruptsGuard lock(g_epoll_lock);
            return scan_locked(out, max);
        }
    }
}

}  // namespace

void EpollItem::fired(void* context) NO_THREAD_SAFETY_ANALYSIS {
    // WaitEvent::notify_locked runs hooks with the scheduler lock held.
    auto* item = static_cast<EpollItem*>(context);
    item->owner->queue_locked(item);
}

void forget_epoll_watches(FileDescription* d) {
    sync::NoInterruptsGuard lock(g_epoll_lock);
    while (EpollItem* item = d->epoll_watches) item->owner->remove_locked(item);
}

Result<DescriptionRef> create_epoll() {
    auto* file = new (std::nothrow) Epoll;
    if (!file) return Error::kNoMemory;
    return DescriptionRef::adopt(file);
}

Result<void> epoll_control(FileDescription& epoll, int op, int fd, FileDescription& target,
                           const EpollEvent& event) {
    // Linux's order: EPERM for a file without a poll of its own (its
    // file_can_poll: regular files, directories and the memory devices
    // here), then EINVAL for an epfd that is not an epoll or is the file
    // itself, then the op.
    FileStat st;
    target.stat(st);
    uint32_t type = st.mode & mode_bits::kTypeMask;
    if (type == mode_bits::kRegular || type == mode_bits::kDirectory || !target.can_poll())
        return Error::kPermission;
    Epoll* e = as_epoll(epoll);
    if (!e) return Error::kInvalid;
    return e->control(op, fd, target, event);
}

Result<int> epoll_wait_events(FileDescription& epoll, EpollEvent* out, int max,
                              proc::Deadline deadline, bool look_only) {
    Epoll* e = as_epoll(epoll);
    if (!e) return Error::kInvalid;
    return e->wait(out, max, deadline, look_only);
}

}  // namespace nyanos::fs
