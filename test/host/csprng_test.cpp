// The fast-key-erasure CSPRNG (lib/csprng.h): the construction against a
// model written from ChaCha20 directly, determinism, different seeds, the
// key changing with every request, large and zero-length requests, mixing
// and the reseed schedule; uniform_below's rejection and spread.
#include <doctest/doctest.h>

#include <string.h>

#include <set>
#include <vector>

#include "lib/csprng.h"

using namespace nyanos;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes seed_bytes(uint8_t first) {
    Bytes seed(Csprng::kSeedBytes);
    for (size_t i = 0; i < seed.size(); ++i) seed[i] = uint8_t(first + 7 * i);
    return seed;
}

Bytes generate(Csprng& g, size_t n) {
    Bytes out(n);
    g.generate(out.data(), n);
    return out;
}

Bytes key_of(const Csprng& g) {
    return Bytes(g.key_for_test(), g.key_for_test() + Csprng::kSeedBytes);
}

// The construction, from the header's description: request `generation`
// under `key` uses the nonce (generation as 8 little-endian bytes, then the
// 32-bit use, 0 for output); block 0 gives the next key and output from its
// byte 32 on, blocks 1, 2, ... the rest. Returns the output, updates `key`.
Bytes model_piece(Bytes& key, uint64_t generation, size_t n) {
    uint8_t nonce[kChaCha20NonceBytes] = {};
    for (int i = 0; i < 8; ++i) nonce[i] = uint8_t(generation >> (8 * i));
    Bytes stream(kChaCha20KeyBytes + n);
    chacha20_keystream(key.data(), 0, nonce, stream.data(), stream.size());
    key.assign(stream.begin(), stream.begin() + kChaCha20KeyBytes);
    return Bytes(stream.begin() + kChaCha20KeyBytes, stream.end());
}

}  // namespace

TEST_CASE("csprng: output and next key follow the construction") {
    Bytes key = seed_bytes(1);
    Csprng g(key.data());
    uint64_t generation = 0;
    for (size_t n : {1, 16, 31, 32, 33, 64, 100, 1000}) {
        CAPTURE(n);
        Bytes expected = model_piece(key, generation++, n);
        CHECK(generate(g, n) == expected);
        CHECK(key_of(g) == key);
        CHECK(g.generation() == generation);
    }
}

TEST_CASE("csprng: the same seed gives the same sequence") {
    Bytes seed = seed_bytes(42);
    Csprng a(seed.data()), b(seed.data());
    for (size_t n : {16, 1, 0, 200, 16, 4096, 7}) {
        CAPTURE(n);
        CHECK(generate(a, n) == generate(b, n));
    }
    // seed() starts over.
    Bytes first = [&] {
        Csprng c(seed.data());
        return generate(c, 64);
    }();
    a.seed(seed.data());
    CHECK(generate(a, 64) == first);
}

TEST_CASE("csprng: different seeds give different output") {
    Bytes s1 = seed_bytes(42), s2 = s1;
    s2[31] ^= 0x01;  // one bit apart
    Csprng a(s1.data()), b(s2.data());
    Bytes x = generate(a, 16), y = generate(b, 16);
    CHECK(x != y);
    int same = 0;
    for (int i = 0; i < 16; ++i) same += x[i] == y[i];
    CHECK(same < 4);
    CHECK(generate(a, 4096) != generate(b, 4096));
}

TEST_CASE("csprng: fast key erasure: the key changes with every request") {
    Bytes seed = seed_bytes(9);
    Csprng g(seed.data());
    std::set<Bytes> keys{key_of(g)};
    std::set<Bytes> outputs;
    for (int i = 0; i < 1000; ++i) {
        Bytes before = key_of(g);
        Bytes out = generate(g, 1 + i % 70);
        Bytes after = key_of(g);
        CHECK(after != before);
        CHECK(keys.insert(after).second);  // never a key seen before
        CHECK(outputs.insert(out).second);
        // The output does not sit in the new key either.
        CHECK(memcmp(after.data(), out.data(), out.size() < 32 ? out.size() : 32) != 0);
    }
    SUBCASE("the state after a request cannot recompute it") {
        // Whoever copies the state after a request gets the next outputs,
        // not the one just handed out.
        Csprng h(seed.data());
        Bytes handed_out = generate(h, 16);
        Bytes stolen = key_of(h);
        Csprng thief(stolen.data());
        for (int i = 0; i < 8; ++i) CHECK(generate(thief, 16) != handed_out);
    }
}

