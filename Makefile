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
#   make deb        build/deb/ntbnet-dkms_<version>_all.deb (DKMS, dh-dkms)
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
LINUX_SRC_PKG := linux-source-$(KSERIES)
LINUX_SRC_TAR ?= $(wildcard /usr/src/$(LINUX_SRC_PKG).tar.xz)
# INSTALLED_ONLY=y: only what make install installs, ntbnet.ko and the NTB
# core, from a tree without emu/ (DKMS, userspace/dkms/dkms.conf); the
# other directories keep a full build's files apart from it.
ifeq ($(INSTALLED_ONLY),y)
SRCDIR := $(BUILD)/linux-src/$(KSERIES)-core
UPSTREAM := $(BUILD)/ntb-core/$(KVER)
else
SRCDIR := $(BUILD)/linux-src/$(KSERIES)
UPSTREAM := $(BUILD)/ntb-upstream/$(KVER)
endif
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
	@test -n "$(KVER)" || { [ -x $(ROOT)/userspace/kver ] && $(ROOT)/userspace/kver || \
		echo "no kernel to build for: give KVER=<release>" >&2; exit 1; }
	@if [ -z "$(filter command line environment,$(origin KDIR))" ]; then \
		$(ROOT)/userspace/check-kernel-versions $(KVER); fi

# --- upstream NTB core and reference clients, from the distribution's
# linux-source of the same series as the kernel (6.1 for 6.1, 6.12 for
# 6.12), never committed. Built against the same KDIR and its config as our
# modules, so CONFIG_NTB_MSI (off: the kernel has no CONFIG_NTB) is the same
# for ntb.ko and everything that links against it (struct ntb_dev depends
# on it); nothing here sets it.
ifeq ($(INSTALLED_ONLY),y)
UPSTREAM_FILES := drivers/ntb/core.c
UPSTREAM_OBJS := ntb.o
else
UPSTREAM_FILES := drivers/ntb/core.c drivers/ntb/ntb_transport.c \
	drivers/ntb/test/ntb_tool.c drivers/ntb/test/ntb_perf.c \
	drivers/ntb/test/ntb_pingpong.c drivers/net/ntb_netdev.c \
	scripts/checkpatch.pl scripts/spelling.txt \
	scripts/const_structs.checkpatch
UPSTREAM_OBJS := ntb.o ntb_transport.o ntb_netdev.o ntb_tool.o ntb_perf.o ntb_pingpong.o
endif

# The source the NTB core is built from, checked before a build needs it:
# its absence names the package to install (DKMS shows this message before
# the build, userspace/dkms/pre-build). A different version of the same
# series still builds (the NTB core's API is stable within a series, and one
# linux-source-<series> serves every kernel of it); it is said, not refused.
.PHONY: ntb-source-check
ntb-source-check:
	@if [ "$(KERNEL_HAS_NTB)" = y ]; then \
		echo "kernel $(KVER) has CONFIG_NTB: no linux-source needed"; \
	elif [ -z "$(LINUX_SRC_TAR)" ]; then \
		echo "ntbnet: kernel $(KVER) has no CONFIG_NTB, so the NTB core ntb.ko" \
			"is built from /usr/src/$(LINUX_SRC_PKG).tar.xz, which is missing:" \
			"apt install $(LINUX_SRC_PKG)" >&2; \
		exit 1; \
	else \
		hv=$$(dpkg-query -W -f='$${Version}' linux-headers-$(KVER) 2>/dev/null || true); \
		sv=$$(dpkg-query -W -f='$${Version}' $(LINUX_SRC_PKG) 2>/dev/null || true); \
		if [ -n "$$hv" ] && [ -n "$$sv" ] && [ "$$hv" != "$$sv" ]; then \
			echo "ntbnet: note: ntb.ko for $(KVER) (headers $$hv) is built from" \
				"$(LINUX_SRC_PKG) $$sv" >&2; \
		fi; \
		echo "kernel $(KVER): NTB core from $(LINUX_SRC_TAR)"; \
	fi

# --occurrence: tar stops reading once it has every file (the tarball's
# xz is most of the time; core.c alone is 60% of the way in)
$(SRCDIR)/.extracted: $(LINUX_SRC_TAR) | ntb-source-check
	rm -rf $(SRCDIR) && mkdir -p $(SRCDIR)
	tar -xJf $(LINUX_SRC_TAR) -C $(SRCDIR) --strip-components=1 --occurrence \
		$(addprefix $(notdir $(basename $(basename $(LINUX_SRC_TAR))))/,$(UPSTREAM_FILES))
	touch $@

# where the sources above are (tests/lint/checkpatch.t runs checkpatch.pl)
.PHONY: linux-src-dir
linux-src-dir: $(SRCDIR)/.extracted
	@echo $(SRCDIR)

$(UPSTREAM)/Kbuild: $(SRCDIR)/.extracted
	mkdir -p $(UPSTREAM)
	cp $(filter %.c,$(addprefix $(SRCDIR)/,$(UPSTREAM_FILES))) $(UPSTREAM)/
	printf '%s\n' 'obj-m := $(UPSTREAM_OBJS)' 'ntb-y := core.o' > $@

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
	$(MAKE) -C $(KDIR) M=$(ROOT) KBUILD_EXTRA_SYMBOLS="$(NTB_SYMVERS)" \
		INSTALLED_ONLY=$(INSTALLED_ONLY) modules
	mkdir -p $(MODDIR)
