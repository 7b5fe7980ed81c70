# The ELF test corpus: malformed and valid ELF64 files generated from scratch
# by scripts/gen-elf-corpus.py (index: cases.txt, `<file> <expected Reject>`),
# plus one real static program linked by GNU ld the way user programs are.
# The host tests read both; the in-guest test suite can ship $(ELF_CORPUS_DIR)
# in the ramdisk and exec every file.
ELF_CORPUS_DIR   := $(BUILD)/elf-corpus
ELF_CORPUS       := $(ELF_CORPUS_DIR)/cases.txt
ELF_REAL_STATIC  := $(ELF_CORPUS_DIR)/real-static.elf

$(ELF_CORPUS): scripts/gen-elf-corpus.py
	@echo "  GEN     $@"
	@python3 scripts/gen-elf-corpus.py $(ELF_CORPUS_DIR)

$(ELF_REAL_STATIC): test/host/elf_real_static.c
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@gcc -O2 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	    -nostdlib -c $< -o $@.o
	@ld -static -z max-page-size=0x1000 -z separate-code -z noexecstack -e _start \
	    -Ttext-segment=0x400000 -o $@ $@.o
	@rm -f $@.o

# Real Linux programs, for the validator's Linux personality (host tests
# only: not in the ramdisk, not fuzz seeds): Debian's busybox-static as
# installed (scripts/install-deps.sh) and a hello world built by musl-gcc
# -static, as a musl static-PIE, and by glibc's gcc -static-pie.
ELF_LINUX_DIR := $(BUILD)/elf-linux
ELF_LINUX     := $(patsubst %,$(ELF_LINUX_DIR)/%,busybox musl-static musl-static-pie glibc-static-pie)
ELF_LINUX_SRC := test/host/elf_linux_hello.c
MUSL_LIB      := /usr/lib/x86_64-linux-musl

$(ELF_LINUX_DIR)/busybox: | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CP      $@"
	@test -f /var/lib/dpkg/info/busybox-static.list || \
	    { echo "/bin/busybox must be Debian's busybox-static (scripts/install-deps.sh)" >&2; exit 1; }
	@cp /bin/busybox $@

$(ELF_LINUX_DIR)/musl-static: $(ELF_LINUX_SRC) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  MUSLCC  $@"
	@musl-gcc -static -O2 $(WARN) $< -o $@

# Debian's musl-gcc -static-pie links Scrt1.o and passes -dynamic-linker, so
# its output has a PT_INTERP (a dynamic PIE). A static-PIE needs musl's
# self-relocating rcrt1.o: linked by hand, as musl's own gcc wrapper would.
$(ELF_LINUX_DIR)/musl-static-pie: $(ELF_LINUX_SRC) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  MUSLCC  $@"
	@musl-gcc -fPIE -O2 $(WARN) -c $< -o $@.o
	@gcc -nostdlib -static-pie -o $@ $(MUSL_LIB)/rcrt1.o $(MUSL_LIB)/crti.o \
	    "$$(gcc -print-file-name=crtbeginS.o)" $@.o $(MUSL_LIB)/libc.a \
	    "$$(gcc -print-libgcc-file-name)" "$$(gcc -print-file-name=crtendS.o)" $(MUSL_LIB)/crtn.o
	@rm -f $@.o

$(ELF_LINUX_DIR)/glibc-static-pie: $(ELF_LINUX_SRC) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@gcc -static-pie -O2 $(WARN) $< -o $@

# The host test binary reads them at run time; the test is told where.
$(BUILD)/host/nyanos-tests: $(ELF_CORPUS) $(ELF_REAL_STATIC) $(ELF_LINUX)
$(BUILD)/host/test/host/elf_test.cpp.o: HOST_CXXFLAGS += -DNYANOS_ELF_CORPUS_DIR='"$(ELF_CORPUS_DIR)"' \
    -DNYANOS_ELF_LINUX_DIR='"$(ELF_LINUX_DIR)"'

# Ramdisk test archives made by the real tools, so the parser is checked
# against what GNU tar and Python's tarfile actually write (the initrd is built
# by one of them). The tree is fixed; test/host/ramdisk_test.cpp knows it.
RAMDISK_TEST_DIR := $(BUILD)/ramdisk-test
RAMDISK_TEST_TARS := $(RAMDISK_TEST_DIR)/gnu-ustar.tar $(RAMDISK_TEST_DIR)/gnu-gnu.tar \
                     $(RAMDISK_TEST_DIR)/python-ustar.tar $(RAMDISK_TEST_DIR)/mkinitrd.tar

$(RAMDISK_TEST_DIR)/tree/.stamp: mk/corpus.mk
	@rm -rf $(@D) && mkdir -p $(@D)/bin $(@D)/etc/deep/er $(@D)/empty-dir
	@printf 'shell\n' > $(@D)/bin/sh
	@printf 'hello, world\n' > $(@D)/bin/hello
	@ln -s hello $(@D)/bin/greet
	@printf 'meow' > $(@D)/etc/deep/er/motd
	@: > $(@D)/etc/empty
	@head -c 1500 /dev/zero | tr '\0' 'x' > $(@D)/bin/big
	@touch $@

$(RAMDISK_TEST_DIR)/gnu-ustar.tar: $(RAMDISK_TEST_DIR)/tree/.stamp
	@echo "  TAR     $@"
	@tar --format=ustar --sort=name --owner=0 --group=0 -cf $@ -C $(<D) --exclude=.stamp .
$(RAMDISK_TEST_DIR)/gnu-gnu.tar: $(RAMDISK_TEST_DIR)/tree/.stamp
	@echo "  TAR     $@"
	@tar --format=gnu --sort=name --owner=0 --group=0 -cf $@ -C $(<D) --exclude=.stamp bin etc empty-dir
$(RAMDISK_TEST_DIR)/python-ustar.tar: $(RAMDISK_TEST_DIR)/tree/.stamp
	@echo "  TAR     $@"
	@cd $(<D) && python3 -c 'import tarfile, sys; t = tarfile.open(sys.argv[1], "w", format=tarfile.USTAR_FORMAT); [t.add(p) for p in ("bin", "etc", "empty-dir")]; t.close()' $(abspath $@)

# The initrd's own writer (file data on 4 KiB boundaries), fed the way
# mk/user.mk feeds it: a sorted list of every path in the tree.
$(RAMDISK_TEST_DIR)/mkinitrd.tar: $(RAMDISK_TEST_DIR)/tree/.stamp scripts/mkinitrd.py
	@echo "  TAR     $@"
	@cd $(<D) && find . -mindepth 1 ! -name .stamp | sed 's|^\./||' | LC_ALL=C sort > $(abspath $@).list
	@python3 scripts/mkinitrd.py $@ $(<D) $@.list

$(BUILD)/host/nyanos-tests: $(RAMDISK_TEST_TARS)
$(BUILD)/host/test/host/ramdisk_test.cpp.o: HOST_CXXFLAGS += -DNYANOS_RAMDISK_TEST_DIR='"$(RAMDISK_TEST_DIR)"'
