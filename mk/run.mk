# The commands a person runs: make run, make test, make debug.
run: all
	scripts/qemu.sh

debug: all
	@echo "QEMU waits for GDB on localhost:1234. In another terminal:"
	@echo "  gdb -x scripts/gdbinit"
	GDB=1 scripts/qemu.sh

# scripts/test.sh runs the lock check and builds and runs the fuzz targets
# itself, to count their failures in its total. $(MAKE) must appear in the
# recipe line itself: that is how make knows to hand the sub-makes its -j
# slots.
TEST_ENV = BUILD="$(BUILD)" FUZZ_TARGETS="$(FUZZ_TARGETS)" FUZZ_TEST_SECONDS="$(FUZZ_TEST_SECONDS)"

test: all $(HOST_TESTS)
	@MAKE="$(MAKE)" $(TEST_ENV) scripts/test.sh

# Everything in the test suite, including the slow matrix of boot paths and memory sizes.
test-matrix: all $(HOST_TESTS)
	@MAKE="$(MAKE)" $(TEST_ENV) MATRIX=1 scripts/test.sh
