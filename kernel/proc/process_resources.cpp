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
    delete m_limits;
}

const rlimit::Table& ProcessResources::limits_locked() const {
    return m_limits ? *m_limits : g_default_limits;
}

Result<void> ProcessResources::inherit(const ProcessResources& parent) {
    // The parent's table may appear meanwhile (prlimit from elsewhere), but
    // never goes away: at most one retry.
    for (;;) {
        bool parent_has_table;
        {
            sync::NoInterruptsGuard lock(g_resources_lock);
            parent_has_table = parent.m_limits != nullptr;
        }
        rlimit::Table* copy = nullptr;
        if (parent_has_table && !(copy = new (std::nothrow) rlimit::Table)) return Error::kNoMemory;
        rlimit::Table* unused = nullptr;
        bool done = false;
        {
            sync::NoInterruptsGuard lock(g_resources_lock);
            if ((parent.m_limits != nullptr) == parent_has_table) {
                m_credentials = parent.m_credentials;
                m_controls = parent.m_controls.for_child();
                if (copy) *copy = *parent.m_limits;
                unused = m_limits;  // nullptr for a fresh process
                m_limits = copy;
                done = true;
            }
        }
        if (done) {
            delete unused;
            break;
        }
        delete copy;
    }
    __atomic_store_n(&m_umask, parent.umask(), __ATOMIC_RELAXED);
    return {};
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
    rlimit::Table* spare = nullptr;
    if (next) {
        bool has_table;
        {
            sync::NoInterruptsGuard lock(g_resources_lock);
            has_table = m_limits != nullptr;
        }
        // Allocated without the (leaf) lock held; used only if still needed.
        if (!has_table && !(spare = new (std::nothrow) rlimit::Table)) return Error::kNoMemory;
    }
    rlimit::Limit old;
    Result<void> allowed;
    {
        sync::NoInterruptsGuard lock(g_resources_lock);
        old = limits_locked()[r];
        if (next) allowed = rlimit::check_change(r, old, *next, privileged);
        if (next && allowed.ok()) {
            if (!m_limits) {
                *spare = g_default_limits;
                m_limits = spare;
                spare = nullptr;
            }
            (*m_limits)[r] = *next;
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