TEST_CASE("csprng: large requests") {
    Bytes key = seed_bytes(3);
    Csprng g(key.data());
    // Three pieces of kMaxBytesPerKey and a partial one: each piece is its
    // own request under the key the one before left.
    const size_t n = 3 * Csprng::kMaxBytesPerKey + 100;
    Bytes out = generate(g, n);
    Bytes expected;
    uint64_t generation = 0;
    for (size_t left = n; left > 0;) {
        size_t piece = left < Csprng::kMaxBytesPerKey ? left : Csprng::kMaxBytesPerKey;
        Bytes part = model_piece(key, generation++, piece);
        expected.insert(expected.end(), part.begin(), part.end());
        left -= piece;
    }
    CHECK(out == expected);
    CHECK(key_of(g) == key);
    CHECK(g.generation() == 4);
    // Every byte value about equally often (3 MiB: 12,288 expected each).
    size_t counts[256] = {};
    for (uint8_t b : out) ++counts[b];
    for (size_t c : counts) {
        CHECK(c > 11000);
        CHECK(c < 13600);
    }
}

TEST_CASE("csprng: a zero-length request does nothing") {
    Bytes seed = seed_bytes(5);
    Csprng g(seed.data());
    uint8_t canary[4] = {1, 2, 3, 4};
    g.generate(canary, 0);
    g.generate(nullptr, 0);
    CHECK(canary[0] == 1);
    CHECK(canary[3] == 4);
    CHECK(key_of(g) == seed);
    CHECK(g.generation() == 0);
    CHECK(!g.reseed_due());
}

TEST_CASE("csprng: mix changes the key, depends on the material, and resets the schedule") {
    Bytes seed = seed_bytes(11);
    Csprng a(seed.data()), b(seed.data()), c(seed.data());
    uint8_t m1[40] = {1}, m2[40] = {1};
    m2[39] = 2;  // differs only in the second 32-byte piece
    a.mix(m1, sizeof(m1));
    b.mix(m2, sizeof(m2));
    CHECK(key_of(a) != seed);
    CHECK(key_of(a) != key_of(b));
    CHECK(a.generation() == 2);  // one rekey per 32-byte piece
    c.mix(nullptr, 0);           // no material: still a rekey
    CHECK(key_of(c) != seed);
    CHECK(c.generation() == 1);

    Csprng d(seed.data());
    for (uint32_t i = 0; i + 1 < Csprng::kReseedAfterRequests; ++i) generate(d, 1);
    CHECK(!d.reseed_due());
    generate(d, 1);
    CHECK(d.reseed_due());
    d.mix(m1, 8);
    CHECK(!d.reseed_due());
    generate(d, Csprng::kReseedAfterBytes);
    CHECK(d.reseed_due());
}

TEST_CASE("csprng: wipe zeroes the key") {
    Bytes seed = seed_bytes(13);
    Csprng g(seed.data());
    generate(g, 16);
    g.wipe();
    CHECK(key_of(g) == Bytes(Csprng::kSeedBytes, 0));
    CHECK(g.generation() == 0);
}

TEST_CASE("uniform_below: rejects the biased low values, then reduces") {
    std::vector<uint64_t> script;
    size_t next = 0;
    auto draw = [&] {
        REQUIRE(next < script.size());
        return script[next++];
    };
    SUBCASE("bound 0 and 1 draw nothing") {
        CHECK(uniform_below(0, draw) == 0);
        CHECK(uniform_below(1, draw) == 0);
        CHECK(next == 0);
    }
    SUBCASE("bound 3: 2^64 mod 3 = 1, so 0 is rejected") {
        script = {0, 5};
        CHECK(uniform_below(3, draw) == 2);
        CHECK(next == 2);
    }
    SUBCASE("bound 2^63 + 1: everything below 2^63 - 1 is rejected") {
        const uint64_t bound = (uint64_t(1) << 63) + 1;
        script = {0, (uint64_t(1) << 63) - 2, (uint64_t(1) << 63) - 1, 7};
        CHECK(uniform_below(bound, draw) == (uint64_t(1) << 63) - 1);
        CHECK(next == 3);
        script = {~uint64_t(0)};
        next = 0;
        CHECK(uniform_below(bound, draw) == ~uint64_t(0) - bound);
    }
    SUBCASE("a power of two rejects nothing") {
        script = {0, 13};
        CHECK(uniform_below(8, draw) == 0);
        CHECK(uniform_below(8, draw) == 5);
    }
}

TEST_CASE("uniform_below: over the CSPRNG, every value about equally often") {
    Bytes seed = seed_bytes(17);
    Csprng g(seed.data());
    auto next = [&] {
        uint64_t v;
        g.generate(&v, sizeof(v));
        return v;
    };
    int counts[6] = {};
    for (int i = 0; i < 60000; ++i) {
        uint64_t v = uniform_below(6, next);
        REQUIRE(v < 6);
        ++counts[v];
    }
    for (int c : counts) {
        CHECK(c > 9500);
        CHECK(c < 10500);
    }
}

