// HeapPtr<T> / HeapPtr<T[]>: sole ownership of a kernel heap allocation,
// deleted on every path out of its scope (early TRY returns included). For
// what is too large for a small kernel stack: build it with
// `new (std::nothrow)`, check get() for nullptr (out of memory), use it.
// Not copyable; release() hands the object on.
#pragma once

namespace nyanos {

template <typename T>
class HeapPtr {
public:
    explicit HeapPtr(T* p) : m_p(p) {}
    ~HeapPtr() { delete m_p; }
    HeapPtr(const HeapPtr&) = delete;
    HeapPtr& operator=(const HeapPtr&) = delete;

    T* get() const { return m_p; }
    // Gives up ownership: the caller now owns the object.
    T* release() {
        T* p = m_p;
        m_p = nullptr;
        return p;
    }
    // Frees what it held, and holds `p` instead.
    void reset(T* p) {
        delete m_p;
        m_p = p;
    }
    T* operator->() const { return m_p; }
    T& operator*() const { return *m_p; }

private:
    T* m_p;
};

template <typename T>
class HeapPtr<T[]> {
public:
    explicit HeapPtr(T* p) : m_p(p) {}
    ~HeapPtr() { delete[] m_p; }
    HeapPtr(const HeapPtr&) = delete;
    HeapPtr& operator=(const HeapPtr&) = delete;

    T* get() const { return m_p; }
    // Gives up ownership: the caller now owns the array.
    T* release() {
        T* p = m_p;
        m_p = nullptr;
        return p;
    }
    T& operator[](unsigned long i) const { return m_p[i]; }

private:
    T* m_p;
};

}  // namespace nyanos
