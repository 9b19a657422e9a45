#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# role kvm: stock KVM (Debian's kvm_amd, on QEMU's emulated SVM) running
# guests whose memory is a region shared by two network namespaces.
. /lib/gvm.sh

tap_check "kvm_amd gives /dev/kvm" test -c /dev/kvm
tap_check "insmod giantvm-kvm" insmod /giantvm-kvm.ko
tap_check "two namespaces on a bridge" gvm_netns 2
tap_run /tests/test_kvm_region
tap_check "rmmod giantvm-kvm" rmmod giantvm_kvm
