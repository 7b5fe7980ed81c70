#include "lib/csprng.h"

#include <string.h>

namespace nyanos {

void Csprng::seed(const uint8_t* seed) {
    memcpy(m_key, seed, kSeedBytes);
    m_generation = 0;
    m_requests_since_mix = 0;
    m_bytes_since_mix = 0;
}

void Csprng::wipe() {
    secure_zero(m_key, sizeof(m_key));
    m_generation = 0;
    m_requests_since_mix = 0;
    m_bytes_since_mix = 0;
}

void Csprng::next_nonce(Use use, uint8_t* nonce) {
    // 2^64 generations cannot be used up, so the nonce never repeats.
    uint64_t g = m_generation++;
    for (int i = 0; i < 8; ++i) nonce[i] = uint8_t(g >> (8 * i));
    uint32_t u = uint32_t(use);
    for (int i = 0; i < 4; ++i) nonce[8 + i] = uint8_t(u >> (8 * i));
}

void Csprng::mix(const void* material, size_t n) {
    const auto* m = static_cast<const uint8_t*>(material);
    uint8_t nonce[kChaCha20NonceBytes];
    uint8_t block[kChaCha20BlockBytes];
    do {
        size_t piece = n < kSeedBytes ? n : kSeedBytes;
        for (size_t i = 0; i < piece; ++i) m_key[i] ^= m[i];
        next_nonce(Use::kMix, nonce);
        chacha20_block(m_key, 0, nonce, block);
        memcpy(m_key, block, kSeedBytes);
        m += piece;
        n -= piece;
    } while (n > 0);
    secure_zero(block, sizeof(block));
    m_requests_since_mix = 0;
    m_bytes_since_mix = 0;
}

void Csprng::generate_piece(uint8_t* out, size_t n) {
    uint8_t nonce[kChaCha20NonceBytes];
    next_nonce(Use::kOutput, nonce);
    // Block 0: the next key, then up to 32 bytes of output.
    uint8_t block[kChaCha20BlockBytes];
    chacha20_block(m_key, 0, nonce, block);
    size_t first = n < kChaCha20BlockBytes - kSeedBytes ? n : kChaCha20BlockBytes - kSeedBytes;
    memcpy(out, block + kSeedBytes, first);
    // Blocks 1, 2, ...: the rest, still under the old key.
    if (n > first) chacha20_keystream(m_key, 1, nonce, out + first, n - first);
    // Only now the old key goes: nothing left can recompute this output.
    memcpy(m_key, block, kSeedBytes);
    secure_zero(block, sizeof(block));
}

void Csprng::generate(void* out, size_t n) {
    if (n == 0) return;
    auto* p = static_cast<uint8_t*>(out);
    ++m_requests_since_mix;
    m_bytes_since_mix += n;
    while (n > 0) {
        size_t piece = n < kMaxBytesPerKey ? n : kMaxBytesPerKey;
        generate_piece(p, piece);
        p += piece;
        n -= piece;
    }
}

void BufferedCsprng::discard_buffer() {
    secure_zero(m_buffer, sizeof(m_buffer));
    m_available = 0;
}

void BufferedCsprng::seed(const uint8_t* seed) {
    m_csprng.seed(seed);
    discard_buffer();
    m_requests_since_mix = 0;
}

void BufferedCsprng::mix(const void* material, size_t n) {
    m_csprng.mix(material, n);
    discard_buffer();
    m_requests_since_mix = 0;
}

void BufferedCsprng::wipe() {
    m_csprng.wipe();
    discard_buffer();
    m_requests_since_mix = 0;
}

void BufferedCsprng::generate(void* out, size_t n) {
    if (n == 0) return;
    ++m_requests_since_mix;
    if (n > kMaxBuffered) {
        m_csprng.generate(out, n);
        return;
    }
    if (n > m_available) {
        // What is left is too short: throw it away rather than serve a
        // request from two fills.
        discard_buffer();
        m_csprng.generate(m_buffer, sizeof(m_buffer));
        m_available = sizeof(m_buffer);
    }
    uint8_t* from = m_buffer + (sizeof(m_buffer) - m_available);
    memcpy(out, from, n);
    secure_zero(from, n);
    m_available -= n;
}

}  // namespace nyanos
