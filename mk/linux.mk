# Linux programs: unmodified static Linux executables for NyanOS's Linux
# personality (user/linux/, user/README.md), built with musl-gcc -static
# (Debian's musl-tools) -- never through nyan-cc, so they carry no NyanOS ABI
# note. A program is one file user/linux/NAME.c or one folder
# user/linux/NAME/ of .c files; it is built as $(BUILD)/linux/bin/linux-NAME
# and shipped in the ramdisk as /bin/linux-NAME. The prefix keeps them
# apart from NyanOS's own /bin programs (which have an abi-test and a bench
# of their own).
#
# /test/linux in the ramdisk holds the fixture files linux-abi-test's exec
# cases need where nothing is writable; the suite writes them itself
# (--write-fixtures) so the two copies cannot drift.

LINUX_CC     := musl-gcc
LINUX_CFLAGS := -std=gnu11 -O2 $(WARN) -static -MMD -MP
LINUX_OBJDIR := $(BUILD)/linux/obj

LINUX_FILES := $(sort $(wildcard user/linux/*.c))
LINUX_DIRS  := $(sort $(patsubst %/,%,$(dir $(wildcard user/linux/*/*.c))))
LINUX_PROGS := $(sort $(basename $(notdir $(LINUX_FILES))) $(notdir $(LINUX_DIRS)))
LINUX_BINS  := $(patsubst %,$(BUILD)/linux/bin/linux-%,$(LINUX_PROGS))

# linux_prog_srcs(NAME): the sources of program NAME.
linux_prog_srcs = $(or $(filter user/linux/$(1).c,$(LINUX_FILES)),$(sort $(wildcard user/linux/$(1)/*.c)))

$(LINUX_OBJDIR)/%.c.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  MUSLCC  $<"
	@$(LINUX_CC) $(LINUX_CFLAGS) -c $< -o $@

define LINUX_PROG_RULE
$(BUILD)/linux/bin/linux-$(1): $(patsubst %,$(LINUX_OBJDIR)/%.o,$(call linux_prog_srcs,$(1)))
	@mkdir -p $$(@D)
	@echo "  MUSLLD  $$@"
	@$(LINUX_CC) -static -o $$@ $$^
endef
$(foreach p,$(LINUX_PROGS),$(eval $(call LINUX_PROG_RULE,$(p))))

# Raw Linux programs: freestanding (no C library; raw system calls with
# Linux's numbers), for checking Linux calls from inside a Linux program
# before the personality can start a C library. user/linux-raw/NAME.c is
# built with the host gcc and GNU ld like the ELF corpus's real-static
# program (mk/corpus.mk), without the NyanOS ABI note, and ships as
# /bin/linux-raw-NAME.
LINUX_RAW_FILES := $(sort $(wildcard user/linux-raw/*.c))
LINUX_RAW_BINS  := $(patsubst user/linux-raw/%.c,$(BUILD)/linux/bin/linux-raw-%,$(LINUX_RAW_FILES))
$(BUILD)/linux/bin/linux-raw-%: user/linux-raw/%.c | $(DEPS_STAMP)
	@mkdir -p $(LINUX_OBJDIR) $(@D)
	@echo "  RAWCC   $<"
	@gcc -std=gnu11 -O2 $(WARN) -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	    -fno-asynchronous-unwind-tables -fcf-protection=none -nostdlib -c $< \
	    -o $(LINUX_OBJDIR)/linux-raw-$*.o
	@ld -static -z max-page-size=0x1000 -z separate-code -z noexecstack -e _start \
	    -Ttext-segment=0x400000 -o $@ $(LINUX_OBJDIR)/linux-raw-$*.o
LINUX_BINS += $(LINUX_RAW_BINS)

LINUX_ABI_TEST := $(BUILD)/linux/bin/linux-abi-test
LINUX_FIXTURES := $(BUILD)/linux/fixtures/.stamp
$(LINUX_FIXTURES): $(LINUX_ABI_TEST)
	@echo "  GEN     $(@D)"
	@rm -rf $(@D) && mkdir -p $(@D)
	@$(LINUX_ABI_TEST) --write-fixtures $(@D) /bin/linux-abi-test
	@touch $@

# The ramdisk recipe (mk/user.mk) copies both in.
$(BUILD)/initrd.tar: $(LINUX_BINS) $(LINUX_FIXTURES)

.PHONY: linux-programs linux-abi-host-test
linux-programs: $(LINUX_BINS)
ALL_TARGETS += $(LINUX_BINS)

# Runs the suite on this machine's own Linux kernel: every case must pass
# there (Linux is the specification). LINUX_ABI_ARGS="--case NAME" picks cases.
LINUX_ABI_ARGS ?=
linux-abi-host-test: $(LINUX_ABI_TEST)
	$(LINUX_ABI_TEST) $(LINUX_ABI_ARGS)

# The same on Debian's Linux 6.1 (the contract's specification) in QEMU:
# scripts/linux61-abi-test.sh downloads the kernel package once.
.PHONY: linux-abi-linux61
linux-abi-linux61: $(LINUX_BINS) $(LINUX_FIXTURES) | $(DEPS_STAMP)
	@LINUX_ABI_ARGS="$(LINUX_ABI_ARGS)" scripts/linux61-abi-test.sh $(BUILD)

# The busybox conformance sweep (test/sweep/sweep.sh) on NyanOS and on
# Linux 6.1 from the same ramdisk, and the diff of the two transcripts
# (scripts/linux-sweep.sh). Not part of `make test`: its differences are
# triaged by hand.
.PHONY: linux-sweep
linux-sweep: $(BUILD)/initrd.tar $(BUILD)/kernel.elf $(BUILD)/BOOTX64.EFI | $(DEPS_STAMP)
	@scripts/linux-sweep.sh $(BUILD)

-include $(patsubst %,$(LINUX_OBJDIR)/%.d,$(foreach p,$(LINUX_PROGS),$(call linux_prog_srcs,$(p))))
