# ringbuf/ringbuf.mk - userspace builds of the ring library: tests, fuzzer,
# benchmark. Included by the top-level Makefile; also works on its own:
#
#   make -f ringbuf/ringbuf.mk ringbuf-tests    # build every test binary
#   make -f ringbuf/ringbuf.mk bench-ring       # native benchmark table,
#                                               # then instructions per frame
#   make -f ringbuf/ringbuf.mk bench-ring-insn  # instructions per frame only
#   make -f ringbuf/ringbuf.mk bench-ring-baseline  # rewrite the baseline
#   make -f ringbuf/ringbuf.mk fuzz-ring FUZZ_SECONDS=3600
#   make -f ringbuf/ringbuf.mk ringbuf-clean
#
# Binaries go to $(BUILD)/ringbuf/. Variants: plain, ASan+UBSan, TSan
# (threads), -m32 (only with gcc-multilib), libFuzzer (only with clang).

RINGBUF_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
ROOT ?= $(abspath $(RINGBUF_MK_DIR)/..)
BUILD ?= $(ROOT)/build

RB_SRC := $(ROOT)/ringbuf
RB_TST := $(ROOT)/tests/ringbuf
RB_OUT := $(BUILD)/ringbuf
RB_LIB := $(RB_SRC)/ntbring.c
RB_HDR := $(RB_SRC)/ntbring.h $(RB_SRC)/ntbring_compat.h $(RB_TST)/rt.h

RB_CC ?= gcc
RB_CLANG ?= clang
RB_WARN := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
RB_CFLAGS := $(RB_WARN) -O2 -g -I$(RB_SRC) -pthread
RB_ASAN := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
RB_TSAN := -O1 -fsanitize=thread
# The instruction count depends on the compiler and its flags: the
# counting binary is built with these, whatever RB_CC or the environment
# say, and ringbuf/insn-baseline.txt records them.
RB_INSN_CC := gcc
RB_INSN_FLAGS := -std=gnu11 -O2 -g
RB_INSN_BASELINE := $(RB_SRC)/insn-baseline.txt
FUZZ_SECONDS ?= 600
BENCH_RING_ARGS ?=

RB_HAVE_M32 := $(shell printf 'int main(void){return 0;}' | \
	$(RB_CC) -m32 -x c - -o /dev/null 2>/dev/null && echo y)
RB_HAVE_CLANG := $(shell command -v $(RB_CLANG) >/dev/null 2>&1 && \
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\
	{ (void)d; (void)n; return 0; }' | $(RB_CLANG) -fsanitize=fuzzer \
	-x c - -o /dev/null 2>/dev/null && echo y)

RB_BINS := $(RB_OUT)/unit $(RB_OUT)/unit-asan $(RB_OUT)/stress \
	   $(RB_OUT)/stress-asan $(RB_OUT)/stress-tsan $(RB_OUT)/fuzz-asan \
	   $(RB_OUT)/bench $(RB_OUT)/insn
ifeq ($(RB_HAVE_M32),y)
RB_BINS += $(RB_OUT)/unit-m32 $(RB_OUT)/stress-m32
endif
ifeq ($(RB_HAVE_CLANG),y)
RB_BINS += $(RB_OUT)/fuzz
endif

.PHONY: ringbuf-tests bench-ring bench-ring-insn bench-ring-baseline \
	fuzz-ring ringbuf-clean

ringbuf-tests: $(RB_BINS)

$(RB_OUT):
	mkdir -p $@

# name, test source, extra flags
define rb_variant
$(RB_OUT)/$(1): $(RB_TST)/$(2).c $(RB_LIB) $(RB_HDR) | $(RB_OUT)
	$(RB_CC) $(RB_CFLAGS) $(3) -o $$@ $(RB_TST)/$(2).c $(RB_LIB)
endef

$(eval $(call rb_variant,unit,unit,))
$(eval $(call rb_variant,unit-asan,unit,$(RB_ASAN)))
$(eval $(call rb_variant,unit-m32,unit,-m32))
$(eval $(call rb_variant,stress,stress,))
$(eval $(call rb_variant,stress-asan,stress,$(RB_ASAN)))
$(eval $(call rb_variant,stress-tsan,stress,$(RB_TSAN)))
$(eval $(call rb_variant,stress-m32,stress,-m32))
$(eval $(call rb_variant,fuzz-asan,fuzz,$(RB_ASAN)))
$(eval $(call rb_variant,bench,bench,-O2))

$(RB_OUT)/fuzz: $(RB_TST)/fuzz.c $(RB_LIB) $(RB_HDR) | $(RB_OUT)
	$(RB_CLANG) $(RB_WARN) -O1 -g -I$(RB_SRC) -DRT_LIBFUZZER \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $(RB_TST)/fuzz.c $(RB_LIB)

$(RB_OUT)/insn: $(RB_TST)/insn.c $(RB_LIB) $(RB_HDR) | $(RB_OUT)
	$(RB_INSN_CC) $(RB_WARN) $(RB_INSN_FLAGS) -I$(RB_SRC) -o $@ \
		$(RB_TST)/insn.c $(RB_LIB)

bench-ring: $(RB_OUT)/bench $(RB_OUT)/insn
	$(RB_OUT)/bench $(BENCH_RING_ARGS)
	INSN_FLAGS="$(RB_INSN_FLAGS)" $(RB_TST)/insn-count $(RB_OUT)/insn

bench-ring-insn: $(RB_OUT)/insn
	INSN_FLAGS="$(RB_INSN_FLAGS)" $(RB_TST)/insn-count $(RB_OUT)/insn

# tests/unit/ring-insn-guard.t fails when a count grows by more than 10%
# over this file: commit the new one with the change that explains it.
bench-ring-baseline: $(RB_OUT)/insn
	INSN_FLAGS="$(RB_INSN_FLAGS)" $(RB_TST)/insn-count $(RB_OUT)/insn \
		> $(RB_INSN_BASELINE).tmp
	mv $(RB_INSN_BASELINE).tmp $(RB_INSN_BASELINE)
	cat $(RB_INSN_BASELINE)

fuzz-ring: $(RB_OUT)/fuzz
	mkdir -p $(RB_OUT)/corpus
	$(RB_OUT)/fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		-print_final_stats=1 $(RB_OUT)/corpus

ringbuf-clean:
	rm -rf $(RB_OUT)
