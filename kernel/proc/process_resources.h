// What a process holds besides memory and files: its user and group IDs,
// its umask, its resource limits, and the CPU time and peak memory of the
// children it has reaped. A child starts with its parent's IDs, umask and
// limits (inherit()); exec keeps them. Portable and host-tested.
//
// Per process, shared by its threads (Linux keeps IDs per thread and the C
// library changes them in every thread at once; one set per process has
// the same outcome).
#pragma once

#include <stdint.h>

#include "lib/credentials.h"
#include "fs/vfs.h"
#include "lib/resource_limits.h"
#include "nyanos/lib/result.h"
#include "proc/group_list.h"
#include "proc/process_controls.h"
#include "proc/thread.h"
#include "sync/spinlock.h"

namespace nyanos::proc {

// Guards the IDs and the limit table of every process: a process's threads
// change their own, prlimit() and sched_setaffinity() read another's, and
// prlimit() may change another's limits. A leaf lock (docs/locking.md),
// held only to copy a few words, with interrupts off.
extern sync::SpinLock g_resources_lock;

inline constexpr uint32_t kDefaultUmask = 022;
// prctl's timer slack when nothing set it (Linux's 50 us).
inline constexpr uint64_t kDefaultTimerSlackNs = 50'000;

// What a process may change from the defaults that does not fit in the
// Process itself (its heap slot is full): its limits, its supplementary
// groups, its I/O priority and timer slack. Allocated on the first change,
// copied by fork (the group list shared), kept by exec, freed with the
// process.
struct ResourceExtras {
    rlimit::Table limits;
    GroupList* groups = nullptr;  // a reference; nullptr: no groups
    uint64_t timer_slack_ns = kDefaultTimerSlackNs;
    // What PR_SET_TIMERSLACK 0 goes back to: the slack the parent had at
    // fork (Linux's default_timer_slack_ns).
    uint64_t default_timer_slack_ns = kDefaultTimerSlackNs;
    // chroot's root, where the process's absolute paths start (a hold of
    // its own; empty: the tree's root).
    fs::NodeHold root;
    uint16_t ioprio = 0;  // ioprio_set's value (class << 13 | data), as Linux keeps it
};

// Once at boot, before the first process: the limits every process starts
// with are rlimit::defaults() for `memory_bytes` of RAM.
void init_default_limits(uint64_t memory_bytes);

class ProcessResources {
public:
    ProcessResources() = default;
    ~ProcessResources();
    ProcessResources(const ProcessResources&) = delete;
    ProcessResources& operator=(const ProcessResources&) = delete;

    // A new process (not yet visible to anyone) takes its parent's IDs,
    // umask, limits and controls (ProcessControls::for_child). kNoMemory if the parent has changed
    // a limit (so has a table of its own) and no copy can be allocated; then nothing here changed.
    Result<void> inherit(const ProcessResources& parent) EXCLUDES(g_resources_lock);

    uint32_t umask() const { return __atomic_load_n(&m_umask, __ATOMIC_RELAXED); }
    // umask(): the mask becomes `mask & 0777`; returns the old one.
    uint32_t exchange_umask(uint32_t mask) {
        return __atomic_exchange_n(&m_umask, uint16_t(mask & 0777), __ATOMIC_RELAXED);
    }

    creds::Credentials credentials() const EXCLUDES(g_resources_lock);
    // Runs change(creds::Credentials&) -> Result<void> on the IDs under the
    // lock (the creds:: setters change them only on success); a change
    // resets the controls ProcessControls::on_credentials_change names.
    template <typename Change>
    Result<void> change_credentials(Change&& change) EXCLUDES(g_resources_lock) {
        sync::NoInterruptsGuard lock(g_resources_lock);
        const creds::Credentials before = m_credentials;
        Result<void> result = change(m_credentials);
        m_controls.on_credentials_change(before, m_credentials);
        return result;
    }

    // The prctl settings (proc/process_controls.h): a copy, and a change
    // made by change(ProcessControls&) -> T under the lock.
    ProcessControls controls() const EXCLUDES(g_resources_lock);
    template <typename Change>
    auto change_controls(Change&& change) EXCLUDES(g_resources_lock) {
        sync::NoInterruptsGuard lock(g_resources_lock);
        return change(m_controls);
    }