TEST_CASE("buffered csprng: serves the generator's stream in order, one fill at a time") {
    Bytes seed = seed_bytes(21);
    BufferedCsprng b(seed.data());
    Csprng plain(seed.data());
    constexpr size_t kFill = BufferedCsprng::kBufferBytes;
    static_assert(kFill % 16 == 0);
    for (int fill = 0; fill < 3; ++fill) {
        CAPTURE(fill);
        Bytes expected = generate(plain, kFill);
        Bytes served;
        for (size_t i = 0; i < kFill / 16; ++i) {
            Bytes part(16);
            b.generate(part.data(), part.size());
            served.insert(served.end(), part.begin(), part.end());
        }
        CHECK(served == expected);
        // The generator's key is the plain one's: one request per fill.
        CHECK(Bytes(b.generator_for_test().key_for_test(),
                    b.generator_for_test().key_for_test() + Csprng::kSeedBytes) == key_of(plain));
        CHECK(b.buffered() == 0);
    }
}

TEST_CASE("buffered csprng: every byte is wiped as it is handed out, the key at each fill") {
    Bytes seed = seed_bytes(23);
    BufferedCsprng b(seed.data());
    uint8_t out[16];
    b.generate(out, sizeof(out));
    const uint8_t* buf = b.buffer_for_test();
    for (size_t i = 0; i < 16; ++i) CHECK(buf[i] == 0);
    CHECK(b.buffered() == BufferedCsprng::kBufferBytes - 16);
    // The generator's key after the fill is not the seed, and the state left
    // (key and buffer) does not contain what was handed out.
    Bytes key(b.generator_for_test().key_for_test(),
              b.generator_for_test().key_for_test() + Csprng::kSeedBytes);
    CHECK(key != seed);
    for (size_t at = 0; at + 16 <= BufferedCsprng::kBufferBytes; ++at)
        CHECK(memcmp(buf + at, out, 16) != 0);

    // A request longer than what is left starts a new fill under a new key.
    Bytes before = key;
    while (b.buffered() >= 16) b.generate(out, sizeof(out));
    size_t left = b.buffered();
    b.generate(out, left + 1);
    CHECK(b.buffered() == BufferedCsprng::kBufferBytes - (left + 1));
    CHECK(Bytes(b.generator_for_test().key_for_test(),
                b.generator_for_test().key_for_test() + Csprng::kSeedBytes) != before);
}

TEST_CASE("buffered csprng: large requests go to the generator; zero-length does nothing") {
    Bytes seed = seed_bytes(25);
    BufferedCsprng b(seed.data());
    Csprng plain(seed.data());
    Bytes big(BufferedCsprng::kMaxBuffered + 1);
    b.generate(big.data(), big.size());
    CHECK(big == generate(plain, big.size()));
    CHECK(b.buffered() == 0);
    Bytes huge(2 * Csprng::kMaxBytesPerKey + 3);
    b.generate(huge.data(), huge.size());
    CHECK(huge == generate(plain, huge.size()));

    uint8_t canary = 7;
    b.generate(&canary, 0);
    b.generate(nullptr, 0);
    CHECK(canary == 7);
    CHECK(b.generator_for_test().generation() == plain.generation());
}

TEST_CASE("buffered csprng: mix throws the buffer away; different seeds differ") {
    Bytes seed = seed_bytes(27);
    BufferedCsprng a(seed.data()), b(seed.data());
    uint8_t x[16], y[16];
    a.generate(x, sizeof(x));
    b.generate(y, sizeof(y));
    CHECK(memcmp(x, y, 16) == 0);
    uint64_t fresh = 0x0123456789abcdefull;
    a.mix(&fresh, sizeof(fresh));
    CHECK(a.buffered() == 0);
    for (size_t i = 0; i < BufferedCsprng::kBufferBytes; ++i) CHECK(a.buffer_for_test()[i] == 0);
    a.generate(x, sizeof(x));
    b.generate(y, sizeof(y));
    CHECK(memcmp(x, y, 16) != 0);

    Bytes other = seed;
    other[0] ^= 0x80;
    BufferedCsprng c(other.data());
    BufferedCsprng d(seed.data());
    c.generate(x, sizeof(x));
    d.generate(y, sizeof(y));
    CHECK(memcmp(x, y, 16) != 0);
}

TEST_CASE("buffered csprng: reseed schedule counts every request") {
    Bytes seed = seed_bytes(29);
    BufferedCsprng b(seed.data());
    uint8_t out[8];
    for (uint32_t i = 0; i + 1 < Csprng::kReseedAfterRequests; ++i) b.generate(out, sizeof(out));
    CHECK(!b.reseed_due());
    b.generate(out, sizeof(out));
    CHECK(b.reseed_due());
    b.mix(out, sizeof(out));
    CHECK(!b.reseed_due());
}
