// Intrusive reference counting: RefCount (the counter an object embeds) and
// RefPtr<T> (one counted reference, dropped when the RefPtr goes).
//
// T provides add_ref() and release_ref(); release_ref() frees the object
// when it drops the last reference. Counts are atomic: references to one
// object may be taken and dropped on several CPUs at once (a description
// shared by two processes). A new object starts with one reference, which
// its creator hands to a RefPtr with RefPtr::adopt.
#pragma once

#include <stdint.h>

namespace nyanos {

class RefCount {
public:
    RefCount() = default;
    RefCount(const RefCount&) = delete;
    RefCount& operator=(const RefCount&) = delete;

    void add() { __atomic_fetch_add(&m_count, 1, __ATOMIC_RELAXED); }
    // True when this dropped the last reference: the caller frees the object.
    bool drop() { return __atomic_sub_fetch(&m_count, 1, __ATOMIC_ACQ_REL) == 0; }
    uint32_t count() const { return __atomic_load_n(&m_count, __ATOMIC_RELAXED); }
    // add() unless the count is 0 (the object is being freed): for an
    // object found through a table that does not hold a reference itself.
    bool add_unless_zero() {
        uint32_t n = __atomic_load_n(&m_count, __ATOMIC_RELAXED);
        while (n != 0) {
            if (__atomic_compare_exchange_n(&m_count, &n, n + 1, true, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED))
                return true;
        }
        return false;
    }

private:
    uint32_t m_count = 1;
};

template <typename T>
class RefPtr {
public:
    RefPtr() = default;
    RefPtr(decltype(nullptr)) {}
    // Takes over a reference the caller owns (a new object's first one).
    static RefPtr adopt(T* p) {
        RefPtr r;
        r.m_p = p;
        return r;
    }
    // A new reference to `p` (not null).
    static RefPtr share(T* p) {
        p->add_ref();
        return adopt(p);
    }

    RefPtr(const RefPtr& other) : m_p(other.m_p) {
        if (m_p) m_p->add_ref();
    }
    RefPtr(RefPtr&& other) : m_p(other.m_p) { other.m_p = nullptr; }
    RefPtr& operator=(const RefPtr& other) {
        RefPtr copy(other);
        swap(copy);
        return *this;
    }
    RefPtr& operator=(RefPtr&& other) {
        RefPtr moved(static_cast<RefPtr&&>(other));
        swap(moved);
        return *this;
    }
    ~RefPtr() { reset(); }

    void reset() {
        T* p = m_p;
        m_p = nullptr;
        if (p) p->release_ref();
    }
    // Hands the reference to the caller, who must balance it with release_ref().
    [[nodiscard]] T* leak() {
        T* p = m_p;
        m_p = nullptr;
        return p;
    }
    void swap(RefPtr& other) {
        T* p = m_p;
        m_p = other.m_p;
        other.m_p = p;
    }

    T* get() const { return m_p; }
    T* operator->() const { return m_p; }
    T& operator*() const { return *m_p; }
    explicit operator bool() const { return m_p != nullptr; }

private:
    T* m_p = nullptr;
};

}  // namespace nyanos
