# Host fuzzing with libFuzzer (clang, ASan + UBSan): `make fuzz` builds every
# test/fuzz/NAME_fuzz.cpp into build/fuzz/bin/NAME and runs each for
# FUZZ_SECONDS, seeded from build/fuzz/seeds/NAME (the ELF corpus, the
# user programs and the small real Linux programs (musl static and
# static-PIE), the ramdisk test archives, generated MBIs, generated USB
# descriptors). New inputs accumulate in build/fuzz/corpus/NAME across runs;
# crashes are saved in build/fuzz/artifacts/NAME. It fails if any target crashes.
# FUZZ_TARGETS=elf_load runs a subset. `make test` runs the same targets for
# FUZZ_TEST_SECONDS each (scripts/test.sh), so the fuzz build cannot rot.
FUZZ_DIR      := $(BUILD)/fuzz
FUZZ_SECONDS  ?= 20
FUZZ_TEST_SECONDS ?= 3
FUZZ_CXX      := clang++
FUZZ_CXXFLAGS := -std=c++20 -O1 -g $(WARN) -fsanitize=fuzzer-no-link,address,undefined \
                 -fno-sanitize-recover=all -fno-omit-frame-pointer -DNYANOS_HOST \
                 -Iinclude -Ikernel -Itest/host -Igrub -MMD -MP
FUZZ_LDFLAGS  := -fsanitize=fuzzer,address,undefined

# The portable code the targets exercise, as an archive so each target links
# only what it uses.
FUZZ_CODE_SRCS := kernel/proc/elf.cpp kernel/proc/program_loader.cpp kernel/mm/address_space.cpp \
                  kernel/mm/process_memory.cpp kernel/mm/vm_map.cpp \
                  kernel/mm/pcid.cpp kernel/mm/physical_memory.cpp kernel/fs/ramdisk.cpp kernel/lib/format.cpp \
                  kernel/usb/descriptors.cpp kernel/usb/boot_interface.cpp \
                  kernel/usb/hub_interface.cpp kernel/usb/hub_port_status.cpp \
                  kernel/usb/boot_keyboard_report.cpp kernel/usb/hid_keyboard.cpp \
                  kernel/lib/key_translator.cpp kernel/lib/key_repeat.cpp \
                  test/host/host_panic.cpp test/host/host_cpu_tag.cpp
FUZZ_CODE_OBJS := $(patsubst %,$(FUZZ_DIR)/obj/%.o,$(FUZZ_CODE_SRCS))
FUZZ_LIB       := $(FUZZ_DIR)/libnyanos-fuzz.a

FUZZ_ALL_TARGETS := $(sort $(patsubst test/fuzz/%_fuzz.cpp,%,$(wildcard test/fuzz/*_fuzz.cpp)))
FUZZ_TARGETS     ?= $(FUZZ_ALL_TARGETS)
FUZZ_BINS        := $(patsubst %,$(FUZZ_DIR)/bin/%,$(FUZZ_ALL_TARGETS))

$(FUZZ_DIR)/obj/%.cpp.o: %.cpp | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  FUZZCXX $<"
	@$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_CODE_OBJS)
	@rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/bin/%: $(FUZZ_DIR)/obj/test/fuzz/%_fuzz.cpp.o $(FUZZ_LIB)
	@mkdir -p $(@D)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CXX) $(FUZZ_LDFLAGS) -o $@ $< $(FUZZ_LIB)

# Seeds: rebuilt from their sources each time (cheap), so a stale seed never lingers.
# The user programs are reached through the phony user-programs target, not
# $(USER_BINS): the Makefile reads mk/*.mk in alphabetical order, so when this
# rule is read mk/user.mk has not yet defined USER_BINS and a prerequisite list
# naming it would be empty (the recipe below runs later and sees the full list).
FUZZ_SEEDS := $(FUZZ_DIR)/seeds
.PHONY: fuzz-seeds fuzz-build
FUZZ_LINUX_SEEDS := $(ELF_LINUX_DIR)/musl-static $(ELF_LINUX_DIR)/musl-static-pie
fuzz-seeds: $(ELF_CORPUS) $(ELF_REAL_STATIC) $(FUZZ_LINUX_SEEDS) user-programs $(RAMDISK_TEST_TARS) test/fuzz/gen_mbi_seeds.py test/fuzz/gen_usb_seeds.py
	@rm -rf $(FUZZ_SEEDS) && mkdir -p $(FUZZ_SEEDS)/elf $(FUZZ_SEEDS)/ramdisk $(FUZZ_SEEDS)/multiboot2 $(FUZZ_SEEDS)/usb
	@cp $(ELF_CORPUS_DIR)/*.elf $(FUZZ_SEEDS)/elf/
	@for f in $(FUZZ_LINUX_SEEDS); do cp $$f $(FUZZ_SEEDS)/elf/linux-$$(basename $$f).elf; done
	@for b in $(USER_BINS); do cp $$b $(FUZZ_SEEDS)/elf/user-$$(basename $$b).elf; done
	@cp $(RAMDISK_TEST_TARS) $(FUZZ_SEEDS)/ramdisk/
	@python3 test/fuzz/gen_mbi_seeds.py $(FUZZ_SEEDS)/multiboot2
	@python3 test/fuzz/gen_usb_seeds.py $(FUZZ_SEEDS)/usb

# Keep the targets' objects (make would delete them as intermediates).
.SECONDARY: $(patsubst %,$(FUZZ_DIR)/obj/test/fuzz/%_fuzz.cpp.o,$(FUZZ_ALL_TARGETS))

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build fuzz-seeds
	@FUZZ_DIR=$(FUZZ_DIR) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_TARGETS)

-include $(FUZZ_CODE_OBJS:.o=.d) $(patsubst %,$(FUZZ_DIR)/obj/test/fuzz/%_fuzz.cpp.d,$(FUZZ_ALL_TARGETS))
