# ntbnet - top-level Makefile.
#
#   make            build every module (ours + upstream NTB core/clients when
#                   the kernel has no CONFIG_NTB) and the userspace tools
#   make check      install missing packages, build, run every test
#                   (check-nodeps, demo-nodeps: the same without deps)
#   make demo       the main job: bring up the lab and show it working
#   make deps       install the Debian packages the project needs
#   make install    what an operator runs: ntbnet.ko (+ ntb.ko when the kernel
#                   lacks CONFIG_NTB) into /lib/modules/$KVER/extra/ntbnet
#   make install-lab the emulator and test modules (ntb_hw_ivshmem, ntb_swdma,
#                   ntb_hostile, upstream ntb_transport/netdev/tool/perf/pingpong)
#                   into /lib/modules/$KVER/extra/ntbnet-lab, never on a controller
#   make dkms-add   register the tree with DKMS (then: dkms install ...)
#   make faults     peer faults (FAULT_CYCLES=20) + DRBD crash rounds (DRBD_ROUNDS=2)
#   make soak       ping + TCP both ways + DRBD verify (SOAK_SECS=600)
#   make bench-ring the ring library natively: throughput next to memcpy
#                   (wall clock, noisy), then instructions per frame at 64 B,
#                   1500 B, 64 KiB under callgrind (exact; bench-ring-insn alone)
#   make bench-ring-baseline   rewrite ringbuf/insn-baseline.txt: make check
#                   fails when a count grows >10% over it (ring-insn-guard.t)
#   KDIR=/path      build against another prepared kernel tree
#   KVER=<release>  build for that installed kernel (e.g. a 6.12 one)
#   make modules-all-kernels   modules for every kernel with headers here
#   make deps KERNELS="6.1 6.12"   Debian's 6.12 headers + source too
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD := $(ROOT)/build
ifneq ($(KDIR),)
KVER ?= $(shell KDIR=$(KDIR) $(ROOT)/userspace/kver 2>/dev/null)
else
KVER ?= $(shell $(ROOT)/userspace/kver 2>/dev/null)
KDIR := /lib/modules/$(KVER)/build
endif
MODDIR := $(BUILD)/modules/$(KVER)
# the kernel series (6.1, 6.12): its linux-source gives the NTB core
KSERIES := $(shell echo $(KVER) | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
LINUX_SRC_TAR ?= $(wildcard /usr/src/linux-source-$(KSERIES).tar.xz)
SRCDIR := $(BUILD)/linux-src/$(KSERIES)
UPSTREAM := $(BUILD)/ntb-upstream/$(KVER)
KERNEL_HAS_NTB := $(shell grep -qs '^CONFIG_NTB=' $(KDIR)/include/config/auto.conf && echo y)

export ROOT BUILD
# Not exported while unknown: the new make that check and demo start after
# deps must compute them afresh, not inherit empty ones.
ifneq ($(KVER),)
export KVER KDIR
endif

.PHONY: all modules upstream-ntb userspace check deps demo clean lint \
	check-nodeps demo-nodeps \
	kver-check help install install-lab dkms-add clean-modules faults soak
all: modules userspace

help:
	@sed -n '2,/^[^#]/{/^#/p}' $(ROOT)/Makefile

deps:
	@$(ROOT)/userspace/install-deps

kver-check:
	@test -n "$(KVER)" || { $(ROOT)/userspace/kver; exit 1; }
	@if [ -z "$(filter command line environment,$(origin KDIR))" ]; then \
		$(ROOT)/userspace/check-kernel-versions $(KVER); fi

# --- upstream NTB core and reference clients, from the distribution's
# linux-source of the same series as the kernel (6.1 for 6.1, 6.12 for
# 6.12), never committed. Built against the same KDIR and its config as our
# modules, so CONFIG_NTB_MSI (off: the kernel has no CONFIG_NTB) is the same
# for ntb.ko and everything that links against it (struct ntb_dev depends
# on it); nothing here sets it.
UPSTREAM_FILES := drivers/ntb/core.c drivers/ntb/ntb_transport.c \
	drivers/ntb/test/ntb_tool.c drivers/ntb/test/ntb_perf.c \
	drivers/ntb/test/ntb_pingpong.c drivers/net/ntb_netdev.c \
	scripts/checkpatch.pl scripts/spelling.txt \
	scripts/const_structs.checkpatch

$(SRCDIR)/.extracted: $(LINUX_SRC_TAR)
	@test -n "$(LINUX_SRC_TAR)" || { echo "no /usr/src/linux-source-*.tar.xz for $(KVER): run make deps" >&2; exit 1; }
	rm -rf $(SRCDIR) && mkdir -p $(SRCDIR)
	tar -xJf $(LINUX_SRC_TAR) -C $(SRCDIR) --strip-components=1 \
		$(addprefix $(notdir $(basename $(basename $(LINUX_SRC_TAR))))/,$(UPSTREAM_FILES))
	touch $@

# where the sources above are (tests/lint/checkpatch.t runs checkpatch.pl)
.PHONY: linux-src-dir
linux-src-dir: $(SRCDIR)/.extracted
	@echo $(SRCDIR)

$(UPSTREAM)/Kbuild: $(SRCDIR)/.extracted
	mkdir -p $(UPSTREAM)
	cp $(SRCDIR)/drivers/ntb/core.c $(SRCDIR)/drivers/ntb/ntb_transport.c \
		$(SRCDIR)/drivers/ntb/test/ntb_tool.c \
		$(SRCDIR)/drivers/ntb/test/ntb_perf.c \
		$(SRCDIR)/drivers/ntb/test/ntb_pingpong.c \
		$(SRCDIR)/drivers/net/ntb_netdev.c $(UPSTREAM)/
	printf '%s\n' 'obj-m := ntb.o ntb_transport.o ntb_netdev.o ntb_tool.o ntb_perf.o ntb_pingpong.o' \
		'ntb-y := core.o' > $@

ifeq ($(KERNEL_HAS_NTB),y)
upstream-ntb:
	@echo "kernel $(KVER) has CONFIG_NTB: using its ntb.ko and clients"
NTB_SYMVERS :=
else
upstream-ntb: kver-check $(UPSTREAM)/Kbuild
	$(MAKE) -C $(KDIR) M=$(UPSTREAM) modules
NTB_SYMVERS := $(UPSTREAM)/Module.symvers
endif

modules: upstream-ntb
	$(MAKE) -C $(KDIR) M=$(ROOT) KBUILD_EXTRA_SYMBOLS="$(NTB_SYMVERS)" modules
	mkdir -p $(MODDIR)
	find $(ROOT) -path $(BUILD) -prune -o -name '*.ko' -print | xargs -r cp -f -t $(MODDIR)
	[ "$(KERNEL_HAS_NTB)" = y ] || cp -f $(UPSTREAM)/*.ko $(MODDIR)/
	@echo "modules for $(KVER) in $(MODDIR):"; ls $(MODDIR)

# Every kernel with headers here (Debian's 6.1, 6.12 once installed with
# KERNELS="6.1 6.12" userspace/install-deps), one after the other: they
# share the objects in the tree. KDIR is given so that a parent's exported
# one is not inherited; the .ko files go to build/modules/<release>/.
KVERS_ALL = $(patsubst /lib/modules/%/build,%,$(wildcard /lib/modules/*/build))
.PHONY: modules-all-kernels
modules-all-kernels:
	@test -n "$(KVERS_ALL)" || { echo "no kernel headers: run make deps" >&2; exit 1; }
	set -e; for k in $(KVERS_ALL); do \
		$(MAKE) -C $(ROOT) KVER=$$k KDIR=/lib/modules/$$k/build modules; \
	done

