# SPDX-License-Identifier: GPL-2.0
#
# The kernel tests that run inside the test VMs (selftests/vm): static
# executables, linked with libnl, with kselftest_harness.h.
# KTEST_STATIC= links them against the shared libraries, and
# KTEST_EXTRA_CFLAGS/LDFLAGS add a distribution's flags (debian/rules:
# giantvm-kselftests, hardened).

KTEST_STATIC ?= -static
KTEST_CFLAGS := $(CFLAGS_BASE) -O1 -Wno-sign-compare \
	$(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null) \
	$(KTEST_EXTRA_CFLAGS)
KTEST_LIBS := $(KTEST_STATIC) $(KTEST_EXTRA_LDFLAGS) -lnl-genl-3 -lnl-3 \
	-lpthread -lm
KTEST := test_netlink test_cluster_netns test_auth_netns test_transport test_region \
	test_kvm_region bench_region gvm-check gvm-counter
KTEST_COMMON := selftests/kernel/gvm_nl.c selftests/kernel/gvm_ns.c \
	selftests/kernel/gvm_env.c

# The transport test builds its frames with the project's codec.
$(B)/ktest/test_transport: kernel/ivy/wire.c kernel/ivy/wire.h
$(B)/ktest/test_transport: KTEST_EXTRA := kernel/ivy/wire.c

$(B)/ktest/%: selftests/kernel/%.c $(KTEST_COMMON) selftests/kernel/*.h \
	      uapi/linux/giantvm.h $(KSFT)/.stamp
	$(Q)mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(Q)$(CC) $(KTEST_CFLAGS) -o $@ $< $(KTEST_COMMON) \
		$(KTEST_EXTRA) $(KTEST_LIBS) 2>&1 | \
		{ grep -vE 'statically linked|in function' || true; }
	$(Q)test -x $@

# The helpers role scripts run: gvm-check, gvm-counter.
$(B)/ktest/gvm-%: selftests/kernel/gvm_%.c $(KTEST_COMMON) \
		  selftests/kernel/*.h uapi/linux/giantvm.h
	$(Q)mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(Q)$(CC) $(KTEST_CFLAGS) -o $@ $< $(KTEST_COMMON) \
		$(KTEST_LIBS) 2>&1 | { grep -vE 'statically linked|in function' || true; }
	$(Q)test -x $@

.PHONY: ktest
ktest: $(addprefix $(B)/ktest/,$(KTEST))

# ---- the tests as a kselftest install, to run in any VM ----------------
#
# make kselftest-install [INSTALL_PATH=DIR]: the layout of the kernel's
# own "make -C tools/testing/selftests install": run_kselftest.sh and its
# runner (Debian's linux-source-6.1), kselftest-list.txt, and collection
# giantvm: a script per test that sets up what the test needs (the
# module, namespaces) and takes it down again (selftests/kernel/ksft).
INSTALL_PATH ?= $(B)/kselftest
KSFT_TESTS := netlink transport cluster_netns auth_netns region kvm_region
KSFT_RUNNER := run_kselftest.sh kselftest/runner.sh kselftest/prefix.pl

$(KSFT)/.runner: | deps
	$(Q)mkdir -p $(KSFT)
	$(Q)tar -xJf $(LINUX_SRC_TAR) -C $(KSFT) --strip-components=1 \
		$(addprefix linux-source-6.1/tools/testing/selftests/, \
			    $(KSFT_RUNNER))
	$(Q)touch $@

.PHONY: kselftest-install
kselftest-install: $(KSFT)/.runner $(addprefix $(B)/ktest/test_,$(KSFT_TESTS))
	$(Q)rm -rf $(INSTALL_PATH)/giantvm
	$(Q)mkdir -p $(INSTALL_PATH)/kselftest $(INSTALL_PATH)/giantvm
	$(Q)for f in $(KSFT_RUNNER); do \
		install -m 755 $(KSFT)/tools/testing/selftests/$$f \
			$(INSTALL_PATH)/$$f || exit 1; \
	done
	$(Q)install -m 755 $(addprefix $(B)/ktest/test_,$(KSFT_TESTS)) \
		$(KSFT_TESTS:%=selftests/kernel/ksft/%.sh) $(INSTALL_PATH)/giantvm/
	$(Q)install -m 644 selftests/kernel/ksft/gvm_env.sh \
		selftests/kernel/ksft/settings $(INSTALL_PATH)/giantvm/
	$(Q)printf 'giantvm:%s.sh\n' $(KSFT_TESTS) \
		>$(INSTALL_PATH)/kselftest-list.txt
