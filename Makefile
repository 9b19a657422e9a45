# SPDX-License-Identifier: GPL-2.0
#
# giantvm: one entry point for building, testing and benchmarking.
#
#   make deps      install the Debian packages everything below needs
#   make check     all tests; ends with "N passed, N failed"
#   make demo      the main job: three VMs join a cluster with gvmctl
#   make module    giantvm-kvm.ko against Debian's 6.1 headers (W=1);
#                  KVER=6.12 (or a full release) for another kernel
#   make sparse    the module with C=2
#   make vmtest    the kernel tests in VMs under QEMU (selftests/vm);
#                  make vmtest-all for Debian's 6.1 and 6.12 kernels
#   make kselftest-install   those tests as kselftests, to run in any VM
#                  (INSTALL_PATH, default build/kselftest)
#   make style     checkpatch.pl over the tree
#   make mc        exhaustive model checker; make mc-mutants shows it bites
#   make sim       discrete-event simulator, 2 .. 10,240 nodes
#   make fuzz      libFuzzer targets for FUZZ_SECONDS each
#   make bench     headline figures, also in build/bench.json
#   make deb       the Debian packages (giantvm-dkms, gvmctl,
#                  giantvm-kselftests), unsigned
#   make repo      a local apt repository of them (build/repo)
#   make lintian   lintian over the packages: no error, no warning
#   make pkgtest   install, boot, purge, reinstall and upgrade them
#
# Everything generated goes to build/.

# One version for the packages, the module and gvmctl: debian/changelog's.
VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
B := build
Q := $(if $(V),,@)

# The kernel to build for: a full release or a prefix (6.1, 6.12), which
# picks the newest installed headers that match. Debian's 6.1 by default.
KVER ?= 6.1
KREL := $(or $(wildcard $(KVER:%=/usr/src/linux-headers-%)), \
	$(lastword $(shell ls -1d /usr/src/linux-headers-$(KVER)[.-]*-amd64 \
		2>/dev/null | sort -V)))
KREL := $(patsubst /usr/src/linux-headers-%,%,$(strip $(KREL)))
KREL := $(or $(KREL),$(KVER))
KDIR ?= /usr/src/linux-headers-$(KREL)
LINUX_SRC_TAR := /usr/src/linux-source-6.1.tar.xz
KSFT := $(B)/ksft

FUZZ_SECONDS ?= 60

CORE_SRC := kernel/copyset/copyset.c kernel/copyset/selftest.c kernel/ivy/wire.c kernel/ivy/engine.c \
	    kernel/ivy/invalidate.c kernel/ivy/failure.c kernel/ivy/selftest.c