ifeq ($(INSTALLED_ONLY),y)
	cp -f $(ROOT)/ntbnet.ko $(MODDIR)/
else
	find $(ROOT) -path $(BUILD) -prune -o -name '*.ko' -print | xargs -r cp -f -t $(MODDIR)
endif
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

# The version of the DKMS source and of the Debian package:
# 0.1+<commits>.g<hash>, ".dirty" with uncommitted changes; the commit count
# orders builds along main (dpkg compares it as a number). Out of git: 0.1.
NTBNET_VERSION := 0.1
ifeq ($(origin DKMS_VERSION),undefined)
DKMS_VERSION := $(shell cd $(ROOT) && n=$$(git rev-list --count HEAD 2>/dev/null) && \
	h=$$(git rev-parse --short HEAD) && \
	d=$$(git diff --quiet HEAD 2>/dev/null || echo .dirty) && \
	echo $(NTBNET_VERSION)+$$n.g$$h$$d || echo $(NTBNET_VERSION))
endif

# The DKMS source: what builds ntbnet.ko and the NTB core and nothing else
# (no emulator, tests, tools or docs); dkms.conf builds with
# INSTALLED_ONLY=y. make dkms-add and make deb both install this tree.
DKMS_FILES := Makefile Kbuild userspace/dkms/pre-build \
	$(filter-out %.mod.c,$(patsubst $(ROOT)/%,%,$(wildcard \
		$(ROOT)/compat/*.h $(ROOT)/ntb_netdev/*.[ch] $(ROOT)/dma/*.[ch]))) \
	ringbuf/ntbring.c ringbuf/ntbring.h ringbuf/ntbring_compat.h
DKMS_STAGE := $(BUILD)/dkms/ntbnet-$(DKMS_VERSION)
DKMS_SRC := $(DESTDIR)/usr/src/ntbnet-$(DKMS_VERSION)
.PHONY: dkms-src deb dkms-deb
dkms-src:
	rm -rf $(BUILD)/dkms && install -d $(DKMS_STAGE)
	cd $(ROOT) && tar -cf - $(DKMS_FILES) | tar -xf - -C $(DKMS_STAGE)
	sed 's/@VERSION@/$(DKMS_VERSION)/' $(ROOT)/userspace/dkms/dkms.conf > $(DKMS_STAGE)/dkms.conf

dkms-add: dkms-src
	rm -rf $(DKMS_SRC) && install -d $(DKMS_SRC)
	cp -a $(DKMS_STAGE)/. $(DKMS_SRC)/
	[ -n "$(DESTDIR)" ] || dkms add ntbnet/$(DKMS_VERSION)
	@echo "added ntbnet/$(DKMS_VERSION): dkms install ntbnet/$(DKMS_VERSION) -k <kernel release>"

# build/deb/ntbnet-dkms_<version>_all.deb: the DKMS source above packaged
# with dh-dkms (userspace/dkms/debian/); apt install ./build/deb/ntbnet-dkms_*.deb
# builds and installs ntbnet.ko and ntb.ko for the installed kernels.
# Offline and unsigned. Needs debhelper, dh-dkms, dpkg-dev (install-deps).
DEB_DIR := $(BUILD)/deb
DEB_PKG := $(DEB_DIR)/ntbnet-dkms-$(DKMS_VERSION)
DEB_DATE = $(shell git -C $(ROOT) log -1 --format=%cD 2>/dev/null || date -R)
deb dkms-deb: dkms-src
	@command -v dpkg-buildpackage >/dev/null && command -v dh_dkms >/dev/null || \
		{ echo "make deb needs dpkg-dev, debhelper and dh-dkms: userspace/install-deps" >&2; exit 1; }
	rm -rf $(DEB_DIR) && install -d $(DEB_PKG)
	cp -a $(DKMS_STAGE)/. $(DEB_PKG)/
	cp -a $(ROOT)/userspace/dkms/debian $(DEB_PKG)/
	@# dh_dkms installs it as /usr/src/ntbnet-<version>/dkms.conf
	mv $(DEB_PKG)/dkms.conf $(DEB_PKG)/debian/ntbnet-dkms.dkms
	{ echo "ntbnet-dkms ($(DKMS_VERSION)) unstable; urgency=medium"; echo; \
	  echo "  * ntbnet $(DKMS_VERSION), built by make deb."; echo; \
	  echo " -- $$(sed -n 's/^Maintainer: //p' $(ROOT)/userspace/dkms/debian/control)  $(DEB_DATE)"; \
	} > $(DEB_PKG)/debian/changelog
	cd $(DEB_PKG) && dpkg-buildpackage -us -uc -b
	@ls $(DEB_DIR)/ntbnet-dkms_$(DKMS_VERSION)_all.deb

clean-modules:
	-$(MAKE) -C $(KDIR) M=$(ROOT) INSTALLED_ONLY=$(INSTALLED_ONLY) clean
	rm -rf $(BUILD)/modules $(UPSTREAM)

clean:
	-$(MAKE) -C $(KDIR) M=$(ROOT) clean
	rm -rf $(BUILD)
