// The kernel's CSPRNG instance: seeding, periodic reseeding and the lock.
//
// The generator is a BufferedCsprng (lib/csprng.h): a request of up to 64
// bytes is a copy out of a buffer that one ChaCha20 request fills 480
// bytes at a time (the key replaced at each fill, every byte wiped as it
// is handed out). One block per request, the plain fast-key-erasure way,
// cost spawn about 1,300 guest instructions (6 %, docs/benchmarks.md); the
// buffer brings AT_RANDOM's 16 bytes to about a quarter of that.
//
// One generator behind one lock rather than one per CPU: a request holds
// the lock for a copy, or for one fill (eight ChaCha20 blocks, ~10,000
// instructions) every 30 spawns; larger requests take a one-time key under
// the lock and expand it outside. The callers are rare (one request per
// spawn), so the lock is never contended for long. Per-CPU generators would
// each need seeding from the shared one as their CPU comes up, and a buffer
// per CPU, and would gain nothing measurable.
//
// The lock is an IrqSpinLock and a leaf (docs/locking.md): random bytes can
// be asked for with interrupts off, under any other lock (the process table
// lock, the VMM lock) and in an interrupt handler; the holder only
// computes and executes RDRAND/RDTSC.
#include "dev/random.h"

#include <new>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/hw_random.h"
#include "arch/x86_64/io.h"
#include "lib/console.h"
#include "lib/csprng.h"
#include "lib/panic.h"
#include "sync/spinlock.h"

