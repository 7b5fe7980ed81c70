/* malloc on sbrk: a first-fit free list kept in address order, so freeing
 * merges a block with its free neighbours. Every block starts with a 16-byte
 * header; payloads are 16-byte aligned. Processes have one thread, so there is
 * no lock. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct block {
    size_t size;        /* bytes, header included; a multiple of 16 */
    struct block* next; /* next free block by address (free blocks only) */
};

#define kHeader sizeof(struct block)
#define kAlign 16
#define kMinGrow (64 * 1024)

static struct block* g_free; /* the free list, by ascending address */

/* Inserts B into the free list and merges it with adjacent free blocks. */
static void insert_free(struct block* b) {
    struct block* prev = NULL;
    struct block* cur = g_free;
    while (cur && cur < b) {
        prev = cur;
        cur = cur->next;
    }
    b->next = cur;
    if (cur && (char*)b + b->size == (char*)cur) {
        b->size += cur->size;
        b->next = cur->next;
    }
    if (prev) {
        prev->next = b;
        if ((char*)prev + prev->size == (char*)b) {
            prev->size += b->size;
            prev->next = b->next;
        }
    } else {
        g_free = b;
    }
}

/* Asks the kernel for at least NEED bytes and adds them to the free list. */
static int grow(size_t need) {
    size_t amount = need < kMinGrow ? kMinGrow : need;
    amount = (amount + 4095) & ~(size_t)4095;
    char* start = (char*)sbrk(0);
    if (start == (char*)-1) return -1;
    /* Keep blocks 16-byte aligned even if someone moved the break oddly. */
    size_t skew = (kAlign - ((uintptr_t)start % kAlign)) % kAlign;
    if (sbrk((intptr_t)(amount + skew)) == (void*)-1) return -1;
    struct block* b = (struct block*)(start + skew);
    b->size = amount;
    insert_free(b);
    return 0;
}

void* malloc(size_t size) {
    if (size > ((size_t)1 << 46)) {
        errno = ENOMEM;
        return NULL;
    }
    size_t need = (size + kHeader + kAlign - 1) & ~(size_t)(kAlign - 1);
    for (int attempt = 0; attempt < 2; ++attempt) {
        struct block* prev = NULL;
        for (struct block* b = g_free; b; prev = b, b = b->next) {
            if (b->size < need) continue;
            if (b->size - need >= kHeader + kAlign) {
                /* Split: hand out the front, keep the rest free. */
                struct block* rest = (struct block*)((char*)b + need);
                rest->size = b->size - need;
                rest->next = b->next;
                b->size = need;
                if (prev)
                    prev->next = rest;
                else
                    g_free = rest;
            } else if (prev) {
                prev->next = b->next;
            } else {
                g_free = b->next;
            }
            b->next = NULL;
            return (char*)b + kHeader;
        }
        if (grow(need) < 0) {
            errno = ENOMEM;
            return NULL;
        }
    }
    errno = ENOMEM;
    return NULL;
}

void free(void* ptr) {
    if (!ptr) return;
    insert_free((struct block*)((char*)ptr - kHeader));
}

void* calloc(size_t count, size_t size) {
    if (size && count > (size_t)-1 / size) {
        errno = ENOMEM;
        return NULL;
    }
    void* p = malloc(count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

void* realloc(void* ptr, size_t size) {
    if (!ptr) return malloc(size);
    if (!size) {
        free(ptr);
        return NULL;
    }
    struct block* b = (struct block*)((char*)ptr - kHeader);
    size_t capacity = b->size - kHeader;
    if (size <= capacity) return ptr;
    void* p = malloc(size);
    if (!p) return NULL; /* the old block stays valid, as C says */
    memcpy(p, ptr, capacity);
    free(ptr);
    return p;
}