# sparse + W=1 over our modules (the upstream ones are not ours to lint)
lint: upstream-ntb
	$(MAKE) -C $(KDIR) M=$(ROOT) KBUILD_EXTRA_SYMBOLS="$(NTB_SYMVERS)" W=1 C=2 modules

-include $(ROOT)/ringbuf/ringbuf.mk
-include $(ROOT)/emu/emu.mk

userspace: ivshmem-server

# check and demo install packages first, then build in a new make: KVER and
# KDIR are computed when make reads this file, and on a fresh machine the
# kernel headers only exist once deps has run.
check: deps
	$(MAKE) -C $(ROOT) check-nodeps
check-nodeps: all
	$(ROOT)/tests/run

demo: deps
	$(MAKE) -C $(ROOT) demo-nodeps
demo-nodeps: all
	$(ROOT)/userspace/demo

# Reliability campaigns (docs/reliability.md); each holds the lab lock.
FAULT_CYCLES ?= 20
DRBD_ROUNDS ?= 2
SOAK_SECS ?= 600
faults: all
	$(ROOT)/userspace/ntbnet-faults --up --cycles $(FAULT_CYCLES) \
		--drbd-crash $(DRBD_ROUNDS) --json $(BUILD)/faults.json
soak: all
	$(ROOT)/userspace/ntbnet-soak --up -t $(SOAK_SECS) \
		--json $(BUILD)/soak.json

