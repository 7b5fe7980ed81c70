#include "proc/process_resources.h"

#include <new>

namespace nyanos::proc {

sync::SpinLock g_resources_lock;

namespace {

// Written once at boot before any process exists; read-only afterwards.
rlimit::Table g_default_limits = rlimit::defaults(0);

void add_relaxed(uint64_t& to, uint64_t amount) {
    __atomic_store_n(&to, __atomic_load_n(&to, __ATOMIC_RELAXED) + amount, __ATOMIC_RELAXED);
}

void raise_relaxed(uint64_t& to, uint64_t value) {
    if (value > __atomic_load_n(&to, __ATOMIC_RELAXED))
        __atomic_store_n(&to, value, __ATOMIC_RELAXED);
}

}  // namespace

void init_default_limits(uint64_t memory_bytes) {
    g_default_limits = rlimit::defaults(memory_bytes);
}

ProcessResources::~ProcessResources() NO_THREAD_SAFETY_ANALYSIS {
    // The process is being freed: nobody else can reach it any more.
    if (m_extras) {
        GroupList::release(m_extras->groups);
        m_extras->root.release();
    }
    delete m_extras;
}

const rlimit::Table& ProcessResources::limits_locked() const {
    return m_extras ? m_extras->limits : g_default_limits;
}

ResourceExtras& ProcessResources::extras_locked(ResourceExtras*& spare) {
    if (!m_extras) {
        m_extras = spare;
        spare = nullptr;
    }
    return *m_extras;
}

template <typename Change>
Result<void> ProcessResources::change_extras(Change&& change) {
    ResourceExtras* spare = nullptr;
    bool has;
    {
        sync::NoInterruptsGuard lock(g_resources_lock);
        has = m_extras != nullptr;
    }
    // Allocated without the (leaf) lock held; used only if still needed.
    if (!has) {
        spare = new (std::nothrow) ResourceExtras;
        if (!spare) return Error::kNoMemory;
        spare->limits = g_default_limits;
    }
    {
        sync::NoInterruptsGuard lock(g_resources_lock);
        change(extras_locked(spare));
    }
    delete spare;
    return {};
}

Result<void> ProcessResources::inherit(const ProcessResources& parent) {
    // The parent's extras may appear meanwhile (prlimit from elsewhere),
    // but never go away: at most one retry.
    for (;;) {
        bool parent_has_extras;
        {
            sync::NoInterruptsGuard lock(g_resources_lock);
            parent_has_extras = parent.m_extras != nullptr;
        }
        ResourceExtras* copy = nullptr;
        if (parent_has_extras && !(copy = new (std::nothrow) ResourceExtras))
            return Error::kNoMemory;
        ResourceExtras* unused = nullptr;
        bool done = false;
        {
            sync::NoInterruptsGuard lock(g_resources_lock);
            if ((parent.m_extras != nullptr) == parent_has_extras) {
                m_credentials = parent.m_credentials;
                m_controls = parent.m_controls.for_child();
                if (copy) {
                    *copy = *parent.m_extras;
                    if (copy->groups) copy->groups->retain();
                    copy->root = parent.m_extras->root.share();
                    // Linux's fork: the child's default slack is the
                    // parent's current one.
                    copy->default_timer_slack_ns = copy->timer_slack_ns;
                }
                unused = m_extras;  // nullptr for a fresh process
                m_extras = copy;
                done = true;
            }
        }
        if (done) {
            if (unused) {
                GroupList::release(unused->groups);
                unused->root.release();
            }
            delete unused;
            break;
        }
        delete copy;
    }
    __atomic_store_n(&m_umask, parent.umask(), __ATOMIC_RELAXED);
    return {};
}

GroupList* ProcessResources::groups() const {
    sync::NoInterruptsGuard lock(g_resources_lock);
    GroupList* list = m_extras ? m_extras->groups : nullptr;
    if (list) list->retain();
    return list;
}

Result<void> ProcessResources::set_groups(GroupList* list) {
    GroupList* old = nullptr;
    auto r = change_extras([&](ResourceExtras& e) {
        old = e.groups;
        e.groups = list;
    });
    GroupList::release(r.ok() ? old : list);
    return r;
}

fs::NodeHold ProcessResources::root() const {
    sync::NoInterruptsGuard lock(g_resources_lock);
    return m_extras ? m_extras->root.share() : fs::NodeHold();
}

Result<void> ProcessResources::set_root(fs::NodeHold root) {
    fs::NodeHold old;
    auto r = change_extras([&](ResourceExtras& e) {
        old = e.root;
        e.root = root;
    });
    if (r.ok())
        old.release();
    else
        root.release();
    return r;
}

uint64_t ProcessResources::timer_slack() const {
    sync::NoInterruptsGuard lock(g_resources_lock);
    return m_extras ? m_extras->timer_slack_ns : kDefaultTimerSlackNs;
}

Result<void> ProcessResources::set_timer_slack(uint64_t ns) {
    return change_extras(
        [&](ResourceExtras& e) { e.timer_slack_ns = ns ? ns : e.default_timer_slack_ns; });
}

uint16_t ProcessResources::ioprio() const {
    sync::NoInterruptsGuard lock(g_resources_lock);
    return m_extras ? m_extras->ioprio : 0;
}

Result<void> ProcessResources::set_ioprio(uint16_t value) {
    return change_extras([&](ResourceExtras& e) { e.ioprio = value; });
}

creds::Credentials ProcessResources::credentials() const {
    sync::NoInterruptsGuard lock(g_resources_lock);
    return m_credentials;
}

ProcessControls ProcessResources::controls() const {
    sync::NoInterruptsGuard lock(g_resources_lock);
    return m_controls;
}

rlimit::Limit ProcessResources::limit(rlimit::Resource r) const {
    sync::NoInterruptsGuard lock(g_resources_lock);
    return limits_locked()[r];
}

Result<rlimit::Limit> ProcessResources::exchange_limit(rlimit::Resource r,
                                                       const rlimit::Limit* next, bool privileged) {
    ResourceExtras* spare = nullptr;
    if (next) {
        bool has_extras;
        {
            sync::NoInterruptsGuard lock(g_resources_lock);
            has_extras = m_extras != nullptr;
        }
        // Allocated without the (leaf) lock held; used only if still needed.
        if (!has_extras && !(spare = new (std::nothrow) ResourceExtras)) return Error::kNoMemory;
        if (spare) spare->limits = g_default_limits;
    }
    rlimit::Limit old;
    Result<void> allowed;
    {
        sync::NoInterruptsGuard lock(g_resources_lock);
        old = limits_locked()[r];
        if (next) allowed = rlimit::check_change(r, old, *next, privileged);
        if (next && allowed.ok()) {
            extras_locked(spare).limits[r] = *next;
        }
    }
    delete spare;
    if (!allowed.ok()) return allowed.error();
    return old;
}

void ProcessResources::add_reaped_child(const ProcessResources& child, CpuTicks child_own) {
    CpuTicks grand = child.children_ticks();
    add_relaxed(m_children_ticks.user, child_own.user + grand.user);
    add_relaxed(m_children_ticks.system, child_own.system + grand.system);
    raise_relaxed(m_children_peak_pages, child.peak_resident_pages());
    raise_relaxed(m_children_peak_pages, child.children_peak_resident_pages());
}

CpuTicks ProcessResources::children_ticks() const {
    return CpuTicks{__atomic_load_n(&m_children_ticks.user, __ATOMIC_RELAXED),
                    __atomic_load_n(&m_children_ticks.system, __ATOMIC_RELAXED)};
}

void ProcessResources::note_resident_pages(uint64_t pages) {
    // Only the process's own threads sample it; a lost race between two of
    // them loses a sample, not the peak of the other.
    raise_relaxed(m_peak_pages, pages);
}

}  // namespace nyanos::proc