CORE_HDR := $(wildcard kernel/*.h kernel/ivy/*.h kernel/copyset/*.h) \
	    uapi/linux/giantvm.h

WARN := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS_BASE := -std=gnu11 -g $(WARN) -Iuapi -I$(KSFT) -D_GNU_SOURCE
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
       -fno-omit-frame-pointer
# Tests run under ASan/UBSan; the model checker and simulator are hot loops
# and run optimised (the checker also has a sanitized smoke run).
# The harness's EXPECT_EQ(0, unsigned) trips -Wsign-compare, as in the kernel.
CFLAGS_TEST := $(CFLAGS_BASE) -O1 $(SAN) -Wno-sign-compare
CFLAGS_FAST := $(CFLAGS_BASE) -O2

.PHONY: all deps check demo module sparse style mc mc-mutants sim fuzz \
	bench unit clean ksft deb repo lintian pkgtest
all: unit

# GVM_NO_DEPS=1: the packages are there already (a package build, whose
# build dependencies debian/control lists).
deps:
	$(Q)$(if $(GVM_NO_DEPS),true,sh tools/deps.sh)

# kselftest_harness.h and checkpatch.pl come from Debian's linux-source-6.1
# tarball, extracted at build time (never committed).
$(KSFT)/.stamp: | deps
	$(Q)mkdir -p $(KSFT)
	$(Q)tar -xJf $(LINUX_SRC_TAR) -C $(KSFT) --strip-components=1 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	$(Q)cp $(KSFT)/tools/testing/selftests/kselftest*.h $(KSFT)/
	$(Q)touch $@
ksft: $(KSFT)/.stamp

# ---- userspace builds of the core --------------------------------------

$(B)/test/%: selftests/core/%.c $(CORE_SRC) $(CORE_HDR) selftests/mc/cluster.c \
	     selftests/mc/cluster.h $(KSFT)/.stamp
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_TEST) -o $@ $< selftests/mc/cluster.c $(CORE_SRC)

UNIT := $(patsubst selftests/core/%.c,$(B)/test/%, \
	  $(wildcard selftests/core/test_*.c))
unit: $(UNIT)

MC_SRC := selftests/mc/mc.c selftests/mc/cluster.c
$(B)/mc/mc: $(MC_SRC) selftests/mc/*.h $(CORE_SRC) $(CORE_HDR) | deps
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_FAST) -DNDEBUG_MC -o $@ $(MC_SRC) $(CORE_SRC)
$(B)/mc/mc-asan: $(MC_SRC) selftests/mc/*.h $(CORE_SRC) $(CORE_HDR) | deps
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_TEST) -o $@ $(MC_SRC) $(CORE_SRC)

mc: $(B)/mc/mc
	$(Q)$(B)/mc/mc all

mc-mutants: $(B)/mc/mc $(KSFT)/.stamp | deps
	$(Q)KSFT=$(KSFT) sh selftests/mc/mutants.sh $(B)/mc-mutants

SIM_SRC := $(wildcard tools/gvm-sim/*.c)
$(B)/sim/gvm-sim: $(SIM_SRC) $(wildcard tools/gvm-sim/*.h) $(CORE_SRC) \
		  $(CORE_HDR) | deps
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_FAST) -o $@ $(SIM_SRC) $(CORE_SRC) -lm

sim: $(B)/sim/gvm-sim
	$(Q)$(B)/sim/gvm-sim --json $(B)/sim.json $(SIM_ARGS)

# The main job: a live three-node cluster in VMs (selftests/vm/scenarios).
# The domain's key, made as a user makes one and copied into every VM.
demo: gvmctl
	$(Q)mkdir -p $(B)/demo
	$(Q)(umask 077 && $(B)/gvmctl/gvmctl genpsk >$(B)/demo/psk)
	$(Q)$(MAKE) --no-print-directory vmtest SCENARIO=demo

# ---- fuzzing -----------------------------------------------------------

FUZZ_TARGETS := wire engine
FUZZ_CFLAGS := -std=gnu11 -g -O1 $(WARN) -Iuapi -D_GNU_SOURCE \
	       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(B)/fuzz/fuzz_%: selftests/fuzz/fuzz_%.c selftests/mc/cluster.c \
		  selftests/mc/*.h $(CORE_SRC) $(CORE_HDR) | deps
	$(Q)mkdir -p $(dir $@)
	$(Q)clang $(FUZZ_CFLAGS) -o $@ $< selftests/mc/cluster.c $(CORE_SRC)

fuzz: $(addprefix $(B)/fuzz/fuzz_,$(FUZZ_TARGETS))
	$(Q)for t in $(FUZZ_TARGETS); do \
		sh selftests/fuzz/run.sh $(B) $$t $(FUZZ_SECONDS) || exit 1; \
	done

# ---- kernel module -----------------------------------------------------

KBUILD := $(MAKE) -C $(KDIR) M=$(CURDIR) GVM_VERSION=$(VERSION)
# Fails on a failed build and on any warning (the log is kept in build/).
define kbuild_checked
	$(Q)mkdir -p $(B)
	$(Q)$(KBUILD) $(1) > $(2) 2>&1; rc=$$?; cat $(2); \
		[ $$rc -eq 0 ] && ! grep -qiE 'warning|error' $(2)
endef

module: | deps
	$(Q)test -d $(KDIR) || { echo "no kernel headers at $(KDIR)"; exit 1; }
	$(call kbuild_checked,W=1 modules,$(B)/module-$(KREL).log)

# C=2 checks every file whether rebuilt or not: no clean needed (a Kbuild
# clean here would delete every .ko under build/ too).
sparse: | deps
	$(call kbuild_checked,C=2 W=1 modules,$(B)/sparse-$(KREL).log)

# Self-test CHECK() macros jump to their cleanup label, as kernel self-tests
# commonly do; that is the one checkpatch warning we accept.
STYLE_FILES = $(shell git ls-files --cached --others --exclude-standard \
		'*.c' '*.h' | grep -v '^qemu/')
style: $(KSFT)/.stamp
	$(Q)perl $(KSFT)/scripts/checkpatch.pl --no-tree --quiet --terse \
		--show-types --ignore MACRO_WITH_FLOW_CONTROL \
		-f $(STYLE_FILES)

# ---- gvmctl and the VM tests (their rules live beside their sources) ----

-include tools/gvmctl/gvmctl.mk
-include selftests/kernel/kernel.mk
-include selftests/vm/vm.mk

# ---- Debian packages (debian/, tools/deb, selftests/pkg) ---------------

# Built again when any file of the tree changes (a deleted one included).
DEB_SRC := $(wildcard $(shell git ls-files --cached --others \
	     --exclude-standard 2>/dev/null))
$(B)/deb/.stamp: $(DEB_SRC) | deps
	$(Q)sh tools/deb/build.sh $(B)/deb
	$(Q)touch $@
deb: $(B)/deb/.stamp

# apt reads a file: repository as its _apt user: REPO must be a path it
# can reach (not under a private home); make pkgtest uses /srv/giantvm.
REPO ?= $(B)/repo
repo: deb
	$(Q)sh tools/deb/repo.sh $(REPO) $(B)/deb

lintian: deb
	$(Q)lintian --fail-on error,warning --info $(B)/deb/giantvm_$(VERSION)_*.changes

pkgtest: REPO = /srv/giantvm
pkgtest: repo gvmctl
	$(Q)sh selftests/pkg/pkgtest.sh $(B) $(REPO)

# ---- aggregate ---------------------------------------------------------

check: | deps
	$(Q)sh selftests/check.sh

$(B)/bench/bench_core: selftests/bench/bench_core.c $(CORE_SRC) $(CORE_HDR) \
		       | deps
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_FAST) -o $@ $< $(CORE_SRC)

# The kernel rows come from VMs (selftests/vm/scenarios/bench*.py).
bench: $(B)/sim/gvm-sim $(B)/bench/bench_core
	$(Q)$(MAKE) --no-print-directory -s vmtest SCENARIO="bench bench-vms" \
		>$(B)/bench-kernel.log 2>&1 || \
		{ cat $(B)/bench-kernel.log; echo "bench: the VM part failed"; \
		  exit 1; }
	$(Q)sh selftests/bench/bench.sh $(B)

clean:
	$(Q)rm -rf $(B)
	$(Q)-$(KBUILD) clean >/dev/null 2>&1 || true
