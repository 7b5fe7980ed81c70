// ChaCha20 (RFC 8439): the block function and its keystream, portable (kernel
// and host tests, which check them against the RFC's test vectors). No
// encryption API: the kernel uses ChaCha20 as the generator of its CSPRNG
// (lib/csprng.h). Scalar code only: the kernel is built without SSE.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos {

inline constexpr size_t kChaCha20KeyBytes = 32;
inline constexpr size_t kChaCha20NonceBytes = 12;
inline constexpr size_t kChaCha20BlockBytes = 64;

// The quarter round on four state words (RFC 8439 2.1).
inline void chacha20_quarter_round(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d) {
    a += b;
    d ^= a;
    d = (d << 16) | (d >> 16);
    c += d;
    b ^= c;
    b = (b << 12) | (b >> 20);
    a += b;
    d ^= a;
    d = (d << 8) | (d >> 24);
    c += d;
    b ^= c;
    b = (b << 7) | (b >> 25);
}

// One 64-byte keystream block (RFC 8439 2.3): `key` 32 bytes, a 32-bit block
// counter, `nonce` 12 bytes, all as the RFC serialises them (little-endian
// words). The working state lives in local variables (registers, mostly);
// what the compiler spills to the stack is overwritten by later calls, not
// wiped.
void chacha20_block(const uint8_t* key, uint32_t counter, const uint8_t* nonce, uint8_t* out);

// `n` bytes of keystream from block `counter` on (RFC 8439 2.4 without the
// XOR: encrypting is XOR-ing this into the plaintext). The caller keeps
// n <= 64 * (2^32 - counter): the block counter must not wrap.
void chacha20_keystream(const uint8_t* key, uint32_t counter, const uint8_t* nonce, uint8_t* out,
                        size_t n);

// Zeroes `n` bytes in a way the compiler cannot drop as a dead store: for
// keys and keystream that must not outlive their use.
void secure_zero(void* p, size_t n);

}  // namespace nyanos
