# SPDX-License-Identifier: GPL-2.0
#
# The kernel tests that run inside the test VMs (selftests/vm): static
# executables, linked with libnl, with kselftest_harness.h.

KTEST_CFLAGS := $(CFLAGS_BASE) -O1 -Wno-sign-compare \
	$(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
KTEST_LIBS := -static -lnl-genl-3 -lnl-3 -lpthread -lm
KTEST := test_netlink test_cluster_netns test_auth_netns test_transport test_region \
	test_kvm_region bench_region gvm-check gvm-counter
KTEST_COMMON := selftests/kernel/gvm_nl.c selftests/kernel/gvm_ns.c

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
