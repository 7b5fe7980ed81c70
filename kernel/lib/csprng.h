// A ChaCha20 CSPRNG with fast key erasure (Bernstein, "Fast-key-erasure
// random-number generators", 2017), portable: the kernel's instance and its
// locking are in dev/random.h; the host tests drive this class directly.
//
// The state is a 32-byte ChaCha20 key and a 64-bit generation counter. A
// request runs ChaCha20 under the current key with a nonce made of the
// generation (so no (key, nonce) pair is ever used twice) and block counter
// 0, 1, 2, ...: block 0's first 32 bytes become the next key, everything
// after them is the output. When the request returns, the key that produced
// it is gone, so whoever reads the state later (a memory disclosure, a
// crash dump) cannot recompute any output given out before.
//
// Not thread-safe: the owner serialises calls (the kernel with a lock).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/chacha20.h"

namespace nyanos {

class Csprng {
public:
    static constexpr size_t kSeedBytes = kChaCha20KeyBytes;
    // One key serves at most this much of a request; a larger request is
    // served in pieces, each under the key the piece before left behind
    // (which keeps the 32-bit block counter far from wrapping).
    static constexpr size_t kMaxBytesPerKey = size_t(1) << 20;
    // reseed_due() turns true after this many requests or output bytes
    // since the last mix(): how often the owner should stir in fresh
    // entropy (a cheap hardware draw), so a state that leaked stops
    // predicting the output soon.
    static constexpr uint32_t kReseedAfterRequests = 256;
    static constexpr uint64_t kReseedAfterBytes = uint64_t(1) << 20;

    // An all-zero key: not secret. seed() or mix() before use.
    constexpr Csprng() = default;
    // Keyed from `seed` (kSeedBytes bytes).
    explicit Csprng(const uint8_t* seed) { this->seed(seed); }
    // The key must not outlive the generator.
    ~Csprng() { wipe(); }
    Csprng(const Csprng&) = delete;
    Csprng& operator=(const Csprng&) = delete;

    // Replaces the whole state: the key becomes `seed` (kSeedBytes bytes).
    void seed(const uint8_t* seed);

    // Stirs `material` (any length, 0 too) into the key: per 32-byte piece,
    // the key is XOR-ed with it and then replaced by the first 32 bytes of
    // its own ChaCha20 block. Material an attacker cannot guess makes the
    // new key unpredictable even if the old one leaked; material an attacker
    // knows cannot make a secret key guessable. Resets reseed_due().
    void mix(const void* material, size_t n);

    // Fills out[0..n) and replaces the key (fast key erasure). n == 0 does
    // nothing (out may be null). Costs one ChaCha20 block for n <= 32, then
    // one more per 64 bytes.
    void generate(void* out, size_t n);

    // True once kReseedAfterRequests requests or kReseedAfterBytes bytes
    // have been generated since the last mix() (or seed()).
    bool reseed_due() const {
        return m_requests_since_mix >= kReseedAfterRequests ||
               m_bytes_since_mix >= kReseedAfterBytes;
    }

    // Requests and mixes so far: each one used its own nonce.
    uint64_t generation() const { return m_generation; }
    // The current key, for tests (fast key erasure changes it per request).
    const uint8_t* key_for_test() const { return m_key; }

    // Zeroes the state.
    void wipe();

private:
    // What a nonce is for: the same generation never serves both anyway,
    // this only keeps the two uses apart on paper.
    enum class Use : uint32_t { kOutput = 0, kMix = 1 };

    // The next nonce: the generation (little-endian), then `use`; advances
    // the generation.
    void next_nonce(Use use, uint8_t* nonce);
    // One request of at most kMaxBytesPerKey bytes.
    void generate_piece(uint8_t* out, size_t n);

    uint8_t m_key[kSeedBytes] = {};
    uint64_t m_generation = 0;
    uint32_t m_requests_since_mix = 0;
    uint64_t m_bytes_since_mix = 0;
};

// Bernstein's batching in front of a Csprng, for many small requests: one
// generator request fills a buffer of kBufferBytes (the key is replaced
// then, as for any request), and small requests are served from it, every
// byte zeroed as it is handed out. Whoever reads the state after a request
// still cannot recompute it: its bytes are gone from the buffer and the key
// that made them was replaced when the buffer was filled. What the buffer
// still holds are *future* outputs, which the current key predicts anyway.
// A request costs a copy and a wipe plus its share of a fill (eight
// ChaCha20 blocks per 480 bytes): about a quarter of a block for 16 bytes,
// where Csprng alone costs a whole block per request.
//
// Requests above kMaxBuffered bytes go straight to the generator. mix() and
// seed() also throw the buffer away, so fresh entropy reaches the very next
// output. Not thread-safe, like Csprng.
class BufferedCsprng {
public:
    // Eight blocks per fill: 32 bytes of next key, 480 of output.
    static constexpr size_t kBufferBytes = 8 * kChaCha20BlockBytes - Csprng::kSeedBytes;
    static constexpr size_t kMaxBuffered = 64;

    constexpr BufferedCsprng() = default;
    explicit BufferedCsprng(const uint8_t* seed) { this->seed(seed); }
    ~BufferedCsprng() { wipe(); }
    BufferedCsprng(const BufferedCsprng&) = delete;
    BufferedCsprng& operator=(const BufferedCsprng&) = delete;

    void seed(const uint8_t* seed);
    void mix(const void* material, size_t n);
    // As Csprng::generate; n == 0 does nothing.
    void generate(void* out, size_t n);
    // After Csprng::kReseedAfterRequests requests (buffered ones included)
    // or when the generator itself says so.
    bool reseed_due() const {
        return m_requests_since_mix >= Csprng::kReseedAfterRequests || m_csprng.reseed_due();
    }
    void wipe();

    // For tests: the bytes not handed out yet, and the generator behind.
    size_t buffered() const { return m_available; }
    const uint8_t* buffer_for_test() const { return m_buffer; }
    const Csprng& generator_for_test() const { return m_csprng; }

private:
    void discard_buffer();

    Csprng m_csprng;
    uint8_t m_buffer[kBufferBytes] = {};
    size_t m_available = 0;  // the last m_available bytes of m_buffer
    uint32_t m_requests_since_mix = 0;
};

// An unbiased number in [0, bound) from `next_u64` (any callable returning
// uniform 64-bit values): it rejects the 2^64 mod bound lowest values, so
// the ones left are a whole number of copies of [0, bound), then reduces
// modulo bound. Expected draws: below 2 for every bound, almost always 1.
// bound 0 or 1 returns 0 without drawing.
template <typename NextU64>
uint64_t uniform_below(uint64_t bound, NextU64&& next_u64) {
    if (bound <= 1) return 0;
    const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
    for (;;) {
        uint64_t r = next_u64();
        if (r >= threshold) return r % bound;
    }
}

}  // namespace nyanos
