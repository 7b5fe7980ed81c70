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

# The host test binary reads them at run time; the test is told where.
$(BUILD)/host/nyanos-tests: $(ELF_CORPUS) $(ELF_REAL_STATIC)
$(BUILD)/host/test/host/elf_test.cpp.o: HOST_CXXFLAGS += -DNYANOS_ELF_CORPUS_DIR='"$(ELF_CORPUS_DIR)"'
