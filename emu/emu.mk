# emu/emu.mk - userspace parts of the NTB emulator, included by the top
# Makefile; also usable alone:  make -f emu/emu.mk ROOT=$PWD
#   ivshmem-server       -> $(BUILD)/ivshmem-server
#   ivshmem-server-asan  -> $(BUILD)/ivshmem-server-asan (ASan + UBSan)
ROOT ?= $(CURDIR)
BUILD ?= $(ROOT)/build
EMU_CC ?= gcc
EMU_CFLAGS ?= -O2 -g -std=gnu11 -Wall -Wextra -Werror
EMU_SAN_CFLAGS ?= -O1 -g -std=gnu11 -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

.PHONY: ivshmem-server ivshmem-server-asan
ivshmem-server: $(BUILD)/ivshmem-server
ivshmem-server-asan: $(BUILD)/ivshmem-server-asan

$(BUILD)/ivshmem-server: $(ROOT)/emu/ivshmem-server.c
	@mkdir -p $(@D)
	$(EMU_CC) $(EMU_CFLAGS) -o $@ $<

$(BUILD)/ivshmem-server-asan: $(ROOT)/emu/ivshmem-server.c
	@mkdir -p $(@D)
	$(EMU_CC) $(EMU_SAN_CFLAGS) -o $@ $<
