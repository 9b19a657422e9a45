#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role netlink: the control plane in one VM: the kselftest as a user runs
# it (giantvm/netlink.sh: test_netlink in a namespace of its own, the
# module loaded by modprobe and unloaded after), what the installed
# kselftests offer, and the module loaded by kmod's ways.
. /lib/gvm.sh

KSFT=/tests/kselftest

# The kselftests as make kselftest-install lays them out.
listed() {
	for t in netlink transport cluster_netns auth_netns region kvm_region; do
		echo "giantvm:$t.sh"
	done | diff - /run/list
}

# ksft_skipped TEST REASON: run_kselftest.sh reports TEST skipped, and
# the script says why.
ksft_skipped() {
	ksft_run "giantvm:$1" /run/skip.out
	grep -qx "ok 1 selftests: giantvm: $1 # SKIP" /run/skip.out &&
		grep -q "# SKIP: $2" /run/skip.out
}

# Before the module is installed for modprobe: skipped, saying why.
tap_check "transport.sh with no module installed: SKIP, with the reason" \
	ksft_skipped transport.sh "no giantvm-kvm module for $(uname -r)"
tap_check "install the module for modprobe" gvm_install_module
tap_check "run_kselftest.sh --list: every giantvm test" \
	sh -c "$KSFT/run_kselftest.sh --list >/run/list"
tap_check "the list: every giantvm test, in order" listed
tap_ksft giantvm:netlink.sh
tap_check "the module unloaded after the test" gvm_unloaded
# No /dev/kvm here (no kvm_amd).
tap_check "kvm_region.sh without /dev/kvm: SKIP, with the reason" \
	ksft_skipped kvm_region.sh "no /dev/kvm"

# "modprobe giantvm-kvm", and a request for the genl family with the
# module not loaded (MODULE_ALIAS_GENL_FAMILY).
tap_check "modprobe giantvm-kvm creates /dev/giantvm" \
	sh -c 'modprobe giantvm-kvm && [ -c /dev/giantvm ]'
tap_check "rmmod after modprobe" rmmod giantvm_kvm
tap_check "a request for the family loads the module" \
	sh -c 'gvmctl status >/dev/null; grep -q "^giantvm_kvm " /proc/modules'
tap_check "rmmod after autoload" rmmod giantvm_kvm

# GVM_TIMEOUT_SCALE (gvm_harness.h) out of its range: the test binary
# refuses to run, says why, and exits non-zero.
scale_refused() {
	out=$(GVM_TIMEOUT_SCALE=$1 "$KSFT/giantvm/test_netlink" 2>&1) && return 1
	echo "$out" | grep -q "GVM_TIMEOUT_SCALE=$1: not a number from 1 to 100" &&
		! echo "$out" | grep -q "Starting"
}
for bad in 0 101 x 2x ""; do
	tap_check "GVM_TIMEOUT_SCALE=$bad refused" scale_refused "$bad"
done
