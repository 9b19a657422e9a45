#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role region: coherent regions between three nodes in one VM, one per
# network namespace (selftests/kernel/test_region), then the module goes.
. /lib/gvm.sh

tap_check "insmod giantvm-kvm" insmod /giantvm-kvm.ko
tap_check "three namespaces on a bridge" gvm_netns 3
tap_check "a virtio disk for O_DIRECT" test -b /dev/vda
# The O_DIRECT case writes over the disk it is given, and only that one.
export GVM_TEST_DISK=/dev/vda
tap_run /tests/test_region
# What the module said (faults that failed say why).
dmesg | grep giantvm | sed 's/^/# /'
tap_check "rmmod giantvm-kvm" rmmod giantvm_kvm