namespace nyanos {

namespace {

sync::IrqSpinLock g_random_lock;
// The generator, constructed in place by init_random() and never destroyed
// (a global with a destructor would need atexit); null until then.
alignas(BufferedCsprng) uint8_t g_storage[sizeof(BufferedCsprng)];
BufferedCsprng* g_csprng PT_GUARDED_BY(g_random_lock) = nullptr;

// Boot-time configuration: written by init_random() on the boot CPU before
// any other CPU runs, read-only afterwards.
bool g_use_rdrand = false;
bool g_use_rdseed = false;

// Requests up to this size are served under the lock (from the buffer);
// larger ones take a one-time key under the lock and expand it outside.
constexpr size_t kDirectBytes = BufferedCsprng::kMaxBuffered;
static_assert(Csprng::kSeedBytes <= kDirectBytes, "the one-time key comes from the buffer");

// TSC jitter: samples taken at boot, each the TSC delta around a little work
// whose length and memory footprint depend on the previous delta.
constexpr int kJitterSamples = 512;
constexpr int kPoolWords = 16;  // one mix per 16 samples (64 bytes)
uint8_t g_jitter_scratch[2048];

// An instruction that answers with the same value eight times in a row is
// broken (some AMD parts returned all ones after resume with CF set), and
// trusting it would hand out a constant seed.
template <typename Draw>
bool looks_sane(Draw draw) {
    uint64_t first = 0, v = 0;
    if (!draw(first)) return false;
    for (int i = 0; i < 7; ++i) {
        if (!draw(v)) return false;
        if (v != first) return true;
    }
    return false;
}

// Mixes kJitterSamples TSC deltas into `g`. Where the TSC runs at a fixed
// rate, the deltas move with cache and TLB misses, interrupts, SMIs and
// frequency changes; under QEMU's TCG without icount with the host's
// scheduling and translation. Under `-icount` the TSC counts instructions
// and the deltas are deterministic: no entropy at all (the hardware
// instructions carry the seed there).
void mix_jitter(BufferedCsprng& g) {
    uint32_t pool[kPoolWords] = {};
    uint64_t prev = arch::rdtsc();
    uint32_t walk = uint32_t(prev);
    pool[0] = uint32_t(prev);
    pool[1] = uint32_t(prev >> 32);
    for (int i = 0; i < kJitterSamples; ++i) {
        // Varying work: a data-dependent walk over the scratch buffer, as
        // many steps as the low bits of the last delta say.
        unsigned steps = 8 + (walk & 31);
        for (unsigned s = 0; s < steps; ++s) {
            walk = walk * 1103515245u + 12345u;
            volatile uint8_t& byte = g_jitter_scratch[(walk >> 8) % sizeof(g_jitter_scratch)];
            byte = uint8_t(byte + walk);
        }
        uint64_t now = arch::rdtsc();
        uint64_t delta = now - prev;
        prev = now;
        walk ^= uint32_t(delta);
        uint32_t& word = pool[i % kPoolWords];
        word = ((word << 7) | (word >> 25)) ^ uint32_t(delta) ^ uint32_t(delta >> 32);
        if (i % kPoolWords == kPoolWords - 1) g.mix(pool, sizeof(pool));
    }
    secure_zero(pool, sizeof(pool));
}

// Every Csprng::kReseedAfterRequests (256) requests: 256 bits from RDRAND
// (where there is one) and the TSC, and the buffer thrown away. RDRAND, not
// RDSEED: it is cheap and does not run dry; a draw that fails just leaves
// its word out. Amortised over the requests: ~30 instructions each.
void reseed_if_due_locked() REQUIRES(g_random_lock) {
    if (!g_csprng->reseed_due()) return;
    uint64_t words[5] = {};
    if (g_use_rdrand)
        for (int i = 0; i < 4; ++i) arch::rdrand64(words[i]);
    words[4] = arch::rdtsc();
    g_csprng->mix(words, sizeof(words));
    secure_zero(words, sizeof(words));
}

}  // namespace

void init_random() {
    g_use_rdseed = arch::cpu_has_rdseed() && looks_sane(arch::rdseed64);
    g_use_rdrand = arch::cpu_has_rdrand() && looks_sane(arch::rdrand64);
    if (arch::cpu_has_rdseed() && !g_use_rdseed) kprintf("random: rdseed fails, not used\n");
    if (arch::cpu_has_rdrand() && !g_use_rdrand) kprintf("random: rdrand fails, not used\n");

    // 256 bits from the best instruction that answers, word by word; the
    // line names the weakest source any word came from.
    enum Source { kTscJitter, kRdrand, kRdseed };
    static const char* const kSourceNames[] = {"tsc-jitter", "rdrand", "rdseed"};
    Source weakest = kRdseed;
    uint64_t seed[Csprng::kSeedBytes / sizeof(uint64_t)] = {};
    for (uint64_t& word : seed) {
        if (g_use_rdseed && arch::rdseed64(word)) continue;
        if (g_use_rdrand && arch::rdrand64(word)) {
            if (weakest > kRdrand) weakest = kRdrand;
            continue;
        }
        word = 0;
        weakest = kTscJitter;
    }

    // Built in place before it is published: nothing else runs yet, and the
    // jitter is collected outside the lock, with interrupts on since the
    // timer started (its ticks add to the jitter).
    BufferedCsprng* g = new (g_storage) BufferedCsprng(reinterpret_cast<const uint8_t*>(seed));
    secure_zero(seed, sizeof(seed));
    mix_jitter(*g);
    {
        sync::Guard guard(g_random_lock);
        VERIFY(!g_csprng);
        g_csprng = g;
    }
    kprintf("random: seeded from %s\n", kSourceNames[weakest]);
}

void random_bytes(void* buf, size_t n) {
    if (n == 0) return;
    if (n <= kDirectBytes) {
        sync::Guard guard(g_random_lock);
        VERIFY(g_csprng);
        reseed_if_due_locked();
        g_csprng->generate(buf, n);
        return;
    }
    uint8_t one_time_key[Csprng::kSeedBytes];
    {
        sync::Guard guard(g_random_lock);
        VERIFY(g_csprng);
        reseed_if_due_locked();
        g_csprng->generate(one_time_key, sizeof(one_time_key));
    }
    Csprng request(one_time_key);
    secure_zero(one_time_key, sizeof(one_time_key));
    request.generate(buf, n);
    // ~Csprng wipes the one-time key's successor.
}

uint64_t random_u64() {
    uint64_t v;
    random_bytes(&v, sizeof(v));
    return v;
}

uint64_t random_below(uint64_t bound) {
    return uniform_below(bound, [] { return random_u64(); });
}

}  // namespace nyanos