# Installed: what an operator runs, ntbnet and, when the kernel lacks
# CONFIG_NTB, the NTB core it links against. The emulated hardware, the
# software DMA engine, the hostile peer and the upstream test clients stay
# in the build tree; install-lab puts them in a directory of their own.
# (tests/unit/install-dkms.t holds both lists to this.)
INSTALL_MOD_DIR ?= extra/ntbnet
INSTALL_LAB_DIR ?= extra/ntbnet-lab
UPSTREAM_LAB := ntb_transport ntb_netdev ntb_tool ntb_perf ntb_pingpong
INSTALL_MODULES := ntbnet $(if $(filter y,$(KERNEL_HAS_NTB)),,ntb)
LAB_MODULES := ntb_hw_ivshmem ntb_swdma ntb_hostile \
	$(if $(filter y,$(KERNEL_HAS_NTB)),,$(UPSTREAM_LAB))
install: modules
	install -d $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)
	install -m 0644 $(patsubst %,$(MODDIR)/%.ko,$(INSTALL_MODULES)) \
		$(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/
	@# test modules an earlier make install put beside ntbnet
	rm -f $(patsubst %,$(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/%.ko,$(LAB_MODULES) $(UPSTREAM_LAB))
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER)
	@echo "installed $(INSTALL_MODULES) into /lib/modules/$(KVER)/$(INSTALL_MOD_DIR): try modprobe ntbnet"

install-lab: modules
	install -d $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_LAB_DIR)
	install -m 0644 $(patsubst %,$(MODDIR)/%.ko,$(LAB_MODULES)) \
		$(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_LAB_DIR)/
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER)
	@echo "installed the lab and test modules $(LAB_MODULES) into /lib/modules/$(KVER)/$(INSTALL_LAB_DIR) (not for a production controller)"

DKMS_VERSION ?= $(shell git -C $(ROOT) describe --always --dirty 2>/dev/null | sed 's/^/0.1-/' || echo 0.1)
DKMS_SRC := $(DESTDIR)/usr/src/ntbnet-$(DKMS_VERSION)
dkms-add:
	rm -rf $(DKMS_SRC) && install -d $(DKMS_SRC)
	cd $(ROOT) && tar -cf - --exclude=./build --exclude=./.git \
		--exclude='*.ko' --exclude='*.o' . | tar -xf - -C $(DKMS_SRC)
	sed 's/@VERSION@/$(DKMS_VERSION)/' $(ROOT)/userspace/dkms/dkms.conf > $(DKMS_SRC)/dkms.conf
	[ -n "$(DESTDIR)" ] || dkms add ntbnet/$(DKMS_VERSION)
	@echo "added ntbnet/$(DKMS_VERSION): dkms install ntbnet/$(DKMS_VERSION)"

clean-modules:
	-$(MAKE) -C $(KDIR) M=$(ROOT) clean
	rm -rf $(BUILD)/modules $(UPSTREAM)

clean:
	-$(MAKE) -C $(KDIR) M=$(ROOT) clean
	rm -rf $(BUILD)
