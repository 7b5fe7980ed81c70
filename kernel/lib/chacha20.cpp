#include "lib/chacha20.h"

#include <string.h>

namespace nyanos {

namespace {

inline uint32_t load32_le(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

inline void store32_le(uint8_t* p, uint32_t v) {
    p[0] = uint8_t(v);
    p[1] = uint8_t(v >> 8);
    p[2] = uint8_t(v >> 16);
    p[3] = uint8_t(v >> 24);
}

// "expand 32-byte k" as four little-endian words (RFC 8439 2.3).
constexpr uint32_t kSigma0 = 0x61707865;
constexpr uint32_t kSigma1 = 0x3320646e;
constexpr uint32_t kSigma2 = 0x79622d32;
constexpr uint32_t kSigma3 = 0x6b206574;

}  // namespace

void chacha20_block(const uint8_t* key, uint32_t counter, const uint8_t* nonce, uint8_t* out) {
    // Sixteen named words rather than an array, so the compiler can keep the
    // state in registers through the 20 rounds.
    const uint32_t k0 = load32_le(key), k1 = load32_le(key + 4), k2 = load32_le(key + 8),
                   k3 = load32_le(key + 12), k4 = load32_le(key + 16), k5 = load32_le(key + 20),
                   k6 = load32_le(key + 24), k7 = load32_le(key + 28);
    const uint32_t n0 = load32_le(nonce), n1 = load32_le(nonce + 4), n2 = load32_le(nonce + 8);
    uint32_t x0 = kSigma0, x1 = kSigma1, x2 = kSigma2, x3 = kSigma3;
    uint32_t x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7;
    uint32_t x12 = counter, x13 = n0, x14 = n1, x15 = n2;
    for (int i = 0; i < 10; ++i) {
        // A column round, then a diagonal round (RFC 8439 2.3).
        chacha20_quarter_round(x0, x4, x8, x12);
        chacha20_quarter_round(x1, x5, x9, x13);
        chacha20_quarter_round(x2, x6, x10, x14);
        chacha20_quarter_round(x3, x7, x11, x15);
        chacha20_quarter_round(x0, x5, x10, x15);
        chacha20_quarter_round(x1, x6, x11, x12);
        chacha20_quarter_round(x2, x7, x8, x13);
        chacha20_quarter_round(x3, x4, x9, x14);
    }
    store32_le(out, x0 + kSigma0);
    store32_le(out + 4, x1 + kSigma1);
    store32_le(out + 8, x2 + kSigma2);
    store32_le(out + 12, x3 + kSigma3);
    store32_le(out + 16, x4 + k0);
    store32_le(out + 20, x5 + k1);
    store32_le(out + 24, x6 + k2);
    store32_le(out + 28, x7 + k3);
    store32_le(out + 32, x8 + k4);
    store32_le(out + 36, x9 + k5);
    store32_le(out + 40, x10 + k6);
    store32_le(out + 44, x11 + k7);
    store32_le(out + 48, x12 + counter);
    store32_le(out + 52, x13 + n0);
    store32_le(out + 56, x14 + n1);
    store32_le(out + 60, x15 + n2);
}

void chacha20_keystream(const uint8_t* key, uint32_t counter, const uint8_t* nonce, uint8_t* out,
                        size_t n) {
    while (n >= kChaCha20BlockBytes) {
        chacha20_block(key, counter++, nonce, out);
        out += kChaCha20BlockBytes;
        n -= kChaCha20BlockBytes;
    }
    if (n) {
        uint8_t block[kChaCha20BlockBytes];
        chacha20_block(key, counter, nonce, block);
        memcpy(out, block, n);
        secure_zero(block, sizeof(block));
    }
}

void secure_zero(void* p, size_t n) {
    memset(p, 0, n);
    // The compiler must assume the asm reads the zeroed memory, so it cannot
    // treat the memset as a dead store.
    asm volatile("" : : "r"(p) : "memory");
}

}  // namespace nyanos
