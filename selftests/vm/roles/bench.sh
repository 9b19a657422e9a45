#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role bench: the kernel engine's figures for make bench (five nodes in
# network namespaces, selftests/kernel/bench_region.c).
. /lib/gvm.sh

tap_check "insmod giantvm-kvm" insmod /giantvm-kvm.ko
tap_check "five namespaces on a bridge" gvm_netns 5
# Its output is the result: GVM-BENCH lines for bench.sh.
if /tests/bench_region; then tap_ok "bench_region"; else tap_fail "bench_region"; fi
tap_check "rmmod giantvm-kvm" rmmod giantvm_kvm
