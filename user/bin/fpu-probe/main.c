/* fpu-probe: checks that this process started from a clean FPU/SSE/AVX
 * state, the one the kernel gives every new process: x87 control word
 * 0x37f, MXCSR 0x1f80, every other field and every register (ST0-7,
 * XMM0-15, and YMM0-15 whole where AVX is usable) zero. Nothing of the boot
 * code's or another process's registers may show. Prints each field that
 * differs and exits 1; exits 0 if clean. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The fxsave64 image start.S took at the first instruction, and YMM0-15
 * (32 bytes each) when fpu_probe_have_ymm says AVX was usable. */
extern const unsigned char fpu_probe_entry_state[512];
extern const unsigned char fpu_probe_entry_ymm[512];
extern const unsigned char fpu_probe_have_ymm;

static int g_dirty;

static void expect_field(const char* name, size_t offset, size_t size, uint64_t want) {
    uint64_t have = 0;
    memcpy(&have, fpu_probe_entry_state + offset, size);
    if (have == want) return;
    printf("fpu-probe: %s = %#lx, expected %#lx\n", name, (unsigned long)have, (unsigned long)want);
    g_dirty = 1;
}

/* Registers of `stride` bytes (`size` of them significant) from `offset` in `image`. */
static void expect_zero_registers(const unsigned char* image, const char* name, size_t offset,
                                  int count, size_t stride, size_t size) {
    for (int i = 0; i < count; ++i) {
        const unsigned char* r = image + offset + (size_t)i * stride;
        for (size_t b = 0; b < size; ++b) {
            if (r[b] == 0) continue;
            printf("fpu-probe: %s%d is not zero:", name, i);
            for (size_t k = size; k-- > 0;) printf("%02x", r[k]);
            printf("\n");
            g_dirty = 1;
            break;
        }
    }
}

int main(void) {
    expect_field("FCW", 0, 2, 0x37f);
    expect_field("FSW", 2, 2, 0);
    expect_field("FTW (abridged)", 4, 1, 0);
    expect_field("FOP", 6, 2, 0);
    expect_field("FIP", 8, 8, 0);
    expect_field("FDP", 16, 8, 0);
    expect_field("MXCSR", 24, 4, 0x1f80);
    expect_zero_registers(fpu_probe_entry_state, "ST", 32, 8, 16, 10);
    expect_zero_registers(fpu_probe_entry_state, "XMM", 160, 16, 16, 16);
    if (fpu_probe_have_ymm) expect_zero_registers(fpu_probe_entry_ymm, "YMM", 0, 16, 32, 32);
    if (g_dirty) return 1;
    return 0;
}
