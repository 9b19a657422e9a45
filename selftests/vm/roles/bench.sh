#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role bench: the kernel engine's figures for make bench (five nodes in
# network namespaces, selftests/kernel/bench_region.c): as the scheduler
# places the tasks, then every task on CPU 0, without and with a pre-shared
# key. The module is loaded afresh for each, so each starts from no domain
# and no region.
. /lib/gvm.sh

tap_check "five namespaces on a bridge" gvm_netns 5
for mode in "" --one-cpu "--one-cpu --psk"; do
	tap_check "insmod giantvm-kvm" insmod /giantvm-kvm.ko
	# Its output is the result: GVM-BENCH lines for bench.sh.
	if /tests/bench_region $mode; then
		tap_ok "bench_region${mode:+ $mode}"
	else
		tap_fail "bench_region${mode:+ $mode}"
	fi
	tap_check "rmmod giantvm-kvm" rmmod giantvm_kvm
done
