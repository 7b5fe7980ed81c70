# The GRUB path: build/nyanos-loader (a multiboot2 ELF that GRUB starts in
# 32-bit mode; it loads kernel.elf like the UEFI stub does) and
# build/nyanos.iso, the hybrid BIOS+UEFI GRUB image (scripts/mkiso.sh).
# The loader also links the kernel's memcpy/memset/... (plain freestanding C).
LOADER_SRCS := $(sort $(wildcard grub/*.cpp grub/*.S))
LOADER_OBJS := $(patsubst grub/%,$(BUILD)/loader/%.o,$(LOADER_SRCS)) \
               $(BUILD)/loader/freestanding.kernel.cpp.o
LOADER_LDS  := grub/loader.ld
LOADER      := $(BUILD)/nyanos-loader
ISO         := $(BUILD)/nyanos.iso

# Freestanding x86_64 code run identity mapped below 4 GiB (hence the small
# code model and no PIC). entry.S holds the 32-bit start in the same ELF64.
LOADER_CXXFLAGS := -std=c++20 -O2 -g $(WARN) -m64 -ffreestanding -fno-exceptions -fno-rtti \
                   -mno-red-zone -mgeneral-regs-only -mcmodel=small -fno-pic -fno-pie \
                   -fno-stack-protector -fno-threadsafe-statics -fno-asynchronous-unwind-tables \
                   -fno-use-cxa-atexit -nostdlib -Iinclude -Ikernel -Igrub -MMD -MP

$(BUILD)/loader/%.cpp.o: grub/%.cpp | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  LDRCXX  $<"
	@g++ $(LOADER_CXXFLAGS) -c $< -o $@

$(BUILD)/loader/freestanding.kernel.cpp.o: kernel/lib/freestanding.kernel.cpp | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  LDRCXX  $<"
	@g++ $(LOADER_CXXFLAGS) -c $< -o $@

$(BUILD)/loader/%.S.o: grub/%.S | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  LDRAS   $<"
	@g++ $(LOADER_CXXFLAGS) -c $< -o $@

$(LOADER): $(LOADER_OBJS) $(LOADER_LDS)
	@echo "  LDRLD   $@"
	@g++ $(LOADER_CXXFLAGS) -static -no-pie -Wl,-T,$(LOADER_LDS) -Wl,-z,max-page-size=0x1000 \
	    -Wl,--build-id=none -Wl,--no-warn-rwx-segments -o $@.tmp $(LOADER_OBJS) -lgcc
	@grub-file --is-x86-multiboot2 $@.tmp || { echo "$@: no valid multiboot2 header" >&2; exit 1; }
	@mv $@.tmp $@

# CMDLINE goes into grub.cfg: record it so a change rebuilds the ISO. It
# reaches the shell through the environment, so quotes and $ survive.
GRUB_CMDLINE_STAMP := $(BUILD)/grub-cmdline.txt
$(GRUB_CMDLINE_STAMP): export NYANOS_GRUB_CMDLINE = $(CMDLINE)
$(GRUB_CMDLINE_STAMP): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' "$$NYANOS_GRUB_CMDLINE" > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(ISO): $(LOADER) $(BUILD)/kernel.elf $(BUILD)/initrd.tar grub/grub.cfg scripts/mkiso.sh \
        $(GRUB_CMDLINE_STAMP) | $(DEPS_STAMP)
	@echo "  MKISO   $@"
	@scripts/mkiso.sh $@ "$$(cat $(GRUB_CMDLINE_STAMP))" $(BUILD)/initrd.tar

.PHONY: iso loader
iso: $(ISO)
loader: $(LOADER)

ALL_TARGETS += $(ISO)
-include $(LOADER_OBJS:.o=.d)
