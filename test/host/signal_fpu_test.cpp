// The FPU image of a Linux signal frame with XSAVE (kernel/proc/signal_frame.h):
// what delivery writes (software bytes, FP_XSTATE_MAGIC2), what rt_sigreturn
// reads back and accepts, and AT_MINSIGSTKSZ.
#include <doctest/doctest.h>
#include <string.h>

#include <vector>

#include "proc/signal_frame.h"

using namespace nyanos::proc;

namespace {

constexpr SignalFpuLayout kAvx{.xsave = true, .xstate_size = 832, .xfeatures = 0x7,
                               .mxcsr_mask = 0xffff};
constexpr SignalFpuLayout kFxsaveOnly{};

uint64_t u64_at(const std::vector<uint8_t>& b, size_t at) {
    uint64_t v;
    memcpy(&v, b.data() + at, sizeof(v));
    return v;
}
uint32_t u32_at(const std::vector<uint8_t>& b, size_t at) {
    uint32_t v;
    memcpy(&v, b.data() + at, sizeof(v));
    return v;
}
void put64(std::vector<uint8_t>& b, size_t at, uint64_t v) {
    memcpy(b.data() + at, &v, sizeof(v));
}
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    memcpy(b.data() + at, &v, sizeof(v));
}

// What xsave64 leaves for a thread that used AVX: MXCSR 0x1f80, XSTATE_BV 7,
// a recognisable upper YMM half.
std::vector<uint8_t> saved_avx_image() {
    std::vector<uint8_t> b(832 + 64, 0);
    put32(b, 24, 0x1f80);
    put64(b, 512, 0x7);
    for (size_t i = 576; i < 832; ++i) b[i] = uint8_t(i);
    return b;
}

}  // namespace

TEST_CASE("signal fpu: delivery marks an xsave image as Linux does") {
    auto b = saved_avx_image();
    put64(b, 512, 0x4);  // x87 and SSE in their initial state when saved
    finish_signal_fpu_image(b.data(), kAvx);
    CHECK(u32_at(b, 464) == kFpXstateMagic1);
    CHECK(u32_at(b, 468) == 836);  // extended_size: the image and magic2
    CHECK(u64_at(b, 472) == 0x7);  // xfeatures
    CHECK(u32_at(b, 480) == 832);  // xstate_size
    CHECK(u64_at(b, 512) == 0x7);  // FP and SSE always marked present
    CHECK(u32_at(b, 832) == kFpXstateMagic2);
    CHECK(signal_fpu_image_bytes(kAvx) == 832);
}

TEST_CASE("signal fpu: without XSAVE the image is a plain fxsave area") {
    std::vector<uint8_t> b(512 + 64, 0xee);
    finish_signal_fpu_image(b.data(), kFxsaveOnly);
    for (size_t i = 464; i < 512; ++i) CHECK(b[i] == 0);
    CHECK(b[512] == 0xee);  // nothing written after it
    CHECK(signal_fpu_image_bytes(kFxsaveOnly) == 512);
    CHECK(signal_fpu_bytes_to_read(b.data(), kFxsaveOnly) == 512);
    put32(b, 24, 0x1f80);
    CHECK(prepare_signal_fpu_restore(b.data(), 512, kFxsaveOnly));
    put32(b, 24, 0x1f80 | (1u << 20));  // a reserved MXCSR bit
    CHECK(!prepare_signal_fpu_restore(b.data(), 512, kFxsaveOnly));
}

TEST_CASE("signal fpu: rt_sigreturn restores the whole xsave image it was given") {
    auto b = saved_avx_image();
    finish_signal_fpu_image(b.data(), kAvx);
    size_t bytes = signal_fpu_bytes_to_read(b.data(), kAvx);
    CHECK(bytes == 836);
    auto before = b;
    REQUIRE(prepare_signal_fpu_restore(b.data(), bytes, kAvx));
    for (size_t i = 464; i < 512; ++i) CHECK(b[i] == 0);  // software bytes cleared
    CHECK(u64_at(b, 512) == 0x7);
    CHECK(memcmp(b.data() + 576, before.data() + 576, 256) == 0);  // the upper YMM halves
}

TEST_CASE("signal fpu: a legacy image on an XSAVE CPU restores x87 and SSE, the rest initial") {
    auto b = saved_avx_image();
    memset(b.data() + 464, 0, 48);  // no software bytes: a program's own fxsave frame
    put64(b, 520, 0x1234);          // header bytes from the program: ignored
    CHECK(signal_fpu_bytes_to_read(b.data(), kAvx) == 512);
    REQUIRE(prepare_signal_fpu_restore(b.data(), 512, kAvx));
    CHECK(u64_at(b, 512) == 0x3);
    for (size_t i = 520; i < 576; ++i) CHECK(b[i] == 0);
}

