# BOOTX64.EFI: the GNU-EFI stub (see /work/shared/TOOLCHAIN.md for the recipe).
EFI_SRCS := $(sort $(wildcard efi/*.cpp))
EFI_OBJS := $(patsubst %,$(BUILD)/%.o,$(EFI_SRCS))
EFI_CXXFLAGS := -std=c++20 -O2 $(WARN) -ffreestanding -fshort-wchar -mno-red-zone -fno-exceptions \
                -fno-rtti -fpic -fno-stack-protector -fno-threadsafe-statics -DGNU_EFI_USE_MS_ABI \
                -I/usr/include/efi -I/usr/include/efi/x86_64 -Iinclude -MMD -MP
EFI_LDS := /usr/lib/elf_x86_64_efi.lds

$(BUILD)/efi/%.cpp.o: efi/%.cpp | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  EFICXX  $<"
	@g++ $(EFI_CXXFLAGS) -c $< -o $@

$(BUILD)/stub.so: $(EFI_OBJS)
	ld -nostdlib -znocombreloc -T $(EFI_LDS) -shared -Bsymbolic -L/usr/lib \
	    /usr/lib/crt0-efi-x86_64.o $(EFI_OBJS) -o $@ -lefi -lgnuefi

$(BUILD)/BOOTX64.EFI: $(BUILD)/stub.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* \
	    -j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 $< $@

# The ESP image: the stub, the kernel, the ramdisk and the command line.
# CMDLINE is recorded in a stamp so that changing it rebuilds the image. It
# reaches the shell through the environment, so quotes, | and $ survive
# (init=/bin/busybox -- sh -c "ls /bin | wc -l").
CMDLINE_STAMP := $(BUILD)/cmdline.txt
$(CMDLINE_STAMP): export NYANOS_EFI_CMDLINE = $(CMDLINE)
$(CMDLINE_STAMP): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' "$$NYANOS_EFI_CMDLINE" > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/esp.img: $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf $(BUILD)/initrd.tar $(CMDLINE_STAMP) scripts/mkesp.sh
	scripts/mkesp.sh $@ $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf $(BUILD)/initrd.tar $(CMDLINE_STAMP)

.PHONY: FORCE
FORCE:

ALL_TARGETS += $(BUILD)/BOOTX64.EFI $(BUILD)/esp.img
-include $(EFI_OBJS:.o=.d)
