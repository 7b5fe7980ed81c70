# The commands a person runs: make run, make test, make debug.
run: all
	scripts/qemu.sh

debug: all
	@echo "QEMU waits for GDB on localhost:1234. In another terminal:"
	@echo "  gdb -x scripts/gdbinit"
	GDB=1 scripts/qemu.sh

test: all $(HOST_TESTS)
	scripts/test.sh

# Everything in the test suite, including the slow matrix of boot paths and memory sizes.
test-matrix: all $(HOST_TESTS)
	MATRIX=1 scripts/test.sh
