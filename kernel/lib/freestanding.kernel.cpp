// The few C library functions the compiler may call on its own, plus the C++
// runtime hooks a freestanding kernel must provide. Kernel only: the host
// tests use the real libc.
#include <stddef.h>
#include <stdint.h>

#include "lib/panic.h"

extern "C" {

// Bulk moves go 8 bytes per `rep` iteration, the rest by bytes. On CPUs with
// fast `rep movsb` this is about even; on older ones and under QEMU's icount
// (one instruction per iteration) it is 8x fewer steps for page zeroing and
// program loading (docs/benchmarks.md).
void* memcpy(void* dst, const void* src, size_t n) {
    void* ret = dst;
    size_t qwords = n / 8, bytes = n % 8;
    asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(qwords) : : "memory");
    asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(bytes) : : "memory");
    return ret;
}

void* memset(void* dst, int value, size_t n) {
    void* ret = dst;
    uint64_t pattern = uint64_t(uint8_t(value)) * 0x0101010101010101ull;
    size_t qwords = n / 8, bytes = n % 8;
    asm volatile("rep stosq" : "+D"(dst), "+c"(qwords) : "a"(pattern) : "memory");
    asm volatile("rep stosb" : "+D"(dst), "+c"(bytes) : "a"(pattern) : "memory");
    return ret;
}

void* memmove(void* dst, const void* src, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    auto* s = static_cast<const unsigned char*>(src);
    if (d == s || n == 0) return dst;
    if (d < s || d >= s + n) return memcpy(dst, src, n);
    for (size_t i = n; i > 0; --i) d[i - 1] = s[i - 1];
    return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; ++i) {
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char* s) {
    size_t n = 0;
    while (s[n]) ++n;
    return n;
}

int strcmp(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char* a, const char* b, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        if (a[i] != b[i] || !a[i]) return (unsigned char)a[i] - (unsigned char)b[i];
    }
    return 0;
}

void __cxa_pure_virtual() {
    nyanos::panic("pure virtual function called");
}

}  // extern "C"
