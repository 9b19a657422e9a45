# SPDX-License-Identifier: GPL-2.0
#
# VM tests (selftests/vm/README.md), included by the top-level Makefile.
#
#   make vmtest                 every scenario on Debian's 6.1 kernel (TAP)
#   make vmtest SCENARIO=net3   only these scenarios (space-separated)
#   make vmtest KVER=6.12       another kernel: a full version or a prefix
#   make vmtest-all             every scenario on each of VM_KVERS
#   make vm-module KVER=...     giantvm-kvm.ko for that kernel only
#   make vmtest-debug           every scenario (or SCENARIO=...) on a 6.1
#                               kernel built with KASAN, lockdep, kmemleak
#                               and debug objects (debug-kernel.sh; not in
#                               make check: its first build takes 45 min)
#
# VM_MEM (MiB per VM, default 512) and VM_TIMEOUT_SCALE (multiplies every
# step's timeout) tune the runs; VM_MTTCG=1 runs multi-vCPU VMs with a
# host thread per vCPU (far more contention; QEMU's TCG then sometimes
# oopses the guest on kernel text patching, so it is not the default); VM_MODULE=path/giantvm-kvm.ko tests that
# module instead of building one from the tree; VM_ARGS passes options to
# run.py (--no-runner-only: a second kernel's run); GVM_XADD_RUNS=N runs N
# of region's 10 lock xadd runs.

.PHONY: vmtest vmtest-all vmtest-debug vm-module vm-kernel

# KVER may be a prefix; the Makefile resolves it to KREL.
VM_KVER := $(KREL)
# The debug kernel's tree stands in for its headers (vmtest-debug).
VM_KDIR ?= /usr/src/linux-headers-$(VM_KVER)
VM_DIR := $(B)/vm/$(VM_KVER)
VM_KVERS ?= 6.1 6.12
VM_KO := $(or $(VM_MODULE),$(VM_DIR)/giantvm-kvm.ko)

# The module is built from a private copy of the sources per kernel, so
# modules for several kernels coexist and never clobber kernel/*.o of
# "make module". cp -p keeps timestamps: Kbuild rebuilds only what changed.
VM_MOD_SRC = Kbuild $(shell find kernel uapi \( -name '*.[ch]' -o \
	-name Kbuild \) ! -name '*.mod.c' 2>/dev/null)

$(VM_DIR)/giantvm-kvm.ko: $(VM_MOD_SRC) | deps
	$(Q)test -d $(VM_KDIR) || \
		{ echo "vmtest: no kernel headers for KVER=$(KVER)"; exit 1; }
	$(Q)mkdir -p $(VM_DIR)/src
	$(Q)cp -p --parents $(VM_MOD_SRC) $(VM_DIR)/src/
	$(Q)$(MAKE) -C $(VM_KDIR) M=$(abspath $(VM_DIR)/src) \
		GVM_VERSION=$(VERSION) modules >$(VM_DIR)/module.log 2>&1 || \
		{ cat $(VM_DIR)/module.log; exit 1; }
	$(Q)cp $(VM_DIR)/src/kernel/giantvm-kvm.ko $@

vm-module: $(VM_DIR)/giantvm-kvm.ko

# Debian's kernel image, fetched once and unpacked (or the installed one).
# Phony: kernel.sh checks its cache each time, since a Kbuild clean of this
# tree deletes the unpacked *.ko files.
vm-kernel: | deps
	$(Q)mkdir -p $(VM_DIR)
	$(Q)sh selftests/vm/kernel.sh $(VM_KVER) $(VM_DIR)

$(B)/vm/gvm-hub: selftests/vm/hub.c | deps
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_FAST) -o $@ $<

# Static: it runs inside the bare initramfs.
$(B)/vm/gvm-exit: selftests/vm/exit.c | deps
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_FAST) -static -o $@ $<

# gvmctl too: the cluster scenarios' roles run it (a fresh tree that
# skipped it would fail them with "gvmctl: not found").
vmtest: $(B)/vm/gvm-hub $(B)/vm/gvm-exit $(VM_KO) vm-kernel ktest kselftest-install \
	$(B)/gvmctl/gvmctl-static
	$(Q)VM_TIMEOUT_SCALE=$(or $(VM_TIMEOUT_SCALE),1) python3 \
		selftests/vm/run.py --kver $(VM_KVER) --build $(B) \
		--module $(VM_KO) \
		--mem $(or $(VM_MEM),512) $(VM_ARGS) $(SCENARIO)

# One sub-make per kernel: KVER decides VM_KVER and VM_DIR at parse time.
vmtest-all:
	$(Q)rc=0; for k in $(VM_KVERS); do \
		$(MAKE) --no-print-directory vmtest KVER=$$k || rc=1; \
	done; exit $$rc

# The kernel's checkers find what Debian's kernels let pass: a use after
# free, a lock order that can deadlock, a sleep under a spinlock, a leak.
vmtest-debug: | deps
	$(Q)krel=$$(sh selftests/vm/debug-kernel.sh $(B)) && \
	$(MAKE) --no-print-directory vmtest KVER=$$krel \
		VM_KDIR=$(abspath $(B))/dbgk/linux-6.1 \
		VM_TIMEOUT_SCALE=$(or $(VM_TIMEOUT_SCALE),4)
