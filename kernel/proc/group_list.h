// A process's supplementary group IDs (setgroups, getgroups), as Linux
// keeps them: sorted (getgroups returns them in order), duplicates kept,
// at most kNgroupsMax. Immutable once made and shared by reference count:
// fork shares its parent's list, setgroups makes a new one, and a reader
// (getgroups) holds a reference while it copies the IDs out. Portable and
// host-tested.
#pragma once

#include <stdint.h>

namespace nyanos::proc {

inline constexpr uint32_t kNgroupsMax = 65536;  // NGROUPS_MAX

class GroupList {
public:
    // A list of `count` IDs (filled by the caller through ids(), then
    // sort()ed) with one reference; nullptr when out of memory.
    static GroupList* create(uint32_t count);
    GroupList(const GroupList&) = delete;
    GroupList& operator=(const GroupList&) = delete;

    uint32_t count() const { return m_count; }
    uint32_t* ids() { return reinterpret_cast<uint32_t*>(this + 1); }
    const uint32_t* ids() const { return reinterpret_cast<const uint32_t*>(this + 1); }
    // Ascending order (Linux's groups_sort), before it is shared.
    void sort();
    // Whether `gid` is in the list.
    bool contains(uint32_t gid) const;

    void retain() { __atomic_add_fetch(&m_refs, 1, __ATOMIC_RELAXED); }
    // Drops a reference; the last frees the list. Null is allowed.
    static void release(GroupList* list);

private:
    explicit GroupList(uint32_t count) : m_count(count) {}
    ~GroupList() = default;
    uint32_t m_refs = 1;
    uint32_t m_count;
};

}  // namespace nyanos::proc
