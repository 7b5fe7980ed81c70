#include "proc/group_list.h"

#include <new>

namespace nyanos::proc {

GroupList* GroupList::create(uint32_t count) {
    // One block: the header, then the IDs (the header's size keeps them
    // aligned).
    static_assert(sizeof(GroupList) % alignof(uint32_t) == 0);
    auto* raw = new (std::nothrow) uint32_t[(sizeof(GroupList) / sizeof(uint32_t)) + count];
    if (!raw) return nullptr;
    return new (raw) GroupList(count);
}

void GroupList::sort() {
    // Heap sort: no recursion, no allocation, O(n log n) for 65536 IDs.
    uint32_t* a = ids();
    uint32_t n = m_count;
    auto sift = [a](uint32_t root, uint32_t end) {
        for (;;) {
            uint32_t child = 2 * root + 1;
            if (child >= end) return;
            if (child + 1 < end && a[child] < a[child + 1]) ++child;
            if (a[root] >= a[child]) return;
            uint32_t t = a[root];
            a[root] = a[child];
            a[child] = t;
            root = child;
        }
    };
    for (uint32_t i = n / 2; i-- > 0;) sift(i, n);
    for (uint32_t end = n; end > 1; --end) {
        uint32_t t = a[0];
        a[0] = a[end - 1];
        a[end - 1] = t;
        sift(0, end - 1);
    }
}

bool GroupList::contains(uint32_t gid) const {
    uint32_t lo = 0, hi = m_count;
    const uint32_t* a = ids();
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a[mid] == gid) return true;
        if (a[mid] < gid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

void GroupList::release(GroupList* list) {
    if (!list || __atomic_sub_fetch(&list->m_refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    list->~GroupList();
    delete[] reinterpret_cast<uint32_t*>(list);
}

}  // namespace nyanos::proc