TEST_CASE("signal fpu: software bytes Linux would not trust make a legacy image") {
    auto fresh = [] {
        auto b = saved_avx_image();
        finish_signal_fpu_image(b.data(), kAvx);
        return b;
    };
    auto b = fresh();
    put32(b, 480, 2000);  // larger than this CPU's image
    CHECK(signal_fpu_bytes_to_read(b.data(), kAvx) == 512);
    b = fresh();
    put32(b, 480, 500);  // smaller than the legacy region and header
    CHECK(signal_fpu_bytes_to_read(b.data(), kAvx) == 512);
    b = fresh();
    put32(b, 468, 700);  // xstate_size beyond extended_size
    CHECK(signal_fpu_bytes_to_read(b.data(), kAvx) == 512);
    b = fresh();
    put32(b, 464, 0x12345678);  // no magic1
    CHECK(signal_fpu_bytes_to_read(b.data(), kAvx) == 512);
    // A broken second magic: legacy, as Linux (not a failure).
    b = fresh();
    put32(b, 832, 0);
    REQUIRE(prepare_signal_fpu_restore(b.data(), 836, kAvx));
    CHECK(u64_at(b, 512) == 0x3);
    // Without XSAVE on this CPU the software bytes mean nothing.
    b = fresh();
    CHECK(signal_fpu_bytes_to_read(b.data(), kFxsaveOnly) == 512);
}

TEST_CASE("signal fpu: what xrstor would fault on is refused") {
    auto fresh = [] {
        auto b = saved_avx_image();
        finish_signal_fpu_image(b.data(), kAvx);
        return b;
    };
    auto b = fresh();
    put64(b, 512, 0x7 | (1u << 5));  // AVX-512 state this CPU has not enabled
    CHECK(!prepare_signal_fpu_restore(b.data(), 836, kAvx));
    b = fresh();
    put64(b, 520, 1ull << 63);  // XCOMP_BV: the compacted format
    CHECK(!prepare_signal_fpu_restore(b.data(), 836, kAvx));
    b = fresh();
    b[560] = 1;  // a reserved header byte
    CHECK(!prepare_signal_fpu_restore(b.data(), 836, kAvx));
    b = fresh();
    put32(b, 24, 0xffffffff);  // MXCSR
    CHECK(!prepare_signal_fpu_restore(b.data(), 836, kAvx));
}

TEST_CASE("signal fpu: components the software bytes leave out are initialized") {
    auto b = saved_avx_image();
    finish_signal_fpu_image(b.data(), kAvx);
    put64(b, 472, 0x3);  // xfeatures: x87 and SSE only
    REQUIRE(prepare_signal_fpu_restore(b.data(), 836, kAvx));
    CHECK(u64_at(b, 512) == 0x3);  // AVX: initial state, whatever the image holds
    // A shorter image (576 bytes: no AVX area) leaves nothing of the buffer
    // beyond it for xrstor to load.
    b = saved_avx_image();
    finish_signal_fpu_image(b.data(), kAvx);
    put32(b, 480, 576);
    put32(b, 468, 580);
    put32(b, 576, kFpXstateMagic2);
    CHECK(signal_fpu_bytes_to_read(b.data(), kAvx) == 580);
    REQUIRE(prepare_signal_fpu_restore(b.data(), 580, kAvx));
    for (size_t i = 576; i < 832; ++i) CHECK(b[i] == 0);
}

TEST_CASE("signal fpu: AT_MINSIGSTKSZ is Linux 6.1's for the image size") {
    CHECK(linux_min_signal_stack(kAvx) == 1760);
    SignalFpuLayout avx512 = kAvx;
    avx512.xstate_size = 2688;
    avx512.xfeatures = 0xe7;
    CHECK(linux_min_signal_stack(avx512) == 3616);
    CHECK(linux_min_signal_stack(kFxsaveOnly) == 1440);
    // Our own frame fits in it: the image, magic2, the frame, the red zone
    // is the interrupted code's, and at most 63 + 15 bytes of alignment.
    for (const SignalFpuLayout& l : {kAvx, avx512, kFxsaveOnly})
        CHECK(signal_fpu_image_bytes(l) + 4 + sizeof(RtSigframe) + 63 + 15 + 8 <=
              linux_min_signal_stack(l));
}