    rlimit::Limit limit(rlimit::Resource r) const EXCLUDES(g_resources_lock);
    // The supplementary groups: a reference the caller releases
    // (GroupList::release), or nullptr for none.
    GroupList* groups() const EXCLUDES(g_resources_lock);
    // setgroups: `list` (one reference, moved in; nullptr: none) replaces
    // the groups. kNoMemory (and `list` released) if the extras cannot be
    // allocated.
    Result<void> set_groups(GroupList* list) EXCLUDES(g_resources_lock);
    // The timer slack (PR_GET_TIMERSLACK), and PR_SET_TIMERSLACK (0: back
    // to the default). kNoMemory as set_groups.
    uint64_t timer_slack() const EXCLUDES(g_resources_lock);
    Result<void> set_timer_slack(uint64_t ns) EXCLUDES(g_resources_lock);
    // chroot's root: a new hold the caller releases (empty: the tree's
    // root), and chroot's change (`root` moved in; released on kNoMemory).
    // The old root's hold is dropped after the lock (its inode's last
    // reference may go).
    fs::NodeHold root() const EXCLUDES(g_resources_lock);
    Result<void> set_root(fs::NodeHold root) EXCLUDES(g_resources_lock);
    // The I/O priority (0, class NONE, until set), and ioprio_set's change.
    uint16_t ioprio() const EXCLUDES(g_resources_lock);
    Result<void> set_ioprio(uint16_t value) EXCLUDES(g_resources_lock);

    // prlimit's core: if `next` is not null, checks it against the current
    // limit (rlimit::check_change; `privileged`: the caller holds
    // CAP_SYS_RESOURCE) and installs it. Returns the limit as it was before.
    // The first change gives the process a table of its own: kNoMemory if
    // it cannot be allocated. `r` < rlimit::kCount.
    Result<rlimit::Limit> exchange_limit(rlimit::Resource r, const rlimit::Limit* next,
                                         bool privileged) EXCLUDES(g_resources_lock);

    // At reap, by the parent, under the process-table lock (which keeps two
    // reapers apart): the child's own CPU time and what its reaped children
    // used join this process's children's totals; the larger of its peak
    // and its children's joins the children's peak (Linux's cmaxrss).
    void add_reaped_child(const ProcessResources& child, CpuTicks child_own);
    CpuTicks children_ticks() const;
    uint64_t children_peak_resident_pages() const {
        return __atomic_load_n(&m_children_peak_pages, __ATOMIC_RELAXED);
    }

    // When the process was created, in whole seconds since boot (a 32-bit
    // count that fits beside the umask; /proc/<pid>/stat's starttime).
    // Set once, before anyone else can see the process.
    void set_start_time(uint64_t monotonic_ns) {
        m_start_seconds = uint32_t(monotonic_ns / 1'000'000'000);
    }
    uint32_t start_seconds() const { return m_start_seconds; }

    // The resident size is sampled (getrusage, exit), not tracked page by
    // page: the peak is the largest sample.
    void note_resident_pages(uint64_t pages);
    uint64_t peak_resident_pages() const {
        return __atomic_load_n(&m_peak_pages, __ATOMIC_RELAXED);
    }

private:
    const rlimit::Table& limits_locked() const REQUIRES(g_resources_lock);

    creds::Credentials m_credentials GUARDED_BY(g_resources_lock);
    // Has the extras installed: `spare` (allocated by the caller, with the
    // defaults) becomes them if there are none yet, and is then nullptr.
    ResourceExtras& extras_locked(ResourceExtras*& spare) REQUIRES(g_resources_lock);
    // Runs `change` on the extras, allocating them first if needed.
    template <typename Change>
    Result<void> change_extras(Change&& change) EXCLUDES(g_resources_lock);

    // nullptr: the defaults. Allocated by the first change and never freed
    // before the process; so the extras, once there, stay.
    ResourceExtras* m_extras GUARDED_BY(g_resources_lock) = nullptr;
    // Nine bits; a half word, so that the controls fill the other half.
    uint16_t m_umask = kDefaultUmask;
    ProcessControls m_controls GUARDED_BY(g_resources_lock);
    uint32_t m_start_seconds = 0;
    CpuTicks m_children_ticks;  // relaxed atomics: written at reap, read by getrusage
    uint64_t m_children_peak_pages = 0;
    uint64_t m_peak_pages = 0;
};

}  // namespace nyanos::proc
